import ArgumentParser
import Core
import Foundation

/// `sotto passkeys list|add|remove`: the account's passkeys.
struct PasskeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passkeys",
        abstract: "List, add or remove the account's passkeys.",
        subcommands: [List.self, Add.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the account's passkeys (needs a session: `sotto login`).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var account: AccountOptions

        func run() async throws {
            let session = try account.session(global)
            try await runAccountCommand(retryingTypedPassphrase: account.passphraseIsTyped) {
                let own = try session.state()?.passkey.credentialID
                let summary = try await session.summary()
                for passkey in summary.passkeys {
                    var line =
                        "\(passkey.credentialID)  \(label(passkey.kind))  \"\(passkey.name)\"  added \(formatTime(passkey.createdAt))"
                    if let used = passkey.lastUsedAt { line += ", last used \(formatTime(used))" }
                    if passkey.credentialID == own { line += "  (this device)" }
                    print(line)
                }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register another passkey with the account.",
            discussion: """
                Unlocks with this device's passkey first, then registers a security key, or the \
                software passkey given with --software-passkey (a new file, same passphrase \
                source); this device's passkey then confirms the addition (touch it again). \
                This device keeps unlocking with its own passkey.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var account: AccountOptions

        @Option(help: "Create the new software passkey in this new file.", completion: .file())
        var softwarePasskey: String?

        @Option(help: "A name for a security key.")
        var name: String?

        func run() async throws {
            let session = try account.session(global)
            try await runAccountCommand(retryingTypedPassphrase: account.passphraseIsTyped) {
                // This device's passkey unlocks, then confirms the addition (one passphrase read).
                let device = try session.deviceAuthenticator()
                let unlocked = try await session.unlock(using: device)
                let authenticator: any Authenticator
                if let softwarePasskey {
                    authenticator = try account.authenticator(softwarePasskey: softwarePasskey, creating: true, global)
                } else {
                    authenticator = try terminalSecurityKey()
                }
                let added = try await session.addPasskey(
                    authenticator, name: name, keys: unlocked.keys, confirmingWith: device)
                print("Added a \(added.kind.label) (\(added.credentialID)) to account \(unlocked.state.accountID).")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a passkey; it can no longer log in, and its sessions end.",
            discussion: """
                ID is a credential id from `sotto passkeys list`, or its first 6 or more characters. \
                This device's passkey confirms the removal (a touch, or its passphrase).
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var account: AccountOptions

        @Argument(help: "The passkey's credential id (or a unique prefix).")
        var id: String

        func run() async throws {
            let session = try account.session(global)
            try await runAccountCommand(retryingTypedPassphrase: account.passphraseIsTyped) {
                let removed = try await session.removePasskey(id: id)
                print("Removed the \(label(removed.kind)) \"\(removed.name)\" (\(removed.credentialID)).")
            }
        }
    }
}

/// "software passkey" for "software-passkey"; unknown kinds as the server wrote them.
private func label(_ kind: String) -> String {
    PasskeyKind(rawValue: kind)?.label ?? kind
}
