import Foundation
import Hummingbird
import Logging
import NIOCore
import Server
import Wire

/// The real server on a loopback port, in this process, for tests that go over HTTP.
public final class LiveServer: Sendable {
    public let gateway: Gateway
    public let port: Int
    private let task: Task<Void, any Error>

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts a server around `gateway` (and the account endpoints, when given) on a free port
    /// and waits until it accepts connections. `limits` sets its body budget, timeouts and
    /// connection cap.
    /// - Parameter port: the port to bind; 0 picks a free one (a test that restarts a server
    ///   at the same address passes the old one).
    public static func start(
        gateway: Gateway, accounts: AccountEndpoints? = nil, logger: Logger, port: Int = 0,
        rateLimiter: ClientRateLimiter = ClientRateLimiter(), limits: ServerLimits = ServerLimits()
    ) async throws
        -> LiveServer
    {
        // A server restarted at the same address may find its predecessor still letting go of
        // the port (its shutdown ends after its task): it tries again for up to ten seconds.
        for attempt in 0... {
            do {
                let started = try await ListeningApplication.start { listening in
                    ServerApplication.make(
                        gateway: gateway, accounts: accounts, address: ListenAddress(host: "127.0.0.1", port: port),
                        logger: logger, rateLimiter: rateLimiter, limits: limits, onListening: { listening($0) })
                }
                return LiveServer(gateway: gateway, port: started.port, task: started.task)
            } catch let error as IOError where port != 0 && error.errnoCode == EADDRINUSE && attempt < 100 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        fatalError("unreachable")
    }

    private init(gateway: Gateway, port: Int, task: Task<Void, any Error>) {
        self.gateway = gateway
        self.port = port
        self.task = task
    }

    /// Stops the server.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// A gateway with a stub TEE, a fresh release key and the given backend.
    public static func makeGateway(
        backend: any InferenceBackend, logger: Logger, provider: any AttestationProvider = StubAttestationProvider(),
        configuration: ServerConfiguration = .testing
    ) throws -> Gateway {
        let release = Ed25519.SigningKey.generate()
        let manifest = try SignedReleaseManifest.sign(
            ReleaseManifest.testing(configurations: [configuration]), with: release)
        return Gateway(
            keys: ChannelKeyRing(clock: { UInt64(Date().timeIntervalSince1970) }), provider: provider,
            backend: backend, manifest: manifest, configuration: configuration, logger: logger)
    }
}
