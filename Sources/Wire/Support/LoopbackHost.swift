#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a URL's host names this machine. Decided by parsing, never by prefix: a DNS name such
/// as `127.evil.example` is anyone's, only an IP literal or the reserved `localhost` names are
/// this machine's.
public enum LoopbackHost {
    /// True for an IPv4 literal in 127.0.0.0/8 (strict dotted quad: four decimal parts, no
    /// leading zeros), the IPv6 loopback `::1` (with or without brackets), `localhost` and
    /// `*.localhost` (RFC 6761; every label a plain DNS label). An IPv4-mapped `::ffff:127.0.0.1`,
    /// a zone id, a trailing dot or a short form like `127.1` is not: refusing an odd spelling of
    /// loopback costs nothing, accepting a non-loopback one costs the user's secrets.
    public static func contains(_ host: String) -> Bool {
        let host = host.lowercased()
        if let octets = ipv4(host) { return octets[0] == 127 }
        if isIPv6Loopback(host) { return true }
        guard host == "localhost" || host.hasSuffix(".localhost") else { return false }
        return DomainName.isCanonical(host)
    }

    /// The four octets of a strict dotted-quad IPv4 literal, or nil.
    public static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets = [UInt8]()
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || part.first != "0", let value = UInt8(part)
            else { return nil }
            octets.append(value)
        }
        return octets
    }

    /// Whether `text` is an IP literal (IPv4 dotted quad, or IPv6 with or without brackets).
    public static func isIPLiteral(_ text: String) -> Bool {
        ipv4(text) != nil || ipv6(text) != nil
    }

    private static func isIPv6Loopback(_ text: String) -> Bool {
        guard let bytes = ipv6(text) else { return false }
        return bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    /// The 16 bytes of an IPv6 literal (brackets optional), or nil.
    private static func ipv6(_ text: String) -> [UInt8]? {
        var bare = Substring(text)
        if bare.hasPrefix("[") && bare.hasSuffix("]") { bare = bare.dropFirst().dropLast() }
        guard bare.contains(":"), bare.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") })
        else { return nil }
        var address = in6_addr()
        let parsed = String(bare).withCString { inet_pton(AF_INET6, $0, &address) }
        guard parsed == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
