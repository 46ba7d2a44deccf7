import ArgumentParser
import Foundation
import Logging
import Server

/// Opens the account and record database for `serve`: `--store URL`, or SQLite in the data
/// folder when absent.
enum StoreOpener {
    /// The store `url` names (nil: SQLite in `dataFolder`), migrated.
    /// - Throws: `ValidationError` with the store's own message (never the URL's password).
    static func open(url: String?, dataFolder: URL, logger: Logger) async throws -> any ServerStore {
        do {
            try FileManager.default.createDirectory(
                at: dataFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return try await ServerStoreLocation(parsing: url, dataFolder: dataFolder.path).open(logger: logger)
        } catch let error as StoreError {
            throw ValidationError(error.description)
        }
    }
}
