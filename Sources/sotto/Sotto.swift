import ArgumentParser
import Core
import Wire

@main
struct Sotto: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sotto",
        abstract: "A private AI assistant for the terminal, end to end encrypted to an attested server.",
        discussion: """
            With no subcommand, sotto opens the full-screen chat. The chat screen, accounts, \
            attestation and history arrive in the coming releases; today this build ships the \
            crypto layer and the Noise protocol engine, with their developer tools.
            """,
        version: Self.versionText,
        subcommands: [AskCommand.self, VerifyCommand.self, VerifyEvidenceCommand.self, Dev.self]
    )

    static var versionText: String {
        (["sotto \(SottoVersion.string) (protocol \(Wire.protocolVersion))"]
            + LinkedLibraries.versions().map { "  \($0.name) \($0.version)" }).joined(separator: "\n")
    }

    func run() async throws {
        print(
            """
            sotto \(SottoVersion.string)
            The full-screen chat is not in this build yet. What works today:
              sotto dev noise-vectors FILE   run Noise protocol test vectors
              sotto dev bench crypto         measure the crypto layer against raw libsodium
            See `sotto --help`.
            """)
    }
}

/// The version of this build.
enum SottoVersion {
    static let string = "0.1.0-dev"
}
