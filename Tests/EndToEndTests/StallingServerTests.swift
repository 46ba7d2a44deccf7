import Foundation
import Synchronization
import TestSupport
import Testing

/// A server that promises a body and then trickles it, one byte at a time: every request has
/// a deadline for the whole exchange, and the stall is reported as such.
@Suite struct StallingServerTests {
    @Test func verifyGivesUpOnATricklingServerAtItsDeadline() async throws {
        let server = try StallingServer(bytesPerTick: 1, tick: .seconds(1), ticks: 100)
        defer { server.close() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-stall-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let verify = try await Executables.run(
            "sotto", ["verify", "--dev", "--server", "http://127.0.0.1:\(server.port)", "--data-dir", root],
            environment: ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_REQUEST_DEADLINE": "2"])
        #expect(verify.status != 0)
        #expect(verify.stderr.contains("SOTTO-NET-STALLED"), "\(verify.stderr)")
        // The server was still trickling (it goes on for 100 s) when the client gave up.
        #expect(verify.stderr.contains("within 2 s"), "\(verify.stderr)")
        #expect(server.connections() >= 1)
    }
}

/// An HTTP server on 127.0.0.1 that answers every request with `Content-Length: 100000`, then
/// sends `bytesPerTick` bytes every `tick`, `ticks` times, and closes: bounded, however long
/// its client waits.
final class StallingServer: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32
    private let accepted = Mutex(0)

    init(bytesPerTick: Int, tick: Duration, ticks: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            Glibc.close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        descriptor = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let seconds = Double(tick.components.seconds) + Double(tick.components.attoseconds) / 1e18
        Thread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                self.accepted.withLock { $0 += 1 }
                Thread {
                    defer { Glibc.close(connection) }
                    // The request's head (and whatever of its body came with it) is read and ignored.
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    _ = read(connection, &buffer, buffer.count)
                    let head = Array(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n".utf8)
                    // MSG_NOSIGNAL: a client that hung up must not take the test process down.
                    guard send(connection, head, head.count, Int32(MSG_NOSIGNAL)) == head.count else { return }
                    let piece = [UInt8](repeating: UInt8(ascii: " "), count: bytesPerTick)
                    for _ in 0..<ticks {
                        Thread.sleep(forTimeInterval: seconds)
                        guard send(connection, piece, piece.count, Int32(MSG_NOSIGNAL)) == piece.count else { return }
                    }
                }.start()
            }
        }.start()
    }

    /// Connections accepted so far.
    func connections() -> Int { accepted.withLock { $0 } }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
    }
}
