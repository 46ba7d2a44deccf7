import ArgumentParser
import Core
import Foundation
import Wire

/// `sotto whoami`: the account this device holds, from its state and, with a live session,
/// the server.
struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Show this device's account, server, passkey and session.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    func run() async throws {
        let session = try account.session(global).session
        try await runAccountCommand {
            let overview = try await session.whoami()
            let state = overview.state
            print("account   \(state.accountID)")
            print("server    \(state.server)")
            var passkey =
                "\(state.passkey.kind.label), credential \(AccountSession.shortID(state.passkey.credentialID))"
            if let path = state.passkey.softwarePasskeyPath { passkey += " (\(path))" }
            print("passkey   \(passkey)")
            if let live = state.liveSession(now: Int64(Date().timeIntervalSince1970), margin: 0) {
                print("session   until \(formatTime(live.expiresAt))")
            } else {
                print("session   none (run `sotto login`)")
            }
            if let summary = overview.summary {
                print("passkeys  \(summary.passkeys.count) registered")
                if let updated = summary.recoveryUpdatedAt { print("recovery  key set \(formatTime(updated))") }
            } else if let problem = overview.serverProblem, state.session != nil {
                print("(the server's view is unavailable: \(problem))")
            }
        }
    }
}
