import CCurl
import Foundation
import Synchronization

/// HTTP over libcurl: TLS with the system's CAs, the standard proxy variables
/// (`https_proxy`, `no_proxy`, …) honoured by libcurl itself, connect and idle timeouts,
/// streamed bodies and cancellation. Each transfer runs on its own thread, since
/// `curl_easy_perform` blocks.
public struct CurlHTTPClient: HTTPTransport {
    private static let initialized: Bool = sotto_curl_global_init() == CURLE_OK

    public init() {
        precondition(Self.initialized, "libcurl failed to initialise")
    }

    public func perform(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPResponsePart, any Error> {
        // Checked here too, so a caller of `perform` cannot send a token in clear either.
        do {
            try CleartextPolicy.check(request.url)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        return AsyncThrowingStream { continuation in
            let transfer = CurlTransfer(request: request, continuation: continuation)
            continuation.onTermination = { _ in transfer.cancelled.store(true, ordering: .relaxed) }
            let thread = Thread { transfer.run() }
            thread.name = "sotto-http"
            thread.start()
        }
    }
}

/// One transfer's state, shared with libcurl's callbacks through an opaque pointer.
private final class CurlTransfer: @unchecked Sendable {
    let request: HTTPRequest
    let continuation: AsyncThrowingStream<HTTPResponsePart, any Error>.Continuation
    let cancelled = Atomic<Bool>(false)
    var headers: [String: String] = [:]
    var sentHead = false
    var handle: OpaquePointer?
    /// Body bytes received so far (a stall's report says how far the server got).
    var received = 0
    let started = ContinuousClock.now

    init(request: HTTPRequest, continuation: AsyncThrowingStream<HTTPResponsePart, any Error>.Continuation) {
        self.request = request
        self.continuation = continuation
    }

    func emitHeadIfNeeded() {
        guard !sentHead, let handle else { return }
        var status = 0
        _ = sotto_curl_getinfo_long(UnsafeMutableRawPointer(handle), CURLINFO_RESPONSE_CODE, &status)
        sentHead = true
        continuation.yield(.head(status: status, headers: headers))
    }

    func run() {
        guard let easy = curl_easy_init() else {
            continuation.finish(throwing: NetError(.transfer, "libcurl could not start a transfer"))
            return
        }
        handle = OpaquePointer(easy)
        defer { curl_easy_cleanup(easy) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // libcurl adds "Expect: 100-continue" to large POSTs; it costs a round trip.
        headerList = curl_slist_append(headerList, "Expect:")
        let context = Unmanaged.passUnretained(self).toOpaque()

        _ = sotto_curl_setopt_string(easy, CURLOPT_URL, request.url)
        _ = sotto_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = sotto_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, request.connectTimeoutSeconds)
        _ = sotto_curl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = sotto_curl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, request.idleTimeoutSeconds)
        if let deadline = request.deadlineSeconds {
            _ = sotto_curl_setopt_long(easy, CURLOPT_TIMEOUT, deadline)
        }
        _ = sotto_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        _ = sotto_curl_setopt_long(easy, CURLOPT_NOPROGRESS, 0)
        _ = sotto_curl_setopt_pointer(easy, CURLOPT_HTTPHEADER, headerList)
        _ = sotto_curl_setopt_write_function(easy, curlWrite)
        _ = sotto_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        _ = sotto_curl_setopt_header_function(easy, curlHeader)
        _ = sotto_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        _ = sotto_curl_setopt_xferinfo_function(easy, curlProgress)
        _ = sotto_curl_setopt_pointer(easy, CURLOPT_XFERINFODATA, context)
        // Only http and https, also after a redirect (which we do not follow anyway).
        _ = sotto_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        // Plain http goes only to loopback (`CleartextPolicy`): never through a proxy, which
        // would carry the session token across the network in clear text.
        if request.url.lowercased().hasPrefix("http:") {
            _ = sotto_curl_setopt_string(easy, CURLOPT_NOPROXY, "*")
        }

        let code: CURLcode = request.body.withUnsafeBytes { body in
            // A DELETE with a body (a removal's confirmation) sends it as a POST would too.
            if request.method == .post || request.method == .put || (request.method == .delete && !request.body.isEmpty)
            {
                _ = sotto_curl_setopt_long(easy, CURLOPT_POST, 1)
                _ = sotto_curl_setopt_pointer(
                    easy, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress))
                _ = sotto_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            }
            // libcurl only renames the method.
            if request.method == .put || request.method == .delete {
                _ = sotto_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
            }
            return curl_easy_perform(easy)
        }
        if code == CURLE_OK {
            emitHeadIfNeeded()
            continuation.finish()
        } else {
            let elapsed = ContinuousClock.now - started
            if code == CURLE_OPERATION_TIMEDOUT, let deadline = request.deadlineSeconds,
                elapsed >= .seconds(deadline) - .milliseconds(500)
            {
                continuation.finish(
                    throwing: NetError(
                        .stalled,
                        "\(request.url) did not finish answering within \(deadline) s (\(received) byte(s) arrived); the server is overloaded or stalling, try again later"
                    ))
                return
            }
            continuation.finish(
                throwing: Self.error(for: code, url: request.url, cancelled: cancelled.load(ordering: .relaxed)))
        }
    }

    static func error(for code: CURLcode, url: String, cancelled: Bool) -> NetError {
        if cancelled { return NetError(.cancelled, "the request was cancelled") }
        let detail = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return NetError(.invalidURL, "\(url) is not a usable http(s) URL (\(detail))")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return NetError(.connect, "cannot reach \(url): \(detail); is the server running and the address right?")
        case CURLE_OPERATION_TIMEDOUT:
            return NetError(.timeout, "\(url) stopped answering (\(detail))")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
            return NetError(.tls, "the TLS connection to \(url) failed: \(detail)")
        case CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR:
            return NetError(.cancelled, "the request was cancelled")
        default:
            return NetError(.transfer, "the transfer from \(url) failed: \(detail)")
        }
    }
}

private func transfer(_ pointer: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(pointer!).takeUnretainedValue()
}

private func curlWrite(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let t = transfer(context)
    if t.cancelled.load(ordering: .relaxed) { return 0 }
    t.emitHeadIfNeeded()
    let n = size * count
    if n > 0, let data {
        t.received += n
        t.continuation.yield(.body(Array(UnsafeRawBufferPointer(start: data, count: n))))
    }
    return n
}

private func curlHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let t = transfer(context)
    let n = size * count
    guard let data, n > 0 else { return n }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        t.headers = [:]  // a new response (after 100 Continue or a proxy's CONNECT)
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        t.headers[name] = value
    }
    return n
}

private func curlProgress(
    _ context: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t, _: curl_off_t, _: curl_off_t
) -> Int32 {
    // Non-zero aborts the transfer: how a cancelled task stops a blocked download.
    transfer(context).cancelled.load(ordering: .relaxed) ? 1 : 0
}
