import Foundation
import Logging

/// Where the server keeps its store: the value of `sotto-server serve --store`.
///
/// - absent: SQLite, `server.sqlite` in the data folder;
/// - `sqlite:PATH` or a plain file path: SQLite at that path (a folder gets `server.sqlite` inside);
/// - `postgres://…` or `postgresql://…`: PostgreSQL (`PostgresStoreURL`).
public enum ServerStoreLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresStoreURL)

    /// Parses the option's value; `dataFolder` places the default.
    /// - Throws: `StoreError` `.configuration` for an empty value, another scheme, or a bad URL.
    public init(parsing value: String?, dataFolder: String) throws {
        guard let value else {
            self = .sqlite(path: (dataFolder as NSString).appendingPathComponent(SQLiteServerStore.fileName))
            return
        }
        let scheme = Self.scheme(of: value)
        switch scheme {
        case nil:
            guard !value.isEmpty else { throw Self.unusable(value, "it is empty") }
            self = .sqlite(path: value)
        case "sqlite":
            var path = value.dropFirst("sqlite:".count)
            // sqlite:///var/lib/x as well as sqlite:/var/lib/x.
            if path.hasPrefix("//") { path = path.dropFirst(2) }
            guard !path.isEmpty else { throw Self.unusable(value, "sqlite: names no file") }
            self = .sqlite(path: String(path))
        case "postgres", "postgresql":
            self = .postgres(try PostgresStoreURL(parsing: value))
        default:
            throw Self.unusable(PostgresStoreURL.redacted(value), "\(scheme!): is not a store this server knows")
        }
    }

    /// The place, without a password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): url.description
        }
    }

    /// Opens the store and brings its schema to this build's version.
    /// - Throws: `StoreError` `.unavailable` when it cannot be opened or reached, `.schemaTooNew`.
    public func open(logger: Logger) async throws -> any ServerStore {
        let store: any ServerStore
        switch self {
        case .sqlite(var path):
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                path = (path as NSString).appendingPathComponent(SQLiteServerStore.fileName)
            }
            store = try SQLiteServerStore(path: path)
        case .postgres(let url):
            store = PostgresServerStore(url: url, logger: logger)
        }
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// The URI scheme, lower-cased, or nil for a plain path. A path's first component may hold
    /// a colon only after a slash, so `a:b` is read as a scheme and refused rather than guessed.
    private static func scheme(of value: String) -> String? {
        guard let colon = value.firstIndex(of: ":") else { return nil }
        let candidate = value[..<colon]
        guard let first = candidate.first, first.isLetter,
            candidate.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) })
        else { return nil }
        return candidate.lowercased()
    }

    private static func unusable(_ value: String, _ reason: String) -> StoreError {
        StoreError(
            .configuration,
            "--store \(value) is not usable: \(reason); give a file path, sqlite:PATH,"
                + " or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
    }
}
