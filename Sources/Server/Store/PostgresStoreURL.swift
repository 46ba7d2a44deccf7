import Foundation
import PostgresNIO

/// A PostgreSQL store's address: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with the
/// optional query items `sslmode` (`disable`, only for a database on this machine;
/// `require`, TLS without checking the certificate; `verify-full`, the default elsewhere) and
/// `schema` (tables in that schema, created when missing; default: the user's search path).
public struct PostgresStoreURL: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The schema holding the tables, or nil for the search path's first.
    public var schema: String?

    /// Parses `text`.
    /// - Throws: `StoreError` `.configuration` saying what is wrong; it never repeats the password.
    public init(parsing text: String) throws {
        func fail(_ reason: String) -> StoreError {
            StoreError(
                .configuration,
                "the PostgreSQL URL \(Self.redacted(text)) is not usable: \(reason);"
                    + " expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable]")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["postgres", "postgresql"].contains(scheme)
        else { throw fail("it does not parse as a postgres:// URL") }
        guard var host = components.host, !host.isEmpty else { throw fail("it names no host") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw fail("it names no user")
        }
        let database = String(components.path.drop(while: { $0 == "/" })).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else { throw fail("it names no database") }
        if let port = components.port, !(1...65535).contains(port) { throw fail("the port is out of range") }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password?.removingPercentEncoding
        self.database = database
        self.schema = nil
        var tls: TLSMode? = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw fail("sslmode is one of " + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                tls = mode
            case "schema":
                guard let name = item.value, Self.isPlainIdentifier(name) else {
                    throw fail("a schema name is lower-case letters, digits and _, not starting with a digit")
                }
                schema = name
            default:
                throw fail("unknown option \(item.name) (known: sslmode, schema)")
            }
        }
        let loopback = Self.isLoopback(host)
        if tls == .disable && !loopback {
            throw fail("sslmode=disable is only for a database on this machine (127.0.0.1, ::1, localhost)")
        }
        self.tls = tls ?? (loopback ? .disable : .verifyFull)
    }

    /// The URL with its password replaced by `***`.
    public var description: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        if password != nil { components.password = "***" }
        components.host = host.contains(":") ? "[\(host)]" : host
        components.port = port
        components.path = "/" + database
        var items = [URLQueryItem(name: "sslmode", value: tls.rawValue)]
        if let schema { items.append(URLQueryItem(name: "schema", value: schema)) }
        components.queryItems = items
        return components.string ?? "postgres://\(host):\(port)/\(database)"
    }

    /// The client's configuration for this address.
    public var clientConfiguration: PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS
        switch tls {
        case .disable:
            tlsSetting = .disable
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tlsSetting = .require(configuration)
        case .verifyFull:
            tlsSetting = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return configuration
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, (1...63).contains(name.utf8.count),
            !("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil } && parts[0] == "127"
    }

    /// `text` with anything between `://user:` and `@` hidden, for messages about a URL that
    /// may not even parse.
    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
            at.lowerBound > schemeEnd.upperBound
        else { return text }
        let credentials = text[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at.lowerBound...])
    }
}
