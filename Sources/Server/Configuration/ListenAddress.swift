import Wire

/// A `HOST:PORT` the server listens on; `[::1]:7878` for IPv6.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int

    /// Loopback only: a development server is never reachable from the network by default.
    public static let `default` = ListenAddress(host: "127.0.0.1", port: 7878)

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`.
    /// - Throws: `ConfigurationError.invalidListenAddress` with what is wrong.
    public init(parsing text: String) throws {
        var hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfigurationError.invalidListenAddress(text, reason: "expected [IPv6]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ConfigurationError.invalidListenAddress(text, reason: "expected HOST:PORT")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                throw ConfigurationError.invalidListenAddress(text, reason: "put an IPv6 address in brackets")
            }
        }
        guard !hostPart.isEmpty else {
            throw ConfigurationError.invalidListenAddress(text, reason: "the host is empty")
        }
        guard let port = Int(portPart), (0...65535).contains(port) else {
            throw ConfigurationError.invalidListenAddress(
                text, reason: "the port must be a number from 0 (any free port) to 65535")
        }
        hostPart = hostPart.filter { !$0.isWhitespace }[...]
        self.init(host: String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Errors in the server's configuration.
public enum ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidListenAddress(String, reason: String)

    /// The stable identifiers of these failures, for logs, tests and support.
    public enum Code: String, StableErrorCode {
        /// `--listen` is not a valid `HOST:PORT`.
        case listen = "SOTTO-CONFIG-LISTEN"
    }

    /// The stable identifier of this kind of failure.
    public var code: Code {
        switch self {
        case .invalidListenAddress: .listen
        }
    }

    public var description: String {
        switch self {
        case .invalidListenAddress(let text, let reason): "\(code): --listen \"\(text)\": \(reason)"
        }
    }
}
