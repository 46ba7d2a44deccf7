import Core
import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// The real server on loopback and the real libcurl client: attestation, then an
/// encrypted, streamed chat turn.
@Suite(.serialized) struct LoopbackChatTests {
    let client = CurlHTTPClient()

    func attest(_ server: LiveServer) async throws -> AttestationResponse {
        let body = try JSONEncoder().encode(AttestationRequest(nonce: SecureRandom.bytes(32)))
        let response = try await client.send(
            HTTPRequest(
                url: server.url + "/v1/attestation", method: .post,
                headers: ["Content-Type": "application/json"], body: Array(body)))
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        return try JSONDecoder().decode(AttestationResponse.self, from: Data(response.body))
    }

    func chatBody(_ keys: ServerKeyAnnouncement, _ text: String) throws -> ([UInt8], ClientChatSession) {
        let request = try JSONEncoder().encode(ChatRequest(messages: [.init(role: .user, content: text)]))
        return try ClientChatSession.seal(
            request: Array(request), to: AttestedChannelKey(keys),
            nowMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
    }

    @Test func encryptedTurnStreamsOverRealHTTP() async throws {
        let logs = LogCapture()
        let backend = ScriptedBackend(tokens: (0..<50).map { "t\($0) " })
        let server = try await LiveServer.start(
            gateway: try LiveServer.makeGateway(backend: backend, logger: logs.logger()), logger: logs.logger())
        defer { Task { await server.stop() } }
        let health = try await client.send(HTTPRequest(url: server.url + "/healthz"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self).contains(#""model":"scripted-test-model""#))

        let attestation = try await attest(server)
        let canary = "canary-loopback-91b2"
        let (body, session) = try chatBody(attestation.keys, canary)
        var events = [ChatEvent]()
        var status = 0
        var chunks = 0
        for try await part in client.stream(
            HTTPRequest(
                url: server.url + "/v1/chat", method: .post, headers: ["Content-Type": "application/octet-stream"],
                body: body))
        {
            switch part {
            case .head(let s, _): status = s
            case .body(let bytes):
                chunks += 1
                events += try session.receive(bytes)
            }
        }
        try session.finish()
        #expect(status == 200)
        #expect(events.count == 1 + 50 + 1)
        #expect(events[1] == .token("t0 "))
        #expect(events.last == .end(reason: .stop, promptTokens: 5, completionTokens: 50))
        #expect(backend.requests.first?.messages.first?.content == canary)
        #expect(!logs.text.contains(canary))
        #expect(server.gateway.metrics.chatAnswered == 1)
    }

    @Test func errorsComeBackAsDocumentedJSON() async throws {
        let logs = LogCapture()
        let server = try await LiveServer.start(
            gateway: try LiveServer.makeGateway(backend: ScriptedBackend(busy: true), logger: logs.logger()),
            logger: logs.logger())
        defer { Task { await server.stop() } }
        let attestation = try await attest(server)
        let (body, _) = try chatBody(attestation.keys, "hi")
        let busy = try await client.send(HTTPRequest(url: server.url + "/v1/chat", method: .post, body: body))
        #expect(busy.status == 503)
        #expect(busy.headers["retry-after"] == "7")
        #expect(String(decoding: busy.body, as: UTF8.self).contains("SOTTO-BACKEND-BUSY"))
        var tampered = body
        tampered[5] ^= 1
        let unknown = try await client.send(HTTPRequest(url: server.url + "/v1/chat", method: .post, body: tampered))
        #expect(unknown.status == 409)
        let notFound = try await client.send(HTTPRequest(url: server.url + "/v1/nothing"))
        #expect(notFound.status == 404)
    }

    @Test func cancellingTheClientStopsTheModel() async throws {
        let logs = LogCapture()
        let backend = ScriptedBackend(tokens: (0..<400).map { "\($0)" }, delay: .milliseconds(10))
        let server = try await LiveServer.start(
            gateway: try LiveServer.makeGateway(backend: backend, logger: logs.logger()), logger: logs.logger())
        defer { Task { await server.stop() } }
        let attestation = try await attest(server)
        let (body, session) = try chatBody(attestation.keys, "long answer please")
        var received = 0
        for try await part in client.stream(HTTPRequest(url: server.url + "/v1/chat", method: .post, body: body)) {
            if case .body(let bytes) = part { received += try session.receive(bytes).count }
            if received >= 5 { break }  // the user pressed Esc
        }
        #expect(throws: ChannelError.self) { try session.finish() }
        // The server notices the closed connection and cancels generation well before 400 tokens.
        var waited = 0
        while backend.cancellations == 0 && waited < 1000 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(backend.cancellations == 1)
    }

    @Test func unreachableServerIsAClearError() async throws {
        let error = await #expect(throws: NetError.self) {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:9/healthz", connectTimeoutSeconds: 2))
        }
        #expect(error?.code == .connect)
        let bad = await #expect(throws: NetError.self) { try await client.send(HTTPRequest(url: "ftp://example/x")) }
        #expect(bad?.code == .invalidURL)
    }
}

/// The per-address request limit as the real client meets it: 429 over libcurl becomes an
/// error that says how long to wait, in words.
@Suite struct ClientRateLimitTests {
    @Test func aRateLimitedAttestationSaysWhenToTryAgain() async throws {
        let logs = LogCapture()
        var limits = RequestRateLimits()
        limits.attestation = .init(burst: 1, perMinute: 0.25)
        let server = try await LiveServer.start(
            gateway: try LiveServer.makeGateway(backend: ScriptedBackend(), logger: logs.logger()),
            logger: logs.logger(), rateLimiter: ClientRateLimiter(limits: limits))
        defer { Task { await server.stop() } }
        let client = InferenceClient(serverURL: server.url, trust: .production)
        // The first attestation is answered (and refused by production trust: a stub TEE).
        await #expect(throws: ClientError.self) { try await client.verify() }
        let error = await #expect(throws: ClientError.self) { try await client.verify() }
        guard case .rateLimited(let seconds, let body)? = error else {
            Issue.record("expected a rate limit, got \(String(describing: error))")
            return
        }
        // One token comes back every four minutes; the wait counts down from the refusal, and
        // a loaded machine may take a few seconds between the two requests.
        #expect(seconds.map { $0 > 180 && $0 <= 240 } == true, "\(String(describing: seconds))")
        #expect(body.code == "SOTTO-RATE-LIMITED")
        #expect("\(error?.description ?? "")".contains("try again in 4 minutes"), "\(String(describing: error))")
    }
}
