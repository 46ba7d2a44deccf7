import Foundation
import Synchronization
import Wire

/// The client side of the protocol: verifies the server, then runs encrypted chat turns.
/// Nothing of a conversation is sent before a verification succeeded; a failed one is
/// reported and recorded, never worked around.
public final class InferenceClient: Sendable {
    public let serverURL: String
    let transport: any HTTPTransport
    let trust: TrustSettings
    let developmentStore: DevelopmentTrustStore?
    let securityVersions: SecurityVersionStore?
    let auditLog: (any AuditLog)?
    let clock: @Sendable () -> Date
    let busyRetry: BusyRetry
    let chatDeadline: RequestDeadline
    private let cached = Mutex<VerifiedServer?>(nil)
    private let acceptedSecurityVersion = Mutex<UInt64>(0)

    /// - Parameters:
    ///   - developmentStore: where `--dev` pins the development root; nil outside development mode.
    ///   - securityVersions: where the device remembers each server's highest accepted release
    ///     security version, refusing a lower one; nil remembers nothing beyond this process.
    ///   - busyRetry: how a chat turn refused as busy is tried again.
    ///   - chatDeadline: how long a streamed answer may go without a complete event.
    public init(
        serverURL: String, transport: any HTTPTransport = CurlHTTPClient(), trust: TrustSettings,
        developmentStore: DevelopmentTrustStore? = nil, securityVersions: SecurityVersionStore? = nil,
        auditLog: (any AuditLog)? = nil, busyRetry: BusyRetry = BusyRetry(),
        chatDeadline: RequestDeadline = .chatStream, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.busyRetry = busyRetry
        self.chatDeadline = chatDeadline
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        self.transport = transport
        self.trust = trust
        self.developmentStore = developmentStore
        self.securityVersions = securityVersions
        self.auditLog = auditLog
        self.clock = clock
    }

    /// Verifies the server afresh (new nonce) and caches its key until not-after.
    /// - Throws: `ClientError.verificationFailed` with the steps, or a network error.
    @discardableResult
    public func verify() async throws -> VerifiedServer {
        let nonce = SecureRandom.bytes(AttestationRequest.nonceByteCount)
        let body = try JSONEncoder().encode(AttestationRequest(nonce: nonce))
        let response = try await transport.send(
            HTTPRequest(
                url: serverURL + "/v1/attestation", method: .post, headers: ["Content-Type": "application/json"],
                body: Array(body), deadlineSeconds: RequestDeadline.attestation.total), maxBytes: 1024 * 1024)
        guard response.status == 200 else {
            throw ClientError.refusal(status: response.status, body: response.body, headers: response.headers)
        }
        let attestation: AttestationResponse
        do {
            attestation = try JSONDecoder().decode(AttestationResponse.self, from: Data(response.body))
        } catch {
            let failure = VerificationFailure(
                steps: [], code: ServerCheckCode.malformed.rawValue,
                message: "the server's attestation response is not valid")
            record(failure: failure, platform: "unknown", simulated: trust.development != nil)
            throw ClientError.verificationFailed(failure)
        }
        var settings = trust
        var pinnedNow = false
        if let store = developmentStore {
            // Development mode: the pinned development root, or pin the first one seen.
            if let pinned = try store.load() {
                settings.development = pinned
            } else if let proposed = DevelopmentTrustStore.proposed(by: attestation) {
                settings.development = proposed
                pinnedNow = true
            }
        }
        let floor = max(try securityVersions?.highest(for: serverURL) ?? 0, acceptedSecurityVersion.withLock { $0 })
        switch ServerVerifier(trust: settings).verify(
            attestation, nonce: nonce, now: clock(), minimumSecurityVersion: floor)
        {
        case .success(let server):
            if pinnedNow, let store = developmentStore, let development = settings.development {
                try store.pin(development)
            }
            acceptedSecurityVersion.withLock { $0 = max($0, server.manifest.securityVersion) }
            try securityVersions?.record(server.manifest.securityVersion, for: serverURL)
            cached.withLock { $0 = server }
            record(server)
            return server
        case .failure(let failure):
            record(failure: failure, platform: attestation.platform.rawValue, simulated: settings.development != nil)
            throw ClientError.verificationFailed(failure)
        }
    }

    /// The cached verified server if its key is still valid, else a fresh verification.
    public func verifiedServer() async throws -> VerifiedServer {
        let now = UInt64(max(0, clock().timeIntervalSince1970))
        if let server = cached.withLock({ $0 }), server.key.notAfter > now + 30 { return server }
        return try await verify()
    }

    /// Runs one encrypted chat turn, streaming the answer's events. Nothing happens until the
    /// stream is read; the reader's task then verifies, sends and decrypts, with no task in
    /// between, and cancelling it aborts the transfer. The stream ends after `end`; one that
    /// stops earlier throws `ChannelError.truncated`. A server that sends no complete event for
    /// `chatDeadline.betweenEvents` seconds ends it with `NetError` `.stalled`
    /// (one that sends nothing at all is ended by the transport's idle limit first).
    public func chat(_ request: ChatRequest) -> ChatEventStream {
        ChatEventStream(client: self, request: request)
    }

    /// Sends a chat turn and reads the response's head: the body to decrypt, or the refusal.
    /// A key that rotated or expired (409) is verified again and the turn sent once more; a
    /// model that is busy (503, before anything streams) is tried again as `busyRetry` says.
    func open(
        _ request: ChatRequest, retriesLeft: Int = 1, busyTries: Int = 0
    ) async throws
        -> ChatEventStream.Response
    {
        let server = try await verifiedServer()
        let plaintext = try JSONEncoder().encode(request)
        let nowMs = UInt64(max(0, clock().timeIntervalSince1970 * 1000))
        let (body, session) = try ClientChatSession.seal(
            request: Array(plaintext), to: server.key, nowMilliseconds: nowMs)
        var parts = transport.stream(
            HTTPRequest(
                url: serverURL + "/v1/chat", method: .post, headers: ["Content-Type": "application/octet-stream"],
                body: body, deadlineSeconds: nil)
        ).makeAsyncIterator()
        var status = 0
        var headers: [String: String] = [:]
        if case .head(let s, let h)? = try await parts.next() {
            status = s
            headers = h
        }
        if status == 200 {
            return (parts, session, chatDeadline.betweenEvents.map { .seconds($0) }, serverURL)
        }
        var errorBody = [UInt8]()
        while let part = try await parts.next() {
            if case .body(let bytes) = part, errorBody.count < 64 * 1024 { errorBody += bytes }
        }
        if status == 409, retriesLeft > 0 {
            cached.withLock { $0 = nil }
            return try await open(request, retriesLeft: retriesLeft - 1, busyTries: busyTries)
        }
        // 503 comes before anything streams (the model's queue is full): nothing was answered.
        if status == 503, busyTries < busyRetry.retries {
            let error = ServerErrorBody.parse(errorBody)
            let retryAfter = headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let seconds = busyRetry.wait(before: busyTries + 1, retryAfter: retryAfter)
            busyRetry.notice?(
                "the server is busy (\(error.code)); trying again in \(seconds) s (\(busyTries + 1) of \(busyRetry.retries))"
            )
            try await Task.sleep(for: .seconds(seconds))
            return try await open(request, retriesLeft: retriesLeft, busyTries: busyTries + 1)
        }
        throw ClientError.refusal(status: status, body: errorBody, headers: headers)
    }

    private func record(_ server: VerifiedServer) {
        try? auditLog?.append(
            AuditRecord(
                time: clock(), server: serverURL, platform: server.platform.rawValue, simulated: server.simulated,
                measurement: server.measurement, manifestVersion: server.manifest.version,
                keyID: Hex.encode(server.key.keyID), securityVersion: server.manifest.securityVersion,
                configurationDigest: server.configuration.digestHex, product: server.product, verdict: "trusted",
                reason: nil))
    }

    private func record(failure: VerificationFailure, platform: String, simulated: Bool) {
        try? auditLog?.append(
            AuditRecord(
                time: clock(), server: serverURL, platform: platform, simulated: simulated, measurement: nil,
                manifestVersion: nil, keyID: nil, verdict: "refused", reason: failure.code))
    }
}

/// Why a chat or verification did not happen.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    case verificationFailed(VerificationFailure)
    case serverRefused(status: Int, ServerErrorBody)
    /// 429: too many requests from this address; `retryAfterSeconds` from `Retry-After`.
    case rateLimited(retryAfterSeconds: Int?, ServerErrorBody)

    public var description: String {
        switch self {
        case .verificationFailed(let failure):
            "the server could not be verified, so nothing was sent: \(failure)"
        case .serverRefused(let status, let body):
            "the server refused the request (HTTP \(status)): \(body.code): \(body.message)"
        case .rateLimited(let seconds, let body):
            "the server is limiting requests from this address (\(body.code)): \(RetryWait.advice(seconds))"
        }
    }

    /// The error for a refused answer: `rateLimited` for 429, else `serverRefused`.
    static func refusal(status: Int, body: [UInt8], headers: [String: String]) -> ClientError {
        let parsed = ServerErrorBody.parse(body)
        guard status == 429 else { return .serverRefused(status: status, parsed) }
        let seconds = headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return .rateLimited(retryAfterSeconds: seconds, parsed)
    }
}

/// The documented JSON error body `{"code", "message"}`.
public typealias ServerErrorBody = ErrorBody

extension ErrorBody {
    /// The error body of a refused request, or a stand-in when it has none.
    static func parse(_ bytes: [UInt8]) -> ErrorBody {
        (try? JSONDecoder().decode(ErrorBody.self, from: Data(bytes)))
            ?? ErrorBody(code: UnexplainedRefusal.code, message: "the server gave no explanation")
    }
}

/// The events of one chat turn, read straight off the response: each received chunk is
/// decrypted into a batch of events (a fast answer packs many frames into a chunk), which this
/// sequence hands out one by one without a task switch per event.
public struct ChatEventStream: AsyncSequence, Sendable {
    public typealias Element = ChatEvent

    enum Source: Sendable {
        /// A turn through the client, sent when first read.
        case turn(InferenceClient, ChatRequest)
        /// Batches handed over by another producer (a scripted channel in tests).
        case batches(AsyncThrowingStream<[ChatEvent], any Error>)
    }

    /// A response being read: the transport's parts after the head, the session that opens
    /// them, how long it may go without a complete event, and the server (for the stall's error).
    typealias Response = (
        parts: AsyncThrowingStream<HTTPResponsePart, any Error>.AsyncIterator, session: ClientChatSession,
        betweenEvents: Duration?, server: String
    )

    let source: Source

    init(client: InferenceClient, request: ChatRequest) { source = .turn(client, request) }

    /// The events of `batches`, in order.
    public init(batches: AsyncThrowingStream<[ChatEvent], any Error>) { source = .batches(batches) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        enum State {
            case unsent(InferenceClient, ChatRequest)
            case reading(Response)
            case batches(AsyncThrowingStream<[ChatEvent], any Error>.AsyncIterator)
            case finished
        }

        var state: State
        var pending: [ChatEvent] = []
        var index = 0

        public mutating func next() async throws -> ChatEvent? {
            while index == pending.count {
                guard let batch = try await nextBatch() else { return nil }
                pending = batch
                index = 0
            }
            defer { index += 1 }
            return pending[index]
        }

        private mutating func nextBatch() async throws -> [ChatEvent]? {
            switch state {
            case .finished:
                return nil
            case .batches(var batches):
                let batch = try await batches.next()
                state = batch == nil ? .finished : .batches(batches)
                return batch
            case .unsent(let client, let request):
                state = .finished  // a turn that failed to open is not sent again
                state = .reading(try await client.open(request))
                return try await nextBatch()
            case .reading(var response):
                state = .finished  // until the next batch is in hand
                let since = ContinuousClock.now
                while let part = try await response.parts.next() {
                    guard case .body(let bytes) = part else { continue }
                    let events = try response.session.receive(bytes)
                    if !events.isEmpty {
                        state = .reading(response)
                        return events
                    }
                    // Bytes that complete no event: a server trickling them keeps the transport's
                    // idle limit away, not this one.
                    if let limit = response.betweenEvents, ContinuousClock.now - since > limit {
                        throw NetError(
                            .stalled,
                            "\(response.server) sent nothing of the answer for \(limit.components.seconds) s; the server is overloaded or stalling, try again later"
                        )
                    }
                }
                try response.session.finish()
                return nil
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        switch source {
        case .turn(let client, let request): AsyncIterator(state: .unsent(client, request))
        case .batches(let batches): AsyncIterator(state: .batches(batches.makeAsyncIterator()))
        }
    }
}
