import Core
import Foundation
import Synchronization

/// An `HTTPTransport` that answers from a handler and records every request, for the client's
/// API tests. The handler may throw (a `NetError` plays a network failure).
public final class ScriptedHTTPTransport: HTTPTransport, Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async throws -> HTTPResponse

    private let handler: Mutex<Handler>
    private let log = Mutex<[HTTPRequest]>([])

    public init(_ handler: @escaping Handler) {
        self.handler = Mutex(handler)
    }

    /// Every request so far, in order.
    public var requests: [HTTPRequest] { log.withLock { $0 } }

    /// Replaces the handler (a server going away, say).
    public func answer(with handler: @escaping Handler) {
        self.handler.withLock { $0 = handler }
    }

    public func perform(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPResponsePart, any Error> {
        log.withLock { $0.append(request) }
        let handler = self.handler.withLock { $0 }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await handler(request)
                    continuation.yield(.head(status: response.status, headers: response.headers))
                    if !response.body.isEmpty { continuation.yield(.body(response.body)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A JSON response.
    public static func json(
        _ status: Int, _ value: some Encodable, headers: [String: String] = [:]
    ) throws
        -> HTTPResponse
    {
        HTTPResponse(
            status: status, headers: headers.merging(["content-type": "application/json"]) { a, _ in a },
            body: Array(try JSONEncoder().encode(value)))
    }

    /// A JSON response from literal text.
    public static func json(_ status: Int, text: String, headers: [String: String] = [:]) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(text.utf8))
    }
}
