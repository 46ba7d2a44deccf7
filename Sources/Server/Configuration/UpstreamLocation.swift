import Foundation
import Wire

/// Where an OpenAI-compatible upstream is reached. The decrypted conversation goes there, so
/// outside development it must stay inside this guest: a loopback address or a Unix socket.
public enum UpstreamLocation: Sendable, Hashable {
    /// An IP literal in 127.0.0.0/8, or ::1.
    case loopback
    /// A Unix domain socket (`http+unix://` with the percent-encoded socket path as host).
    case unixSocket(path: String)
    /// Anything else: another machine, or a name a resolver could point anywhere.
    case network(host: String)

    /// Classifies `url` by parsing it; names (even `localhost`) count as network, since only
    /// an address literal cannot be redirected by name resolution.
    /// - Throws: `ServingError` `.upstream` when `url` is not an http(s) or http+unix URL.
    public init(url: String) throws(ServingError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            let rawHost = parsed.host, !rawHost.isEmpty
        else {
            throw ServingError(.upstream, "--upstream must be an http(s) or http+unix URL with a host, got \(url)")
        }
        switch scheme {
        case "http+unix", "https+unix":
            let path = rawHost.removingPercentEncoding ?? rawHost
            guard path.hasPrefix("/") else {
                throw ServingError(
                    .upstream, "an http+unix upstream names an absolute socket path, percent-encoded, as its host")
            }
            self = .unixSocket(path: path)
        case "http", "https":
            let host =
                rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
            self = Self.isLoopbackLiteral(host) ? .loopback : .network(host: host)
        default:
            throw ServingError(.upstream, "--upstream must be an http(s) or http+unix URL, got \(url)")
        }
    }

    /// True for a loopback address or a Unix socket: the prompt stays in this guest.
    public var isInsideGuest: Bool {
        if case .network = self { return false }
        return true
    }

    /// True for a dotted-quad IPv4 literal in 127.0.0.0/8 or the IPv6 literal ::1.
    static func isLoopbackLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) } == [UInt8](repeating: 0, count: 15) + [1]
        }
        return false
    }
}
