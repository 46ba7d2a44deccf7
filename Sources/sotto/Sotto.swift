import ArgumentParser
import Core
import Wire

@main
struct Sotto: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sotto",
        abstract: "A private AI assistant for the terminal, end to end encrypted to an attested server.",
        discussion: """
            With no subcommand, sotto opens the full-screen chat; that screen, passkeys and \
            encrypted history arrive in the coming releases. Today: verify a server by remote \
            attestation and ask it questions through the end-to-end encrypted channel.
            """,
        version: Self.versionText,
        subcommands: [
            AskCommand.self, VerifyCommand.self, VerifyEvidenceCommand.self, RegisterCommand.self, LoginCommand.self,
            WhoamiCommand.self, LogoutCommand.self, PasskeysCommand.self, RecoveryKeyCommand.self,
            RecoverCommand.self, Dev.self,
        ]
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
              sotto verify --server URL        verify what the server runs (remote attestation)
              sotto ask --server URL PROMPT    ask through the end-to-end encrypted channel
              sotto verify-evidence ...        verify a SEV-SNP report offline
              sotto register --server URL      create an account with a passkey and a recovery key
              sotto login, whoami, logout      use the account on this device (also passkeys, recover)
              sotto dev noise-vectors FILE     run Noise protocol test vectors
              sotto dev bench crypto           measure the crypto layer against raw libsodium
            Add --dev to trust a development server's simulated attestation. See `sotto --help`.
            """)
    }
}

/// The version of this build.
enum SottoVersion {
    static let string = "0.1.0-dev"
}
