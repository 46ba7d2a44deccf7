import Foundation

/// Starts the full-screen app on its own thread (which owns ncurses) and waits for it to end.
public enum TUIApplication {
    /// Runs the app against `service` until the user quits.
    /// - Parameters:
    ///   - userThemeDirectory: where user themes live (`$XDG_CONFIG_HOME/sotto/themes`).
    /// - Throws: `TerminalError` when the terminal cannot be used.
    public static func run(
        service: any ChatService, environment: [String: String], userThemeDirectory: String?, themeName: String? = nil,
        banner: String? = nil
    ) async throws {
        let themes = ThemeCatalog.load(userDirectory: userThemeDirectory)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                runOnThread(
                    service: service, environment: environment, themes: themes, themeName: themeName, banner: banner,
                    continuation: continuation)
            }
            thread.name = "sotto-ui"
            thread.start()
        }
    }

    /// The UI thread's body: a nonisolated function, so no actor's executor is assumed.
    private static func runOnThread(
        service: any ChatService, environment: [String: String], themes: ThemeCatalog, themeName: String?,
        banner: String?, continuation: CheckedContinuation<Void, any Error>
    ) {
        let backend: NcursesBackend
        do {
            backend = try NcursesBackend(environment: environment)
        } catch {
            continuation.resume(throwing: error)
            return
        }
        let runtime = Runtime(
            backend: backend, service: service, themes: themes, themeName: themeName, banner: banner,
            editor: ExternalEditor(environment: environment))
        runtime.run()
        backend.close()
        continuation.resume()
    }
}
