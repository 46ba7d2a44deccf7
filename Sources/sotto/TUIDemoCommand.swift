import ArgumentParser
import Core
import Foundation
import TUI

/// `sotto dev tui-demo`: the full-screen app against in-memory conversations and a
/// simulated model, to see and try the interface before it is wired to a server.
struct TUIDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui-demo",
        abstract: "Open the full-screen chat with simulated conversations and answers (nothing is sent).",
        shouldDisplay: false
    )

    @Option(help: "The theme: dark, light, solarized-dark, high-contrast, or one of yours.")
    var theme: String?

    @Option(help: "Milliseconds between simulated tokens.")
    var tokenDelay = 30

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let userThemes = (try? XDGDirectories(environment: environment)).map { $0.config + "/themes" }
        do {
            try await TUIApplication.run(
                service: DemoContent.service(tokenDelay: .milliseconds(max(0, tokenDelay))), environment: environment,
                userThemeDirectory: userThemes, themeName: theme)
        } catch let error as TerminalError {
            throw ValidationError(error.description)
        }
    }
}
