import Foundation

/// A plain TCP connection to a loopback port, for tests that send what no HTTP client would:
/// a head that never ends, a body that stalls, a flood of connections. Non-blocking, so a
/// server that stops answering fails the test by its deadline instead of hanging it.
public final class RawConnection: @unchecked Sendable {
    /// An HTTP answer as read off the socket.
    public struct Answer: Sendable {
        public let status: Int
        /// Lower-case names.
        public let headers: [String: String]
        public let body: [UInt8]

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A connection that could not be made.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// What one `send` did.
    public enum Sent: Equatable {
        /// This many bytes went out (0: the socket's buffer is full for now).
        case bytes(Int)
        /// The peer closed or reset the connection.
        case closed
    }

    private(set) var fd: Int32

    /// Connects to 127.0.0.1:`port` within `timeout` seconds.
    /// - Throws: when the connection is refused, fails or does not complete in time.
    public init(port: Int, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed: errno \(errno)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if started != 0 {
            guard errno == EINPROGRESS, wait(for: Int16(POLLOUT), timeout: timeout) else {
                let code = errno
                Glibc.close(fd)
                throw Failure("connect to port \(port) did not complete (errno \(code))")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                Glibc.close(fd)
                throw Failure("connect to port \(port) failed (errno \(error))")
            }
        }
    }

    deinit { close() }

    /// Closes the connection (again: nothing).
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends what the socket takes now of `bytes`, without waiting.
    public func send(_ bytes: UnsafeRawBufferPointer) -> Sent {
        let count = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if count >= 0 { return .bytes(count) }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .bytes(0) : .closed
    }

    /// Sends all of `bytes`, waiting for room up to `timeout` seconds; false if the peer closed
    /// or the time ran out.
    @discardableResult
    public func sendAll(_ bytes: [UInt8], timeout: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            guard case .bytes(let count) = sent else { return false }
            offset += count
            if count == 0 {
                guard Date() < deadline, wait(for: Int16(POLLOUT), timeout: deadline.timeIntervalSinceNow) else {
                    return false
                }
            }
        }
        return true
    }

    /// Whether bytes (or the end) can be read now, waiting up to `timeout` seconds.
    public func isReadable(timeout: Double = 0) -> Bool { wait(for: Int16(POLLIN), timeout: timeout) }

    /// Reads one HTTP answer (its head, then `Content-Length` bytes or up to the end), within
    /// `timeout` seconds; nil when none came in time or the connection closed first.
    public func readAnswer(timeout: Double = 5) -> Answer? {
        let deadline = Date().addingTimeInterval(timeout)
        var bytes = [UInt8]()
        var head: (status: Int, headers: [String: String], bodyStart: Int)?
        while true {
            if let head, let length = head.headers["content-length"].flatMap(Int.init),
                bytes.count - head.bodyStart >= length
            {
                return Answer(
                    status: head.status, headers: head.headers,
                    body: Array(bytes[head.bodyStart..<(head.bodyStart + length)]))
            }
            guard Date() < deadline, wait(for: Int16(POLLIN), timeout: deadline.timeIntervalSinceNow) else {
                return nil
            }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            guard count > 0 else {
                // The end: an answer without a length ends here.
                guard let head else { return nil }
                return Answer(status: head.status, headers: head.headers, body: Array(bytes[head.bodyStart...]))
            }
            bytes += chunk[0..<count]
            if head == nil { head = Self.parseHead(bytes) }
        }
    }

    /// Waits up to `timeout` seconds for the server to close the connection: true if it did
    /// (whatever it sent first is discarded).
    public func waitForClose(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline, wait(for: Int16(POLLIN), timeout: deadline.timeIntervalSinceNow) {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { return true }
        }
        return false
    }

    private func wait(for events: Int16, timeout: Double) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let milliseconds = Int32(max(0, min(timeout, 3600)) * 1000)
        while true {
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    private static func parseHead(_ bytes: [UInt8]) -> (status: Int, headers: [String: String], bodyStart: Int)? {
        let end = Array("\r\n\r\n".utf8)
        guard let range = bytes.firstRange(of: end) else { return nil }
        let lines = String(decoding: bytes[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return (status, headers, range.upperBound)
    }

    /// Raises this process's soft limit on open descriptors to the hard one, for tests that
    /// open thousands of connections; returns the limit now in force.
    @discardableResult
    public static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }
}
