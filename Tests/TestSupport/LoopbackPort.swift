#if canImport(Glibc)
    import Glibc
#endif

/// Loopback ports for tests that need a fixed one.
public enum LoopbackPort {
    /// A loopback port that is free now and lies below the kernel's ephemeral range
    /// (32768-60999 by default), so neither a server that binds port 0 nor the source port of
    /// an outgoing connection takes it: for a test that names the port a child process listens
    /// on, or stops a server and starts another at the same address. Random, so tests running
    /// in parallel rarely ask for the same one; a test that loses that race sees `EADDRINUSE`.
    public static func outsideTheEphemeralRange() -> Int {
        for _ in 0..<200 {
            let candidate = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(candidate).bigEndian)
            address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if bound == 0 { return candidate }
        }
        return 0
    }
}
