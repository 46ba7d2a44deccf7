import Foundation
import Hummingbird
import Logging
import NIOCore
import Server
import Synchronization

/// A small OpenAI-style server (`POST /v1/chat/completions`, streamed as server-sent
/// events) standing in for vLLM or llama.cpp's server, on a loopback port.
public final class FakeOpenAIServer: Sendable {
    public enum Behaviour: Sendable {
        /// Streams these pieces, split into awkward chunks, then a finish reason and usage.
        case stream([String], finishReason: String = "stop")
        /// Answers with this HTTP status and no stream.
        case status(Int)
        /// Sends garbage instead of an event.
        case garbage
        /// Stops before any finish reason.
        case truncated([String])
        /// Answers the first `refusals` requests 503 (busy), then streams these pieces.
        case busyFirst(Int, then: [String])
    }

    public let port: Int
    private let task: Task<Void, any Error>
    private let log: RequestLog

    /// Request bodies received (JSON text).
    public var receivedBodies: [String] { log.bodies }
    public var url: String { "http://127.0.0.1:\(port)" }

    public static func start(_ behaviour: Behaviour) async throws -> FakeOpenAIServer {
        let log = RequestLog()
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            log.append(String(buffer: body))
            switch behaviour {
            case .status(let code):
                return Response(status: .init(code: code))
            case .garbage:
                return Self.events(["data: {not json\n\n"])
            case .truncated(let pieces):
                return Self.events(pieces.map { Self.chunk(content: $0) })
            case .stream(let pieces, let finish):
                return Self.stream(pieces, finish: finish)
            case .busyFirst(let refusals, let pieces):
                if log.bodies.count <= refusals { return Response(status: .serviceUnavailable) }
                return Self.stream(pieces, finish: "stop")
            }
        }
        let started = try await ListeningApplication.start { listening in
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { listening($0.localAddress?.port ?? 0) },
                logger: Logger(label: "fake-openai") { _ in SwiftLogNoOpLogHandler() })
        }
        return FakeOpenAIServer(port: started.port, task: started.task, log: log)
    }

    /// The pieces as a completion stream, then a finish reason, usage and `[DONE]`.
    private static func stream(_ pieces: [String], finish: String) -> Response {
        var events = pieces.map { Self.chunk(content: $0) }
        events.append(Self.chunk(content: nil, finish: finish))
        events.append(
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":\(pieces.count)}}\n\n")
        events.append("data: [DONE]\n\n")
        // Re-split the stream at odd places, including inside UTF-8 characters.
        let all = Array(events.joined().utf8)
        let chunks = stride(from: 0, to: all.count, by: 7).map { Array(all[$0..<min($0 + 7, all.count)]) }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream"],
            body: ResponseBody { writer in
                for c in chunks { try await writer.write(ByteBuffer(bytes: c)) }
                try await writer.finish(nil)
            })
    }

    private init(port: Int, task: Task<Void, any Error>, log: RequestLog) {
        self.port = port
        self.task = task
        self.log = log
    }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    static func chunk(content: String?, finish: String? = nil) -> String {
        var choice: [String: Any] = ["index": 0, "delta": content.map { ["content": $0] } ?? [:]]
        choice["finish_reason"] = finish ?? NSNull()
        let data = try! JSONSerialization.data(withJSONObject: ["choices": [choice]], options: [.sortedKeys])
        return "data: \(String(decoding: data, as: UTF8.self))\n\n"
    }

    static func events(_ events: [String]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/event-stream"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: events.joined())))
    }
}

/// What the fake received, shared between the server object and its route.
final class RequestLog: Sendable {
    private let storage = Mutex<[String]>([])
    var bodies: [String] { storage.withLock { $0 } }
    func append(_ body: String) { storage.withLock { $0.append(body) } }
}
