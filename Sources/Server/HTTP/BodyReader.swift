import Hummingbird
import NIOCore

/// Reads request bodies for the routes: within the route's cap and a share of the server's
/// `RequestBodyBudget`, straight into the array the handler gets (no second copy). A refusal
/// closes the connection instead of reading the rest of the body.
struct BodyReader: Sendable {
    /// Seconds a client refused for the budget is told to wait.
    static let busyRetrySeconds = 2
    /// How much of the budget a body of unknown length takes at a time.
    static let chunkedStep = 256 * 1024

    let budget: RequestBodyBudget

    /// The answer to `request`: `handler`'s, given the body, or `tooLarge` when the body is over
    /// `cap` bytes, or 503 when the budget has no room for it. The body's share of the budget
    /// is given back once `handler` returns.
    func answer(
        _ request: Request, cap: Int, tooLarge: @autoclosure () -> Gateway.Reply,
        _ handler: ([UInt8]) async -> Gateway.Reply
    ) async -> Response {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > cap { return ServerApplication.response(tooLarge().closingConnection()) }
        var reserved = 0
        defer { budget.release(reserved) }
        // A declared length is taken whole before anything is read, so a client that does not
        // fit learns it at once, and the array is allocated once.
        if let declared, declared > 0 {
            guard budget.reserve(declared) else { return busy() }
            reserved = declared
        }
        var body = [UInt8]()
        body.reserveCapacity(declared ?? 0)
        do {
            for try await chunk in request.body {
                let count = body.count + chunk.readableBytes
                guard count <= cap else { return ServerApplication.response(tooLarge().closingConnection()) }
                if count > reserved {
                    let step = min(cap, max(count, reserved + Self.chunkedStep)) - reserved
                    guard budget.reserve(step) else { return busy() }
                    reserved += step
                }
                body.append(contentsOf: chunk.readableBytesView)
            }
        } catch {
            return ServerApplication.response(
                Gateway.error(400, HTTPErrorCode.incompleteBody, "the request body ended early; send it again")
                    .closingConnection())
        }
        return ServerApplication.response(await handler(body))
    }

    private func busy() -> Response {
        ServerApplication.response(
            Gateway.error(
                503, HTTPErrorCode.busy,
                "the server is reading too many request bodies at once: retry in \(Self.busyRetrySeconds) seconds",
                headers: ["Retry-After": "\(Self.busyRetrySeconds)"]
            ).closingConnection())
    }
}

extension Gateway.Reply {
    /// This reply with `Connection: close`: sent before the request's body was read, it ends
    /// the connection rather than leaving the server to read and discard the rest.
    func closingConnection() -> Gateway.Reply {
        guard case .complete(let status, var headers, let body) = self else { return self }
        headers["Connection"] = "close"
        return .complete(status: status, headers: headers, body: body)
    }
}
