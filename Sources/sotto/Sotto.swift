import ArgumentParser
import Core
import Foundation
import Wire

@main
struct Sotto: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sotto",
        abstract: "A private AI assistant for the terminal, end to end encrypted to an attested server.",
        discussion: """
            With no subcommand, sotto opens the full-screen chat. With no server configured \
            (--server, or `server` in config.toml) it runs in local mode: a development server \
            with SIMULATED attestation and the embedded model (SOTTO_MODEL names the GGUF file), \
            started on loopback and stopped on exit. The first run creates or joins an account.
            """,
        version: Self.versionText,
        subcommands: [
            AskCommand.self, VerifyCommand.self, VerifyEvidenceCommand.self, RegisterCommand.self, LoginCommand.self,
            WhoamiCommand.self, LogoutCommand.self, PasskeysCommand.self, RecoveryKeyCommand.self,
            KeysCommand.self, RecoverCommand.self, HistoryCommand.self, SyncCommand.self, ExportCommand.self,
            ImportCommand.self,
            Dev.self,
        ]
    )

    static var versionText: String {
        (["sotto \(SottoVersion.string) (protocol \(Wire.protocolVersion))"]
            + LinkedLibraries.versions().map { "  \($0.name) \($0.version)" }).joined(separator: "\n")
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Option(help: "The theme: dark, light, solarized-dark, high-contrast, or one of yours.")
    var theme: String?

    /// ArgumentParser's entry point, except that the message of an error nothing caught (which
    /// may quote a server) reaches the terminal through `TerminalOutput`.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let message = FileSystemError.describing(error).map { "Error: \($0)" } ?? fullMessage(for: error)
            let code = exitCode(for: error)
            if !message.isEmpty {
                if code == .success { print(message) } else { printError(message) }
            }
            Foundation.exit(code.rawValue)
        }
    }

    func run() async throws {
        do {
            try await ChatApp.run(global: global, account: account, theme: theme)
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("sotto: \(errorText(error))")
            throw ExitCode(1)
        }
    }
}

/// The version of this build.
enum SottoVersion {
    static let string = "0.1.0-dev"
}
