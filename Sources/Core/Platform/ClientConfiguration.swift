import Foundation
import TOMLKit
import Wire

/// The client's settings file, `$XDG_CONFIG_HOME/sotto/config.toml`: the default server,
/// `server = "https://…"`, and `rp_id = "example.org"` when that server's passkeys are for a
/// parent domain of its host (the user's confirmation that the parent is theirs), and
/// `max_tokens = 1024`, the length limit of an answer in tokens (the server keeps it within
/// its own bounds; without it the server's default applies).
public struct ClientConfiguration: Sendable, Hashable {
    public var server: String?
    /// The parent domain `server`'s passkeys are for; applies to that server only.
    public var rpID: String?
    /// The length limit of an answer, in tokens; nil leaves it to the server.
    public var maxTokens: Int?

    /// The range `max_tokens` may take.
    public static let maxTokensRange = 1...32_768

    public init(server: String? = nil, rpID: String? = nil, maxTokens: Int? = nil) {
        self.server = server
        self.rpID = rpID
        self.maxTokens = maxTokens
    }

    /// The RP ID configured for the server at `serverURL`: `rp_id` when `server` names it.
    public func configuredRPID(for serverURL: String) -> String? {
        guard let server, let rpID, Self.trimmed(server) == Self.trimmed(serverURL) else { return nil }
        return rpID
    }

    private static func trimmed(_ url: String) -> Substring {
        var text = Substring(url)
        while text.hasSuffix("/") { text = text.dropLast() }
        return text
    }

    /// Reads the file at `path`; a missing file is an empty configuration.
    /// - Throws: `ConfigurationFileError` naming the file and the problem.
    public static func load(path: String) throws -> ClientConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else { return ClientConfiguration() }
        let text = String(decoding: data, as: UTF8.self)
        if let line = TOMLHeaderCheck.lineOfHeaderWithoutKey(in: text) {
            throw ConfigurationFileError(path: path, problem: TOMLHeaderCheck.problem(line: line))
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationFileError(
                path: path, problem: "line \(error.source.begin.line): \(error.description)")
        } catch {
            throw ConfigurationFileError(path: path, problem: "not valid TOML")
        }
        var configuration = ClientConfiguration()
        if let value = table["server"] {
            guard let server = value.string else {
                throw ConfigurationFileError(path: path, problem: "`server` must be a string such as \"https://…\"")
            }
            configuration.server = server
        }
        if let value = table["rp_id"] {
            guard let rpID = value.string, DomainName.isCanonical(rpID), configuration.server != nil else {
                throw ConfigurationFileError(
                    path: path,
                    problem:
                        "`rp_id` must be a lower-case domain such as \"example.org\", beside the `server` it is for")
            }
            configuration.rpID = rpID
        }
        if let value = table["max_tokens"] {
            guard let limit = value.int, maxTokensRange.contains(limit) else {
                throw ConfigurationFileError(
                    path: path,
                    problem:
                        "`max_tokens` must be a whole number of tokens from \(maxTokensRange.lowerBound) to \(maxTokensRange.upperBound), such as 1024"
                )
            }
            configuration.maxTokens = limit
        }
        return configuration
    }
}

/// The configuration file cannot be used.
public struct ConfigurationFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let problem: String

    /// The stable identifiers of these failures.
    public enum Code: String, StableErrorCode {
        /// config.toml is not valid TOML, or a setting in it has a wrong type or value.
        case file = "SOTTO-CONFIG-FILE"
    }

    public var code: Code { .file }
    public var description: String { "\(code): \(path): \(problem)" }
}

/// Where one device keeps its files. `--data-dir DIR` puts everything of the device under
/// DIR; otherwise the XDG folders are used.
public struct DeviceFolders: Sendable, Hashable {
    public let data: String
    public let state: String
    public let config: String

    public init(dataDirectory: String?, environment: [String: String]) throws {
        let xdg = try XDGDirectories(environment: environment)
        config = xdg.config
        if let dataDirectory {
            let absolute =
                dataDirectory.hasPrefix("/")
                ? dataDirectory : FileManager.default.currentDirectoryPath + "/" + dataDirectory
            data = absolute
            state = absolute + "/state"
        } else {
            data = xdg.data
            state = xdg.state
        }
    }

    /// The verification audit log.
    public var auditLogPath: String { state + "/audit.jsonl" }
    /// The pinned development root (`--dev`).
    public var developmentTrustPath: String { data + "/trust/development.json" }
    /// The highest release security version accepted from each server (rollback protection).
    public var securityVersionsPath: String { data + "/trust/security-versions.json" }
    /// The settings file.
    public var configurationPath: String { config + "/config.toml" }
}
