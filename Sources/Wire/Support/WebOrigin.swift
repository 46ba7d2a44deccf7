import Foundation

/// The origin of an http(s) URL as a browser serialises it (HTML's "ASCII serialisation of an
/// origin"): lower-case scheme and host, IPv6 in brackets, the port only when it is not the
/// scheme's default. The terminal client plays the browser, so this is what its clientDataJSON
/// names and what a server's origin allow-list holds.
public struct WebOrigin: Hashable, Sendable, CustomStringConvertible {
    /// The two schemes a Sotto server is reached over.
    public enum Scheme: String, Sendable {
        case http, https

        /// The port a URL of this scheme means when it names none.
        public var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public let scheme: Scheme
    /// The host in lower case: a DNS name or an IP literal (IPv6 without brackets).
    public let host: String
    /// The port, or nil for the scheme's default.
    public let port: Int?

    /// The origin of `url`, or nil unless it is an http(s) URL with a plain host: a host that
    /// is percent-encoded or holds anything but letters, digits, `-`, `.` (and `:` inside
    /// brackets) is refused rather than guessed at.
    public init?(url: String) {
        guard let components = URLComponents(string: url),
            let scheme = components.scheme.flatMap({ Scheme(rawValue: $0.lowercased()) }),
            var host = components.percentEncodedHost?.lowercased(), !host.isEmpty
        else { return nil }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { return nil }
            host = String(host.dropFirst().dropLast())
            guard LoopbackHost.isIPLiteral(host), host.contains(":") else { return nil }
        } else {
            guard
                host.utf8.allSatisfy({
                    $0 < 0x80
                        && ($0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || ($0 >= 0x30 && $0 <= 0x39)
                            || ($0 >= 0x61 && $0 <= 0x7a))
                })
            else { return nil }
        }
        if let port = components.port, !(0...65535).contains(port) { return nil }
        self.init(scheme: scheme, host: host, port: components.port)
    }

    /// An origin from its parts (`host` in lower case, IPv6 without brackets).
    public init(scheme: Scheme, host: String, port: Int?) {
        self.scheme = scheme
        self.host = host
        self.port = port == scheme.defaultPort ? nil : port
    }

    /// Whether the host names this machine (`LoopbackHost`).
    public var isLoopback: Bool { LoopbackHost.contains(host) }

    /// `scheme://host[:port]`.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(shownHost)" + (port.map { ":\($0)" } ?? "")
    }
}
