import ArgumentParser
import Foundation
import Server

/// Opens the account and record database for `serve`. The seam where the store
/// implementations connect: `--store URL`, or SQLite in the data folder when absent.
enum StoreOpener {
    /// The store `url` names (nil: the default), migrated; nil when this build has no store
    /// implementation, in which case the server runs without accounts and sync.
    /// - Throws: `ValidationError` when `--store` was given and cannot be opened.
    static func open(url: String?, dataFolder: URL?) async throws -> (any ServerStore)? {
        if let url {
            throw ValidationError("--store \(redacted(url)): this build has no database store to open it with")
        }
        return nil
    }

    /// A store URL without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "the store URL"
    }
}
