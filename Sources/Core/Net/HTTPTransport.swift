import Wire

/// An HTTP request as the client sends it.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST", put = "PUT", delete = "DELETE" }

    public var url: String
    public var method: Method
    public var headers: [String: String]
    public var body: [UInt8]
    /// Time allowed to connect (and finish TLS).
    public var connectTimeoutSeconds: Int
    /// The transfer fails when no byte arrives for this long (a stalled stream).
    public var idleTimeoutSeconds: Int
    /// The whole exchange fails with `SOTTO-NET-STALLED` past this many seconds (nil: no
    /// limit, for a streamed answer, which `RequestDeadline.betweenEvents` bounds instead).
    public var deadlineSeconds: Int?

    public init(
        url: String, method: Method = .get, headers: [String: String] = [:], body: [UInt8] = [],
        connectTimeoutSeconds: Int = 10, idleTimeoutSeconds: Int = 120,
        deadlineSeconds: Int? = RequestDeadline.account.total
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.deadlineSeconds = deadlineSeconds
    }
}

/// What arrives while a response streams in.
public enum HTTPResponsePart: Sendable, Hashable {
    /// Status and headers (header names lower-cased), always first.
    case head(status: Int, headers: [String: String])
    /// Body bytes, in order, as they arrive.
    case body([UInt8])
}

/// A whole response.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    /// A response from its parts (header names lower-cased).
    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// How the client talks HTTP; the real one is libcurl, tests may swap in others.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and streams the response. Callers use `stream` or `send`, which check the
    /// URL first (`CleartextPolicy`). Cancelling the consuming task (or dropping the stream)
    /// aborts the transfer.
    func perform(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPResponsePart, any Error>
}

extension HTTPTransport {
    /// Sends `request` and streams the response; plain http to anything but this machine fails
    /// with `NetError` `.cleartext` before the transport sees the request.
    public func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPResponsePart, any Error> {
        do {
            try CleartextPolicy.check(request.url)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        return perform(request)
    }

    /// Sends `request` and collects the whole response, refusing bodies above `maxBytes`.
    public func send(_ request: HTTPRequest, maxBytes: Int = 8 * 1024 * 1024) async throws -> HTTPResponse {
        var response = HTTPResponse(status: 0, headers: [:], body: [])
        for try await part in stream(request) {
            switch part {
            case .head(let status, let headers):
                response.status = status
                response.headers = headers
            case .body(let bytes):
                guard response.body.count + bytes.count <= maxBytes else {
                    throw NetError(.responseTooLarge, "the server's response exceeds \(maxBytes) bytes")
                }
                response.body += bytes
            }
        }
        return response
    }
}

/// A network failure, in words a user can act on.
public typealias NetError = CodedError<NetErrorCode>

/// Stable identifiers of `NetError`.
public enum NetErrorCode: String, StableErrorCode {
    /// The server URL is not a valid http(s) URL.
    case invalidURL = "SOTTO-NET-URL"
    /// The server could not be reached (down, wrong address, no network).
    case connect = "SOTTO-NET-CONNECT"
    /// The server stopped sending for longer than the idle limit.
    case timeout = "SOTTO-NET-TIMEOUT"
    /// The TLS connection failed (certificate, protocol).
    case tls = "SOTTO-NET-TLS"
    /// The request was cancelled (the user stopped it).
    case cancelled = "SOTTO-NET-CANCELLED"
    /// The transfer failed part way (connection reset).
    case transfer = "SOTTO-NET-TRANSFER"
    /// The server's response is larger than the client accepts for this request.
    case responseTooLarge = "SOTTO-NET-TOO-LARGE"
    /// Plain http to a host that is not this machine: refused before connecting.
    case cleartext = "SOTTO-NET-CLEARTEXT"
    /// The server kept the exchange going past its deadline (`RequestDeadline`): a stall,
    /// whether overload or on purpose.
    case stalled = "SOTTO-NET-STALLED"
}
