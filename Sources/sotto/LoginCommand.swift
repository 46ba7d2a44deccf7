import ArgumentParser
import Core

/// `sotto login`: this device joins an account with one of its passkeys.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in with a registered passkey and unlock the account on this device.",
        discussion: """
            Uses a security key when one is plugged in; otherwise the software passkey given with \
            --software-passkey (or the one in this device's data folder). Copy a software passkey \
            file to log in on another device with the same passphrase.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Option(help: "Log in with the software passkey in this file.", completion: .file())
    var softwarePasskey: String?

    func run() async throws {
        let (device, session) = try account.session(global)
        try await runAccountCommand(retryingTypedPassphrase: device.passphraseSource == nil) {
            _ = try session.serverURL()
            let authenticator = try account.authenticator(softwarePasskey: softwarePasskey, creating: false, device)
            let unlocked = try await session.login(authenticator: authenticator)
            let state = unlocked.state
            print(
                "Logged in to account \(state.accountID) on \(state.server) with a \(state.passkey.kind.label); session until \(formatTime(state.session?.expiresAt ?? 0))."
            )
            if unlocked.signCountRegressed {
                printError(
                    "sotto: warning: the server saw this passkey's signature counter go backwards; it may have been copied"
                )
            }
        }
    }
}
