import ArgumentParser
import Foundation
import Logging
import Server
import Wire

/// Accounts and sync: the WebAuthn relying party and where accounts and records are kept.
struct AccountOptions: ParsableArguments {
    @Option(
        help: """
            The WebAuthn RP ID passkeys are registered for (see --origin). \
            Changing it later makes every registered passkey unusable here.
            """)
    var rpID = "localhost"

    @Option(
        name: .customLong("origin"),
        help: """
            An origin clients reach this server at, such as https://chat.example.org (repeat for \
            several); clientDataJSON must name one of them. Default: https://<rp-id>, or for \
            --rp-id localhost, http://localhost, 127.0.0.1 and [::1] on the port it listens on.
            """)
    var origins: [String] = []

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
        for origin in origins where WebOrigin(url: origin)?.description != origin {
            throw ValidationError(
                "--origin \(origin) is not an origin as a browser writes it: scheme://host[:port], lower case, no path, no default port"
            )
        }
    }

    /// The origins ceremonies accept (see `--origin`); a loopback default learns its port from
    /// `OriginAllowList.serverListens`.
    func originAllowList() -> OriginAllowList {
        if !origins.isEmpty { return OriginAllowList(Set(origins)) }
        return rpID == "localhost" ? .loopbackListener() : OriginAllowList(["https://" + rpID])
    }

    /// The services over `store`, accepting ceremonies from `origins`.
    func endpoints(store: any ServerStore, origins: OriginAllowList, logger: Logger) -> AccountEndpoints {
        let accounts = AccountService(
            store: store, settings: AccountSettings(rpID: rpID, origins: origins), logger: logger)
        let records = RecordService(store: store, sessions: accounts, logger: logger)
        return AccountEndpoints(accounts: accounts, records: records)
    }
}
