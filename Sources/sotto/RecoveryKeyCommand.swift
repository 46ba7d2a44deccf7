import ArgumentParser
import Core

/// `sotto recovery-key rotate`: a new recovery key replaces the old one.
struct RecoveryKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery-key",
        abstract: "Manage the account's recovery key.",
        subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the recovery key; the old one stops working at once.",
            discussion: """
                Unlocks with this device's passkey, which then confirms the replacement (a second \
                touch for a security key). The new key is shown once (or written to \
                --recovery-key-out). Whoever saw the old recovery key may already have opened the \
                account's root key with it; `sotto keys rotate` replaces the root key too, so that \
                nothing written afterwards opens with it (it is offered first when asked on a \
                terminal).
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var account: AccountOptions

        @Option(
            help: "Write the new recovery key to this new file (mode 0600) instead of showing it.", completion: .file())
        var recoveryKeyOut: String?

        func run() async throws {
            try RecoveryKeyOutput.check(recoveryKeyOut)
            if TerminalQuestion.isInteractive {
                printError(Self.warning)
                if TerminalQuestion.confirm("Rotate the root key instead (it also replaces the recovery key)?") == true
                {
                    try await KeysCommand.Rotate.perform(
                        global, account, softwarePasskeys: [], securityKey: false, yes: false,
                        recoveryKeyOut: recoveryKeyOut)
                    return
                }
            }
            let (device, session) = try account.session(global)
            try await runAccountCommand(retryingTypedPassphrase: device.passphraseSource == nil) {
                // One passkey unlocks and then confirms the replacement (one passphrase read).
                let passkey = try session.deviceAuthenticator()
                let unlocked = try await session.unlock(using: passkey)
                let recoveryKey = try await session.rotateRecoveryKey(keys: unlocked.keys, confirmingWith: passkey)
                print(
                    "The recovery key of account \(unlocked.state.accountID) was replaced; the old one no longer works."
                )
                RecoveryKeyOutput.show(recoveryKey, to: recoveryKeyOut)
                if !TerminalQuestion.isInteractive { printError(Self.warning) }
            }
        }

        /// What replacing the recovery key alone does not do.
        static let warning = """
            sotto: replacing the recovery key alone does not lock out whoever saw the old one: it \
            opens the account's root key, and with it whatever that key seals. `sotto keys rotate` \
            makes a new root key, so nothing written afterwards opens with the old recovery key.
            """
    }
}
