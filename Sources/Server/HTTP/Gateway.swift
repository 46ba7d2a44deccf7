import Foundation
import Logging
import Wire

/// The server's protocol logic, apart from HTTP plumbing: attestation and the encrypted
/// chat turn (docs/PROTOCOL.md). Logs ids and sizes only.
public final class Gateway: Sendable {
    /// What a handler answers: a status, headers, and either a whole body or a stream.
    public enum Reply: Sendable {
        case complete(status: Int, headers: [String: String], body: [UInt8])
        case stream(first: [UInt8], rest: SealedFrames)
    }

    public let keys: ChannelKeyRing
    public let provider: any AttestationProvider
    public let backend: any InferenceBackend
    public let manifest: SignedReleaseManifest
    /// Where decrypted prompts go; every report binds its digest.
    public let configuration: ServerConfiguration
    public let metrics = ServerMetrics()
    let replayGuard = ReplayGuard()
    let logger: Logger
    let maxRequestBytes: Int
    let nowMilliseconds: @Sendable () -> UInt64

    public init(
        keys: ChannelKeyRing, provider: any AttestationProvider, backend: any InferenceBackend,
        manifest: SignedReleaseManifest, configuration: ServerConfiguration, logger: Logger,
        maxRequestBytes: Int = 16 * 1024 * 1024,
        nowMilliseconds: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.keys = keys
        self.provider = provider
        self.backend = backend
        self.manifest = manifest
        self.configuration = configuration
        self.logger = logger
        self.maxRequestBytes = maxRequestBytes
        self.nowMilliseconds = nowMilliseconds
    }

    /// Largest attestation request accepted.
    static let maxAttestationRequestBytes = 4096

    /// `GET /healthz`; `accounts` says whether the account and sync endpoints are served.
    public func health(accounts: Bool = false) -> Reply {
        var object: [String: Any] = [
            "status": "ok", "platform": provider.platform.rawValue, "simulated": provider.isSimulated,
            "model": backend.modelName, "attestation_requests": metrics.attestationRequests,
            "chat_requests": metrics.chatRequests,
        ]
        if accounts { object["accounts"] = true }
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return .complete(status: 200, headers: ["Content-Type": "application/json"], body: Array(body))
    }

    /// `POST /v1/attestation`.
    public func attestation(body: [UInt8]) async -> Reply {
        metrics.countAttestation()
        let request: AttestationRequest
        do {
            request = try JSONDecoder().decode(AttestationRequest.self, from: Data(body))
        } catch {
            return Self.error(
                400, HTTPErrorCode.attestationBadRequest,
                "the attestation request is not valid JSON of the documented shape")
        }
        guard request.version == Wire.protocolVersion else {
            return Self.error(
                400, HTTPErrorCode.attestationBadRequest, "unsupported protocol version \(request.version)")
        }
        guard request.nonce.bytes.count == AttestationRequest.nonceByteCount else {
            return Self.error(400, HTTPErrorCode.attestationBadRequest, "the nonce must be 32 bytes")
        }
        do {
            let key = try keys.current()
            let reportData = try KeyBinding.reportData(
                keys: key.announcement, configuration: configuration, nonce: request.nonce.bytes)
            let evidence = try await provider.evidence(reportData: reportData)
            let response = AttestationResponse(
                platform: provider.platform, evidence: evidence, keys: key.announcement, manifest: manifest,
                configuration: configuration, modelContextTokens: backend.contextTokens,
                defaultMaxTokens: backend.defaultMaxTokens)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            logger.info(
                "attestation served", metadata: ["key_id": "\(Hex.encode(key.announcement.keyID.bytes.prefix(4)))"])
            return .complete(
                status: 200, headers: ["Content-Type": "application/json"], body: Array(try encoder.encode(response)))
        } catch let error as AttestationProviderError {
            logger.error("attestation failed", metadata: ["code": "\(error.code.rawValue)"])
            return Self.error(503, error.code, error.message)
        } catch {
            logger.error("attestation failed")
            return Self.error(
                500, HTTPErrorCode.attestationInternal, "the server could not produce attestation evidence")
        }
    }

    /// `POST /v1/chat`: opens the encrypted request and streams the encrypted answer.
    public func chat(body: [UInt8]) async -> Reply {
        metrics.countChat()
        let opened: (request: [UInt8], session: ServerChatSession)
        do {
            opened = try ServerChatSession.open(
                body: body, keys: { [keys] in keys.key(id: $0) }, replayGuard: replayGuard,
                nowMilliseconds: nowMilliseconds(), maxRequestBytes: maxRequestBytes)
        } catch let error as ChannelError {
            logger.notice(
                "chat request refused", metadata: ["code": "\(error.code.rawValue)", "bytes": "\(body.count)"])
            return Self.error(Self.status(for: error.code), error.code, error.message)
        } catch {
            return Self.error(400, ChannelErrorCode.malformedRequest, "the request could not be opened")
        }
        metrics.countChatOpened()
        let session = opened.session
        let request: ChatRequest
        do {
            request = try JSONDecoder().decode(ChatRequest.self, from: Data(opened.request))
        } catch {
            // The channel is up: report inside it, so the reason stays private too.
            return streamOnly(
                session,
                [
                    .error(
                        code: BackendError.Code.invalidRequest.rawValue,
                        message: "the request is not a valid chat request"),
                    .end(reason: .cancelled, promptTokens: 0, completionTokens: 0),
                ])
        }
        logger.info("chat turn", metadata: ["bytes": "\(body.count)", "messages": "\(request.messages.count)"])
        let events: AsyncThrowingStream<BackendEvent, any Error>
        do {
            events = try await backend.generate(request)
        } catch let error as BackendError where error.code == .busy {
            return Self.error(
                503, error.code, error.message, headers: ["Retry-After": "\(error.retryAfterSeconds ?? 5)"])
        } catch {
            let code = (error as? BackendError)?.code.rawValue ?? BackendError.Code.failed.rawValue
            // A backend's refusal says why in sizes, never content (a message too long for the
            // context): logged, and told to the client inside the channel.
            let reason = (error as? BackendError)?.message ?? "the model could not answer"
            logger.notice(
                "chat turn refused",
                metadata: [
                    "code": "\(code)", "reason": "\(reason)", "bytes": "\(body.count)",
                    "messages": "\(request.messages.count)",
                ])
            return streamOnly(
                session,
                [
                    .error(code: code, message: reason),
                    .end(reason: .cancelled, promptTokens: 0, completionTokens: 0),
                ])
        }
        let first: [UInt8]
        do {
            first = try session.start() + session.seal(.start(model: backend.modelName))
        } catch {
            return Self.error(
                500, HTTPErrorCode.channelInternal, "the server could not start the encrypted answer")
        }
        let rest = SealedFrames(events: events, session: session, logger: logger, progress: request.progress == true)
        return .stream(first: first, rest: rest)
    }

    private func streamOnly(_ session: ServerChatSession, _ events: [ChatEvent]) -> Reply {
        do {
            var bytes = try session.start()
            for e in events { bytes += try session.seal(e) }
            return .stream(first: bytes, rest: SealedFrames(events: nil, session: session, logger: logger))
        } catch {
            return Self.error(
                500, HTTPErrorCode.channelInternal, "the server could not start the encrypted answer")
        }
    }

    static func status(for code: ChannelErrorCode) -> Int {
        switch code {
        case .unknownKey, .keyExpired: 409
        case .requestTooLarge: 413
        default: 400
        }
    }

    /// 429 `SOTTO-RATE-LIMITED` with `Retry-After`: the client made too many `kind` requests.
    static func rateLimited(_ kind: RequestRateLimits.Kind, retryAfterSeconds: Int) -> Reply {
        error(
            429, HTTPErrorCode.rateLimited,
            "too many \(kind.rawValue) requests from this address: wait \(retryAfterSeconds) seconds and try again",
            headers: ["Retry-After": "\(retryAfterSeconds)"])
    }

    /// A JSON error body `{"code", "message"}`; messages never hold request content.
    static func error(
        _ status: Int, _ code: some StableErrorCode, _ message: String, headers: [String: String] = [:]
    ) -> Reply {
        error(status, codeText: code.rawValue, message, headers: headers)
    }

    /// The answer for an account or record endpoint's refusal, whose code its own enums gave.
    static func error(_ refusal: ServiceError) -> Reply {
        error(
            refusal.status, codeText: refusal.code.rawValue, refusal.message,
            headers: refusal.retryAfterSeconds.map { ["Retry-After": "\($0)"] } ?? [:])
    }

    private static func error(
        _ status: Int, codeText: String, _ message: String, headers: [String: String]
    ) -> Reply {
        let body =
            (try? JSONSerialization.data(
                withJSONObject: ["code": codeText, "message": message], options: [.sortedKeys]))
            ?? Data()
        return .complete(
            status: status, headers: headers.merging(["Content-Type": "application/json"]) { old, _ in old },
            body: Array(body))
    }
}

/// The answer's frames, sealed as the backend produces events: no task or buffer in between,
/// so a token goes out as soon as it exists. When the HTTP writer stops iterating (the client
/// went away), the backend's stream is released, which cancels its computation.
public struct SealedFrames: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let events: AsyncThrowingStream<BackendEvent, any Error>?
    let session: ServerChatSession
    let logger: Logger
    /// Whether the client asked for progress events (`ChatRequest.progress`).
    var progress = false

    public struct AsyncIterator: AsyncIteratorProtocol {
        var events: AsyncThrowingStream<BackendEvent, any Error>.AsyncIterator?
        let session: ServerChatSession
        let logger: Logger
        let progress: Bool

        public mutating func next() async throws -> [UInt8]? {
            guard var iterator = events else { return nil }
            do {
                let event = try await iterator.next()
                events = iterator
                switch event {
                case .token(let text):
                    return try session.seal(.token(text))
                case .progress(let read, let total):
                    // A client that did not ask gets an empty write, never an event it cannot read.
                    return progress ? try session.seal(.progress(read: read, total: total)) : []
                case .finished(let reason, let prompt, let completion):
                    events = nil
                    logger.info("chat turn done", metadata: ["completion_tokens": "\(completion)"])
                    return try session.seal(.end(reason: reason, promptTokens: prompt, completionTokens: completion))
                case nil:
                    // The backend ended without a finish event: say so rather than truncate silently.
                    events = nil
                    return try session.seal(
                        .error(code: BackendError.Code.failed.rawValue, message: "the model stopped early"))
                        + session.seal(.end(reason: .cancelled, promptTokens: 0, completionTokens: 0))
                }
            } catch {
                events = nil
                let code = (error as? BackendError)?.code.rawValue ?? BackendError.Code.failed.rawValue
                logger.error("generation failed", metadata: ["code": "\(code)"])
                return try session.seal(.error(code: code, message: "the model stopped with an error"))
                    + session.seal(.end(reason: .cancelled, promptTokens: 0, completionTokens: 0))
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: events?.makeAsyncIterator(), session: session, logger: logger, progress: progress)
    }
}
