import ArgumentParser
import Core
import Foundation

/// `sotto register`: a new account, with this device's passkey as its first.
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Create an account on the server, with a passkey and a recovery key.",
        discussion: """
            Uses a security key when one is plugged in; otherwise (or with --software-passkey) a \
            software passkey: a passphrase-encrypted file, by default in this device's data folder. \
            The passphrase comes from --passphrase-file, $SOTTO_PASSPHRASE, or the terminal. \
            The recovery key is shown once (or written to --recovery-key-out): write it down.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Option(help: "Create the software passkey in this new file.", completion: .file())
    var softwarePasskey: String?

    @Option(help: "Write the recovery key to this new file (mode 0600) instead of showing it.", completion: .file())
    var recoveryKeyOut: String?

    @Option(help: "A name for a security key (software passkeys are named \"software passkey\").")
    var name: String?

    func run() async throws {
        try RecoveryKeyOutput.check(recoveryKeyOut)
        let (device, session) = try account.session(global)
        try await runAccountCommand {
            if let existing = try session.state() {
                throw AccountError(
                    .alreadyRegistered,
                    "this data folder already holds account \(existing.accountID) on \(existing.server); use `sotto login`, or pass another --data-dir for a new account"
                )
            }
            _ = try session.serverURL()
            let authenticator = try account.authenticator(softwarePasskey: softwarePasskey, creating: true, device)
            let registration = try await session.register(authenticator: authenticator, name: name)
            let state = registration.state
            var location = ""
            if let path = state.passkey.softwarePasskeyPath { location = " (\(path))" }
            print(
                "Registered account \(state.accountID) on \(state.server) with a \(state.passkey.kind.label)\(location)."
            )
            RecoveryKeyOutput.show(registration.recoveryKey, to: recoveryKeyOut)
        }
    }
}
