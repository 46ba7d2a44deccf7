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
    private let cached = Mutex<VerifiedServer?>(nil)
    private let acceptedSecurityVersion = Mutex<UInt64>(0)

    /// - Parameters:
    ///   - developmentStore: where `--dev` pins the development root; nil outside development mode.
    ///   - securityVersions: where the device remembers each server's highest accepted release
    ///     security version, refusing a lower one; nil remembers nothing beyond this process.
    ///   - busyRetry: how a chat turn refused as busy is tried again.
    public init(
        serverURL: String, transport: any HTTPTransport = CurlHTTPClient(), trust: TrustSettings,
        developmentStore: DevelopmentTrustStore? = nil, securityVersions: SecurityVersionStore? = nil,
        auditLog: (any AuditLog)? = nil, busyRetry: BusyRetry = BusyRetry(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.busyRetry = busyRetry
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
                steps: [], code: "SOTTO-ATTEST-MALFORMED", message: "the server's attestation response is not valid")
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

    /// Runs one encrypted chat turn, streaming the answer's events. The stream ends after
    /// `end`; a stream that stops earlier throws `ChannelError.truncated`.
    /// A server silent for `RequestDeadline.chatStream.betweenEvents` seconds between events
    /// ends the stream with `NetError` `.stalled`.
    public func chat(_ request: ChatRequest) -> ChatEventStream {
        let gap = RequestDeadline.chatStream.betweenEvents ?? 300
        let batches = AsyncThrowingStream<[ChatEvent], any Error> { continuation in
            let watch = EventWatch()
            let task = Task {
                do {
                    try await runChat(request, continuation: continuation, retriesLeft: 1, watch: watch)
                    continuation.finish()
                } catch  where watch.stalled.load(ordering: .relaxed) {
                    continuation.finish(
                        throwing: NetError(
                            .stalled,
                            "\(self.serverURL) sent nothing of the answer for \(gap) s; the server is overloaded or stalling, try again later"
                        ))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            let watchdog = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    if watch.silence() > .seconds(gap) {
                        watch.stalled.store(true, ordering: .relaxed)
                        task.cancel()
                        return
                    }
                }
            }
            continuation.onTermination = { _ in
                task.cancel()
                watchdog.cancel()
            }
        }
        return ChatEventStream(batches: batches)
    }

    /// When a chat stream last moved, for its between-events deadline.
    private final class EventWatch: Sendable {
        private let last = Mutex(ContinuousClock.now)
        let stalled = Atomic<Bool>(false)

        func moved() { last.withLock { $0 = .now } }
        func silence() -> Duration { ContinuousClock.now - last.withLock { $0 } }
    }

    private func runChat(
        _ request: ChatRequest, continuation: AsyncThrowingStream<[ChatEvent], any Error>.Continuation,
        retriesLeft: Int,
        watch: EventWatch, busyTries: Int = 0
    ) async throws {
        let server = try await verifiedServer()
        let plaintext = try JSONEncoder().encode(request)
        let nowMs = UInt64(max(0, clock().timeIntervalSince1970 * 1000))
        let (body, session) = try ClientChatSession.seal(
            request: Array(plaintext), to: server.key, nowMilliseconds: nowMs)
        var status = 0
        var headers: [String: String] = [:]
        var errorBody = [UInt8]()
        for try await part in transport.stream(
            HTTPRequest(
                url: serverURL + "/v1/chat", method: .post, headers: ["Content-Type": "application/octet-stream"],
                body: body, deadlineSeconds: nil))
        {
            switch part {
            case .head(let s, let h):
                status = s
                headers = h
            case .body(let bytes):
                if status == 200 {
                    // One hand-over per received chunk, not per event: a fast answer packs
                    // many frames into a chunk.
                    let events = try session.receive(bytes)
                    if !events.isEmpty {
                        watch.moved()
                        continuation.yield(events)
                    }
                } else if errorBody.count < 64 * 1024 {
                    errorBody += bytes
                }
            }
        }
        guard status == 200 else {
            let error = ServerErrorBody.parse(errorBody)
            // The key rotated or expired: verify again and retry once.
            if status == 409, retriesLeft > 0 {
                cached.withLock { $0 = nil }
                try await runChat(
                    request, continuation: continuation, retriesLeft: retriesLeft - 1, watch: watch,
                    busyTries: busyTries)
                return
            }
            // 503 comes before anything streams (the model's queue is full): nothing was answered.
            if status == 503, busyTries < busyRetry.retries {
                let retryAfter = headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                let seconds = busyRetry.wait(before: busyTries + 1, retryAfter: retryAfter)
                busyRetry.notice?(
                    "the server is busy (\(error.code)); trying again in \(seconds) s (\(busyTries + 1) of \(busyRetry.retries))"
                )
                try await Task.sleep(for: .seconds(seconds))
                watch.moved()
                try await runChat(
                    request, continuation: continuation, retriesLeft: retriesLeft, watch: watch,
                    busyTries: busyTries + 1)
                return
            }
            if status == 429 { throw ClientError.refusal(status: status, body: errorBody, headers: headers) }
            throw ClientError.serverRefused(status: status, error)
        }
        try session.finish()
    }

    private func record(_ server: VerifiedServer) {
        try? auditLog?.append(
            AuditRecord(
                time: clock(), server: serverURL, platform: server.platform.rawValue, simulated: server.simulated,
                measurement: server.measurement, manifestVersion: server.manifest.version,
                keyID: Hex.encode(server.key.keyID), verdict: "trusted", reason: nil))
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
            ?? ErrorBody(code: "SOTTO-HTTP", message: "the server gave no explanation")
    }
}

/// The events of one chat turn. Events arrive from the network in batches (one per received
/// chunk); this sequence hands them out one by one without a task switch per event.
public struct ChatEventStream: AsyncSequence, Sendable {
    public typealias Element = ChatEvent
    let batches: AsyncThrowingStream<[ChatEvent], any Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var batches: AsyncThrowingStream<[ChatEvent], any Error>.AsyncIterator
        var pending: [ChatEvent] = []
        var index = 0

        public mutating func next() async throws -> ChatEvent? {
            while index == pending.count {
                guard let batch = try await batches.next() else { return nil }
                pending = batch
                index = 0
            }
            defer { index += 1 }
            return pending[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(batches: batches.makeAsyncIterator())
    }
}
