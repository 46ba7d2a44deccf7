import CoreTesting
import Foundation
import Glibc
import Testing
import Wire

@testable import Core

/// Plain http only to this machine: refused before any transport is handed the request, and
/// by libcurl's client itself before it resolves or connects.
@Suite struct CleartextPolicyTests {
    /// Not loopback by Sotto's rules; and an address that never leaves this machine should an
    /// unguarded client connect anyway (Linux sends 0.0.0.0 to the local host).
    static let unspecified = "http://0.0.0.0"

    @Test(arguments: [
        "http://10.255.255.1:8443", "http://example.invalid", "http://127.evil.example", "http://0.0.0.0:1",
        "http://[::ffff:127.0.0.1]:1", "HTTP://sotto.example/", "http://127.1:8443",
    ])
    func plainHTTPElsewhereIsRefused(url: String) {
        let error = try? #require(throws: NetError.self) { try CleartextPolicy.check(url) }
        #expect(error?.code == .cleartext)
        #expect(error?.message.contains("https://") == true)
    }

    @Test(arguments: [
        "http://127.0.0.1:8443", "http://[::1]:1/v1", "http://localhost", "http://a.localhost:9",
        "https://sotto.example",
        "https://10.255.255.1",
    ])
    func httpsAnywhereAndPlainHTTPOnLoopbackPass(url: String) throws {
        try CleartextPolicy.check(url)
    }

    @Test func noAccountCallReachesTheTransport() async throws {
        let transport = ScriptedHTTPTransport { _ in throw NetError(.connect, "must not be called") }
        let folder = try PasskeyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = AccountSession(dataFolder: folder, server: "http://10.255.255.1:8443", transport: transport) {
            _ in throw CancellationError()
        }
        let software = SoftwareAuthenticator(
            path: folder + "/passkey", passphrase: SecureBytes(copying: Array("pass phrase".utf8)), parameters: .minimum
        )
        let register = try await #require(throws: NetError.self) {
            _ = try await session.register(authenticator: software)
        }
        #expect(register.code == .cleartext)
        let login = try await #require(throws: NetError.self) { _ = try await session.login(authenticator: software) }
        #expect(login.code == .cleartext)
        let sync = HTTPSyncTransport(serverURL: "http://10.255.255.1:8443", http: transport) { "token" }
        let pull = try await #require(throws: NetError.self) { _ = try await sync.pull(after: 0, limit: 10) }
        #expect(pull.code == .cleartext)
        let inference = InferenceClient(serverURL: "http://10.255.255.1:8443", transport: transport, trust: .production)
        let verify = try await #require(throws: NetError.self) { _ = try await inference.verify() }
        #expect(verify.code == .cleartext)
        #expect(transport.requests.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder + "/passkey"))
    }

    @Test func libcurlsClientRefusesBeforeConnecting() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        let url = "\(Self.unspecified):\(listener.port)/v1/account"
        let started = Date()
        let viaStream = try await #require(throws: NetError.self) {
            _ = try await CurlHTTPClient().send(
                HTTPRequest(url: url, headers: ["Authorization": "Bearer secret"], connectTimeoutSeconds: 30))
        }
        #expect(viaStream.code == .cleartext)
        // Called past the protocol's check, the libcurl client refuses on its own.
        let direct = try await #require(throws: NetError.self) {
            for try await _ in CurlHTTPClient().perform(HTTPRequest(url: url, connectTimeoutSeconds: 30)) {}
        }
        #expect(direct.code == .cleartext)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(listener.pendingConnections() == 0)
        // The same listener does see a loopback request: the probe works.
        _ = try? await CurlHTTPClient().send(
            HTTPRequest(url: "http://127.0.0.1:\(listener.port)/", connectTimeoutSeconds: 2, idleTimeoutSeconds: 1))
        #expect(listener.pendingConnections() == 1)
    }
}

/// A TCP socket listening on 127.0.0.1 that never accepts: connections wait in its backlog,
/// where the test counts them.
final class LoopbackListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socketDescriptor, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        _ = fcntl(socketDescriptor, F_SETFL, fcntl(socketDescriptor, F_GETFL) | O_NONBLOCK)
        descriptor = socketDescriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Accepts (and closes) every connection waiting now; returns how many there were.
    func pendingConnections() -> Int {
        var count = 0
        while true {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { return count }
            Glibc.close(connection)
            count += 1
        }
    }

    func close() { Glibc.close(descriptor) }
}
