import Foundation
import Hummingbird
import Logging
import NIOCore

/// A server on loopback that answers every request, whatever its method and path, with the
/// same status and JSON body, and records what was asked: a stand-in for a hostile or
/// impostor server.
public final class FixedAnswerServer: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>
    private let log: RequestLog

    /// The paths requested, in order.
    public var requestedPaths: [String] { log.bodies }
    public var url: String { "http://127.0.0.1:\(port)" }

    /// - Parameter port: the loopback port to listen on; 0 picks a free one.
    public static func start(status: Int, json body: String, port: Int = 0) async throws -> FixedAnswerServer {
        let log = RequestLog()
        let responder = CallbackResponder { (request: Request, _: BasicRequestContext) -> Response in
            log.append(request.uri.path)
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        let started = try await ListeningApplication.start { listening in
            Application(
                responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                onServerRunning: { listening($0.localAddress?.port ?? 0) },
                logger: Logger(label: "fixed-answer") { _ in SwiftLogNoOpLogHandler() })
        }
        return FixedAnswerServer(port: started.port, task: started.task, log: log)
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
}
