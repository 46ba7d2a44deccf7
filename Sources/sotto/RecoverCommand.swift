import ArgumentParser
import Core
import Wire

/// `sotto recover`: back into the account with the recovery key, and a new passkey here.
struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Open the account with its recovery key and register a new passkey on this device.",
        discussion: """
            The recovery key is read from --recovery-key-file (dashes, spaces and case do not \
            matter). The new passkey is a security key when one is plugged in, else a software \
            passkey (--software-passkey FILE, or a new file in this device's data folder).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Option(help: "The file holding the recovery key.", completion: .file())
    var recoveryKeyFile: String

    @Option(help: "Create the new software passkey in this new file.", completion: .file())
    var softwarePasskey: String?

    @Option(help: "A name for a security key.")
    var name: String?

    func run() async throws {
        let (device, session) = try account.session(global)
        try await runAccountCommand {
            _ = try session.serverURL()
            let recoveryKey = try readRecoveryKey()
            let authenticator = try account.authenticator(softwarePasskey: softwarePasskey, creating: true, device)
            let unlocked = try await session.recover(
                recoveryKey: recoveryKey, newAuthenticator: authenticator, name: name)
            let state = unlocked.state
            print(
                "Recovered account \(state.accountID) on \(state.server); this device now unlocks with a new \(state.passkey.kind.label)."
            )
            print("Consider `sotto recovery-key rotate` if the recovery key may have been seen by someone else.")
        }
    }

    private func readRecoveryKey() throws -> RecoveryKey {
        let path = AccountOptions.absolute(recoveryKeyFile)
        let contents: [UInt8]?
        do throws(PrivateFile.Failure) {
            contents = try PrivateFile.read(path, maximumByteCount: 1024)
        } catch {
            throw ValidationError("cannot read the recovery key file \(path) (it must be readable and at most 1 KiB)")
        }
        guard var bytes = contents else { throw ValidationError("there is no recovery key file at \(path)") }
        defer { ConstantTime.wipe(&bytes) }
        return try RecoveryKey(parsing: String(decoding: bytes, as: UTF8.self))
    }
}
