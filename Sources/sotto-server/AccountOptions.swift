import ArgumentParser
import Foundation
import Logging
import Server

/// Accounts and sync: the WebAuthn relying party and where accounts and records are kept.
struct AccountOptions: ParsableArguments {
    @Option(
        help: """
            The WebAuthn RP ID passkeys are registered for (clients use origin https://<rp-id>). \
            Changing it later makes every registered passkey unusable here.
            """)
    var rpID = "localhost"

    @Option(
        help: """
            The account and record database: a sqlite: path, or postgres://user@host/db \
            (default: SQLite in the data folder).
            """)
    var store: String?

    func validate() throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-.")
        guard !rpID.isEmpty, rpID.count <= 253, rpID.allSatisfy({ allowed.contains($0) }),
            !rpID.hasPrefix("."), !rpID.hasSuffix(".")
        else {
            throw ValidationError("--rp-id must be a lower-case domain name such as example.org or localhost")
        }
    }

    /// The services over `store`.
    func endpoints(store: any ServerStore, logger: Logger) -> AccountEndpoints {
        let accounts = AccountService(store: store, settings: AccountSettings(rpID: rpID), logger: logger)
        let records = RecordService(store: store, sessions: accounts, logger: logger)
        return AccountEndpoints(accounts: accounts, records: records)
    }
}
