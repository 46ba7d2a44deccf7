import ArgumentParser
import Core

/// `sotto logout`: ends the session and forgets the account on this device.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Revoke this device's session (or, with --everywhere, every session) and forget the account here.",
        discussion: """
            The software passkey file, if any, is kept: it is your passkey, and `sotto login` \
            uses it again.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Flag(help: "Revoke every session of the account, on every device, then forget the account here.")
    var everywhere = false

    func run() async throws {
        let session = try account.session(global).session
        if everywhere {
            try await runAccountCommand {
                let state = try session.state()
                try await session.logoutEverywhere()
                print(
                    "Revoked every session of account \(state?.accountID.rawValue ?? "?"); every device must log in again. This device no longer holds the account."
                )
                if let path = state?.passkey.softwarePasskeyPath {
                    print("The software passkey stays at \(path).")
                }
            }
            return
        }
        try await runAccountCommand {
            let state = try session.state()
            let revoked = try await session.logout()
            print("Logged out of account \(state?.accountID.rawValue ?? "?"); this device no longer holds it.")
            if !revoked, let expiry = state?.session?.expiresAt {
                printError(
                    "sotto: the server did not revoke the session (unreachable or refusing); it expires \(formatTime(expiry))"
                )
            }
            if let path = state?.passkey.softwarePasskeyPath {
                print("The software passkey stays at \(path).")
            }
        }
    }
}
