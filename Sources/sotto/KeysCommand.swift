import ArgumentParser
import Core
import Foundation
import Wire

/// `sotto keys rotate`: a new root key for the account.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the account's root key.",
        subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new root key; whoever held the old one reads nothing written afterwards.",
            discussion: """
                Use it when a recovery key, a passkey or a device may have fallen into other \
                hands. Unlocks with this device's passkey and stores the new root key on the \
                server, then asks for each other passkey to keep: the software passkeys given \
                with --software-passkey, and a security key with --security-key. Passkeys not \
                presented are removed from the account (after you confirm, or with --yes), since \
                they could not open anything sealed under the new key. Every conversation, \
                message, folder and setting is then sealed again under the new root key and \
                synced; a new recovery key replaces the old one (shown once, or written to \
                --recovery-key-out); every session of the account ends, and this device keeps \
                one new session (other devices log in again). If it is interrupted, running it \
                again continues where it stopped.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var account: AccountOptions

        @Option(
            name: .customLong("software-passkey"),
            help: "Another software passkey of the account to keep (repeat for each; same passphrase source).",
            completion: .file())
        var softwarePasskeys: [String] = []

        @Flag(help: "Keep a security key of the account too: it is asked for after this device's passkey.")
        var securityKey = false

        @Flag(help: "Remove the passkeys not presented without asking (for scripts).")
        var yes = false

        @Option(
            help: "Write the new recovery key to this new file (mode 0600) instead of showing it.", completion: .file())
        var recoveryKeyOut: String?

        func run() async throws {
            try await Self.perform(
                global, account, softwarePasskeys: softwarePasskeys, securityKey: securityKey, yes: yes,
                recoveryKeyOut: recoveryKeyOut)
        }

        /// The rotation, as `keys rotate` runs it and `recovery-key rotate` offers it.
        static func perform(
            _ global: GlobalOptions, _ account: AccountOptions, softwarePasskeys: [String], securityKey: Bool,
            yes: Bool, recoveryKeyOut: String?
        ) async throws {
            try RecoveryKeyOutput.check(recoveryKeyOut)
            let (device, session) = try account.session(global)
            try await runAccountCommand(retryingTypedPassphrase: device.passphraseSource == nil) {
                guard let state = try session.state() else {
                    throw ValidationError(
                        "this data folder has no account: run `sotto login` with a passkey of the account first")
                }
                let folders = device.folders
                let rotation = RootKeyRotation(
                    session: session,
                    cache: try LocalCache.openSwitchingAccounts(
                        path: folders.historyCachePath, account: state.accountID),
                    device: try DeviceID.load(dataFolder: folders.data), dataFolder: folders.data)
                var presented: [any Authenticator] = try softwarePasskeys.map {
                    try account.authenticator(softwarePasskey: $0, creating: false, device)
                }
                if securityKey { presented.append(try terminalSecurityKey()) }
                let outcome = try await rotation.run(presented: presented) { removed in
                    printError("sotto: these passkeys were not presented and will be removed from the account:")
                    for passkey in removed {
                        printError("  \(passkey.credentialID)  \(label(passkey.kind))  \"\(passkey.name)\"")
                    }
                    if yes { return true }
                    guard let answer = TerminalQuestion.confirm("Remove them and rotate the root key?") else {
                        throw ValidationError(
                            "pass --yes to remove them, or present them with --software-passkey FILE or --security-key")
                    }
                    return answer
                }
                print(
                    "The root key of account \(outcome.state.accountID) was replaced; the history is sealed under the new one."
                )
                if !outcome.removed.isEmpty {
                    print("Removed \(outcome.removed.count) passkey(s) that were not presented.")
                }
                print("Every session of the account ended; other devices log in again with a passkey still registered.")
                RecoveryKeyOutput.show(outcome.recoveryKey, to: recoveryKeyOut)
            }
        }
    }
}

/// "software passkey" for "software-passkey"; unknown kinds as the server wrote them.
private func label(_ kind: String) -> String {
    PasskeyKind(rawValue: kind)?.label ?? kind
}
