import Wire

/// Where Sotto keeps its files, following the XDG Base Directory specification.
/// A pure function of the environment, so tests pass their own.
public struct XDGDirectories: Sendable, Hashable {
    public let config: String
    public let data: String
    public let state: String
    public let cache: String

    /// Resolves the folders from `environment` (normally the process environment).
    /// Relative XDG values are ignored, as the specification requires.
    /// - Throws: `PlatformError.noHomeDirectory` when neither XDG variables nor `HOME` help.
    public init(environment: [String: String]) throws {
        func resolve(_ variable: String, fallback: String) throws -> String {
            if let value = environment[variable], value.hasPrefix("/") {
                return value + "/sotto"
            }
            guard let home = environment["HOME"], home.hasPrefix("/") else {
                throw PlatformError.noHomeDirectory(variable: variable)
            }
            return home + "/" + fallback + "/sotto"
        }
        config = try resolve("XDG_CONFIG_HOME", fallback: ".config")
        data = try resolve("XDG_DATA_HOME", fallback: ".local/share")
        state = try resolve("XDG_STATE_HOME", fallback: ".local/state")
        cache = try resolve("XDG_CACHE_HOME", fallback: ".cache")
    }
}

/// Errors about the machine Sotto runs on.
public enum PlatformError: Error, Hashable, Sendable, CustomStringConvertible {
    case noHomeDirectory(variable: String)

    /// The stable identifiers of these failures, for logs, tests and support.
    public enum Code: String, StableErrorCode {
        /// Neither HOME nor the XDG variable says where to keep files.
        case noHome = "SOTTO-PLATFORM-NO-HOME"
    }

    /// The stable identifier of this kind of failure.
    public var code: Code {
        switch self {
        case .noHomeDirectory: .noHome
        }
    }

    public var description: String {
        switch self {
        case .noHomeDirectory(let variable):
            "\(code): cannot tell where to keep files: set HOME or an absolute \(variable), or pass --data-dir"
        }
    }
}
