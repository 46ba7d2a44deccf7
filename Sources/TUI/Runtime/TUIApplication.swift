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
        try await onUIThread(environment: environment, userThemeDirectory: userThemeDirectory, themeName: themeName) {
            backend, themes in
            Runtime(
                backend: backend, service: service, themes: themes, themeName: themeName, banner: banner,
                editor: ExternalEditor(environment: environment)
            ).run()
        }
    }

    /// Runs the access screens (onboarding or unlock), then the main screen on the history
    /// they open, in one full-screen session.
    /// - Parameter prompts: the security key's questions, answered on the access screens.
    /// - Returns: false when the user quit before the history was open.
    /// - Throws: `TerminalError` when the terminal cannot be used.
    @discardableResult
    public static func run(
        access: any AccessService, prompts: AccessPrompts, environment: [String: String],
        userThemeDirectory: String?, themeName: String? = nil
    ) async throws -> Bool {
        try await onUIThread(environment: environment, userThemeDirectory: userThemeDirectory, themeName: themeName) {
            backend, themes in
            let theme = themes.theme(named: themeName ?? ThemeCatalog.defaultThemeName)
            guard
                let grant = AccessRuntime(backend: backend, service: access, prompts: prompts, theme: theme).run()
            else { return false }
            Runtime(
                backend: backend, service: grant.service, themes: themes, themeName: themeName, banner: grant.banner,
                editor: ExternalEditor(environment: environment)
            ).run()
            return true
        }
    }

    /// Runs `body` on a new thread that owns ncurses from start to end.
    private static func onUIThread<Result: Sendable>(
        environment: [String: String], userThemeDirectory: String?, themeName: String?,
        _ body: @escaping @Sendable (NcursesBackend, ThemeCatalog) -> Result
    ) async throws -> Result {
        let themes = ThemeCatalog.load(userDirectory: userThemeDirectory)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            let thread = Thread {
                runOnThread(environment: environment, themes: themes, body: body, continuation: continuation)
            }
            thread.name = "sotto-ui"
            thread.start()
        }
    }

    /// The UI thread's body: a nonisolated function, so no actor's executor is assumed.
    private static func runOnThread<Result: Sendable>(
        environment: [String: String], themes: ThemeCatalog,
        body: @Sendable (NcursesBackend, ThemeCatalog) -> Result,
        continuation: CheckedContinuation<Result, any Error>
    ) {
        let backend: NcursesBackend
        do {
            backend = try NcursesBackend(environment: environment)
        } catch {
            continuation.resume(throwing: error)
            return
        }
        let result = body(backend, themes)
        backend.close()
        continuation.resume(returning: result)
    }
}
