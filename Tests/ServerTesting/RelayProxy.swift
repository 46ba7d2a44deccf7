import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A relay in front of a real server on loopback, as a hostile server would run one: forwards
/// every request, counts requests per path, and, once told to, rewrites the RP ID in the
/// options of the begin answers (registration `rp.id`, authentication `rpId`).
public final class RelayProxy: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>
    private let state: Shared

    struct State {
        var upstream = ""
        var rewrittenRPID: String?
        var counts: [String: Int] = [:]
    }

    /// The state the relay's handler and the test share.
    final class Shared: Sendable {
        let mutex = Mutex(State())
        func withLock<T: Sendable>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts a relay on a free loopback port; it answers 502 until `forward(to:)`.
    public static func start() async throws -> RelayProxy {
        let state = Shared()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await relay(request, state: state)
        }
        let (port, task) = try await ListeningApplication.start { listening in
            Application(
                responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { listening($0.localAddress?.port ?? 0) },
                logger: Logger(label: "relay-proxy") { _ in SwiftLogNoOpLogHandler() })
        }
        return RelayProxy(port: port, task: task, state: state)
    }

    private init(port: Int, task: Task<Void, any Error>, state: Shared) {
        self.port = port
        self.task = task
        self.state = state
    }

    /// Sends what arrives to the server at `upstream` (a base URL).
    public func forward(to upstream: String) { state.withLock { $0.upstream = upstream } }

    /// From now on, begin answers name `rpID` as their RP ID (nil: pass them through).
    public func rewriteRPID(to rpID: String?) { state.withLock { $0.rewrittenRPID = rpID } }

    /// How many requests arrived for `path` (without the query).
    public func count(_ path: String) -> Int { state.withLock { $0.counts[path] ?? 0 } }

    /// Every path requested so far, with its count.
    public var counts: [String: Int] { state.withLock { $0.counts } }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    private static func relay(_ incoming: Request, state: Shared) async throws -> Response {
        var incoming = incoming
        let (upstream, rpID) = state.withLock { state in
            state.counts[incoming.uri.path, default: 0] += 1
            return (state.upstream, state.rewrittenRPID)
        }
        guard !upstream.isEmpty else { return Response(status: .badGateway) }
        var request = HTTPClientRequest(url: upstream + incoming.uri.description)
        request.method = HTTPMethod(rawValue: incoming.method.rawValue)
        for field in incoming.headers where field.name == .authorization || field.name == .contentType {
            request.headers.add(name: field.name.rawName, value: field.value)
        }
        let body = try await incoming.collectBody(upTo: 64 << 20)
        if body.readableBytes > 0 { request.body = HTTPClientRequest.Body.bytes(body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        var bytes = Array(buffer: try await response.body.collect(upTo: 64 << 20))
        if let rpID, incoming.uri.path.hasSuffix("/begin") { bytes = rewritten(bytes, rpID: rpID) }
        var headers = HTTPFields()
        if let type = response.headers.first(name: "Content-Type") { headers[.contentType] = type }
        if let retry = response.headers.first(name: "Retry-After") { headers[.retryAfter] = retry }
        return Response(
            status: .init(code: Int(response.status.code)), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The answer with its options' RP ID replaced (unchanged when it has none).
    static func rewritten(_ body: [UInt8], rpID: String) -> [UInt8] {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            var options = object["options"] as? [String: Any]
        else { return body }
        if var rp = options["rp"] as? [String: Any] {
            rp["id"] = rpID
            options["rp"] = rp
        } else {
            options["rpId"] = rpID
        }
        object["options"] = options
        return (try? JSONSerialization.data(withJSONObject: object)).map(Array.init) ?? body
    }
}
