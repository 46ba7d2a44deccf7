import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// The gateway's protocol logic, called directly (no HTTP): what it answers and what it logs.
@Suite struct GatewayTests {
    static let now: UInt64 = 1_800_000_000_000
    let logs = LogCapture()
    let backend: ScriptedBackend
    let gateway: Gateway

    init() throws {
        try self.init(backend: ScriptedBackend())
    }

    init(backend: ScriptedBackend) throws {
        self.backend = backend
        let release = Ed25519.SigningKey.generate()
        let manifest = try SignedReleaseManifest.sign(
            ReleaseManifest.testing(), with: release)
        gateway = Gateway(
            keys: ChannelKeyRing(clock: { Self.now / 1000 }), provider: StubAttestationProvider(), backend: backend,
            manifest: manifest, configuration: .testing, logger: logs.logger(), nowMilliseconds: { Self.now })
    }

    func attest() async throws -> (AttestationResponse, [UInt8]) {
        let nonce = SecureRandom.bytes(32)
        let body = Array(try JSONEncoder().encode(AttestationRequest(nonce: nonce)))
        guard case .complete(200, _, let bytes) = await gateway.attestation(body: body) else {
            throw TestFailure("attestation did not answer 200")
        }
        return (try JSONDecoder().decode(AttestationResponse.self, from: Data(bytes)), nonce)
    }

    func collect(_ reply: Gateway.Reply) async throws -> [UInt8] {
        guard case .stream(let first, let rest) = reply else { throw TestFailure("expected a streamed answer") }
        var out = first
        for try await frames in rest { out += frames }
        return out
    }

    @Test func attestationBindsKeysAndNonce() async throws {
        let (response, nonce) = try await attest()
        #expect(response.version == 1)
        #expect(response.platform == .sevSNP)
        let expected = try KeyBinding.reportData(keys: response.keys, configuration: .testing, nonce: nonce)
        #expect(response.evidence.report.bytes == Array("STUB".utf8) + expected)
        #expect(response.keys.mlkem768.bytes.count == 1184)
        // The same key is announced until rotation; a new nonce gives a new binding.
        let (again, _) = try await attest()
        #expect(again.keys == response.keys)
        #expect(again.evidence.report != response.evidence.report)
        #expect(gateway.metrics.attestationRequests == 2)
    }

    @Test func badAttestationRequestsGetAReason() async throws {
        for body in [
            "", "{}", #"{"version":1,"nonce":"AAAA"}"#,
            #"{"version":9,"nonce":"\#(String(repeating: "A", count: 43))="}"#,
        ] {
            guard case .complete(let status, _, let bytes) = await gateway.attestation(body: Array(body.utf8)) else {
                Issue.record("no complete reply for \(body)")
                continue
            }
            #expect(status == 400)
            #expect(String(decoding: bytes, as: UTF8.self).contains("SOTTO-ATTEST-BAD-REQUEST"))
        }
    }

    @Test func chatTurnStreamsTheModelsAnswerAndLogsNoContent() async throws {
        let (response, _) = try await attest()
        let canary = "canary-prompt-5d1e"
        let request = ChatRequest(messages: [.init(role: .user, content: canary)], maxTokens: 8)
        let (body, client) = try ClientChatSession.seal(
            request: try JSONEncoder().encode(request).map { $0 }, to: AttestedChannelKey(response.keys),
            nowMilliseconds: Self.now)
        let answer = try await collect(await gateway.chat(body: body))
        let events = try client.receive(answer)
        try client.finish()
        #expect(events.first == .start(model: "scripted-test-model"))
        #expect(events.dropFirst().prefix(4) == [.token("Hello"), .token(","), .token(" world"), .token("!")])
        #expect(events.last == .end(reason: .stop, promptTokens: 5, completionTokens: 4))
        #expect(backend.requests == [request])
        #expect(!logs.text.contains(canary))
        #expect(!logs.text.isEmpty)
        #expect(gateway.metrics.chatRequests == 1 && gateway.metrics.chatAnswered == 1)
    }

    @Test func refusedRequestsMapToDocumentedStatuses() async throws {
        let (response, _) = try await attest()
        let (body, _) = try ClientChatSession.seal(
            request: [1], to: AttestedChannelKey(response.keys), nowMilliseconds: Self.now)
        var unknown = body
        unknown[4] ^= 1
        guard case .complete(let status, _, let bytes) = await gateway.chat(body: unknown) else {
            throw TestFailure("expected an error reply")
        }
        #expect(status == 409)
        #expect(String(decoding: bytes, as: UTF8.self).contains("SOTTO-CHANNEL-UNKNOWN-KEY"))
        guard case .complete(400, _, _) = await gateway.chat(body: [1, 2, 3]) else {
            throw TestFailure("garbage should get 400")
        }
        // Not a chat request inside a valid channel: the reason comes back encrypted.
        let client = try ClientChatSession.seal(
            request: [1], to: AttestedChannelKey(response.keys), nowMilliseconds: Self.now)
        let events = try client.session.receive(try await collect(await gateway.chat(body: client.body)))
        #expect(
            events.first
                == .error(code: "SOTTO-BACKEND-INVALID-REQUEST", message: "the request is not a valid chat request"))
        try client.session.finish()
    }

    @Test func busyBackendAnswers503WithRetryAfter() async throws {
        let busy = try GatewayTests(backend: ScriptedBackend(busy: true))
        let (response, _) = try await busy.attest()
        let request = try JSONEncoder().encode(ChatRequest(messages: [.init(role: .user, content: "hi")]))
        let (body, _) = try ClientChatSession.seal(
            request: Array(request), to: AttestedChannelKey(response.keys), nowMilliseconds: Self.now)
        guard case .complete(let status, let headers, _) = await busy.gateway.chat(body: body) else {
            throw TestFailure("expected 503")
        }
        #expect(status == 503)
        #expect(headers["Retry-After"] == "7")
    }

    /// A request the model refuses (a message longer than its context): the reason, in sizes,
    /// is logged and reaches the client inside the channel; the content is in neither.
    @Test func aRefusedTurnIsLoggedWithItsReasonInSizes() async throws {
        let reason =
            "the last message alone is 5000 tokens; the model's context holds 4096, 512 of them kept for the answer: shorten it by at least 1416 tokens"
        let refusing = try GatewayTests(backend: ScriptedBackend(refusal: BackendError(.invalidRequest, reason)))
        let (response, _) = try await refusing.attest()
        let canary = "canary-paste-77f3 " + String(repeating: "long line\n", count: 300)
        let request = try JSONEncoder().encode(ChatRequest(messages: [.init(role: .user, content: canary)]))
        let (body, client) = try ClientChatSession.seal(
            request: Array(request), to: AttestedChannelKey(response.keys), nowMilliseconds: Self.now)
        let events = try client.receive(try await refusing.collect(await refusing.gateway.chat(body: body)))
        try client.finish()
        #expect(events.first == .error(code: "SOTTO-BACKEND-INVALID-REQUEST", message: reason))
        let logged = refusing.logs.text
        #expect(logged.contains("chat turn refused"))
        #expect(logged.contains("shorten it by at least 1416 tokens"))
        #expect(logged.contains("SOTTO-BACKEND-INVALID-REQUEST"))
        #expect(!logged.contains("canary-paste-77f3"))
    }

    /// While a long prompt is read, progress events go to a client that asked for them, and
    /// to no other (one that predates them could not read them).
    @Test func progressGoesOnlyToClientsThatAsk() async throws {
        let reading = try GatewayTests(backend: ScriptedBackend(reading: [32, 64, 70]))
        let (response, _) = try await reading.attest()
        for asked in [true, false] {
            let request = try JSONEncoder().encode(
                ChatRequest(messages: [.init(role: .user, content: "hi")], progress: asked ? true : nil))
            let (body, client) = try ClientChatSession.seal(
                request: Array(request), to: AttestedChannelKey(response.keys), nowMilliseconds: Self.now)
            let events = try client.receive(try await reading.collect(await reading.gateway.chat(body: body)))
            try client.finish()
            let progress = events.filter { if case .progress = $0 { true } else { false } }
            #expect(
                progress
                    == (asked
                        ? [
                            .progress(read: 32, total: 70), .progress(read: 64, total: 70),
                            .progress(read: 70, total: 70),
                        ] : []))
            #expect(events.contains(.token("Hello")))
        }
    }

    @Test func backendFailureMidStreamEndsWithErrorAndEnd() async throws {
        let failing = try GatewayTests(backend: ScriptedBackend(failAfter: 2))
        let (response, _) = try await failing.attest()
        let request = try JSONEncoder().encode(ChatRequest(messages: [.init(role: .user, content: "hi")]))
        let (body, client) = try ClientChatSession.seal(
            request: Array(request), to: AttestedChannelKey(response.keys), nowMilliseconds: Self.now)
        let events = try client.receive(try await failing.collect(await failing.gateway.chat(body: body)))
        try client.finish()
        #expect(events.count == 1 + 2 + 2)
        #expect(events[3] == .error(code: "SOTTO-BACKEND-FAILED", message: "the model stopped with an error"))
        #expect(events[4] == .end(reason: .cancelled, promptTokens: 0, completionTokens: 0))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
