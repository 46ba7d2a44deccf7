import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// Per-address request limits over real HTTP on loopback: chat, attestation and ceremony
/// begins answer 429 `SOTTO-RATE-LIMITED` with `Retry-After` once the address's bucket is empty.
@Suite(.serialized) struct RateLimitHTTPTests {
    let logs = LogCapture()
    let store = InMemoryServerStore()

    func start(burst: Int) async throws -> LiveServer {
        var limits = RequestRateLimits()
        for kind in RequestRateLimits.Kind.allCases { limits[kind] = .init(burst: burst, perMinute: 2) }
        let accounts = AccountService(store: store, logger: logs.logger())
        return try await LiveServer.start(
            gateway: try LiveServer.makeGateway(backend: ScriptedBackend(), logger: logs.logger()),
            accounts: AccountEndpoints(accounts: accounts, records: nil), logger: logs.logger(),
            rateLimiter: ClientRateLimiter(limits: limits))
    }

    func expectLimited(_ answer: LoopbackHTTP.Answer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(answer.status == 429, "\(answer.text)", sourceLocation: sourceLocation)
        #expect(try answer.decode(ErrorBody.self).code == "SOTTO-RATE-LIMITED", sourceLocation: sourceLocation)
        let wait = Int(answer.headers["retry-after"] ?? "")
        #expect(wait.map { (1...30).contains($0) } == true, "\(answer.headers)", sourceLocation: sourceLocation)
    }

    @Test func attestationChatAndBeginsAreLimitedPerAddress() async throws {
        let server = try await start(burst: 3)
        defer { Task { await server.stop() } }
        let attestation = {
            try await LoopbackHTTP.send(
                .POST, server.url + "/v1/attestation", json: AttestationRequest(nonce: SecureRandom.bytes(32)))
        }
        for _ in 0..<3 { #expect(try await attestation().status == 200) }
        try expectLimited(try await attestation())

        // A chat body that is not a sealed request: refused by the channel until the bucket is empty.
        let chat = { try await LoopbackHTTP.send(.POST, server.url + "/v1/chat", body: [1, 2, 3]) }
        for _ in 0..<3 { #expect(try await chat().status != 429) }
        try expectLimited(try await chat())

        // Registration, login and recovery begins share the ceremony bucket.
        #expect(
            try await LoopbackHTTP.send(.POST, server.url + "/v1/accounts/register/begin", json: VersionOnlyRequest())
                .status == 200)
        #expect(
            try await LoopbackHTTP.send(.POST, server.url + "/v1/accounts/login/begin", json: LoginBeginRequest())
                .status == 200)
        #expect(
            try await LoopbackHTTP.send(
                .POST, server.url + "/v1/accounts/recover/begin",
                json: RecoveryBeginRequest(keyID: Base64Bytes(SecureRandom.bytes(16)))
            ).status == 200)
        try expectLimited(
            try await LoopbackHTTP.send(.POST, server.url + "/v1/accounts/register/begin", json: VersionOnlyRequest()))
        // Nothing was stored for the refused begin.
        #expect(store.challengeCount == 3)
        // Routes outside the limits still answer.
        #expect(try await LoopbackHTTP.send(.GET, server.url + "/healthz").status == 200)
    }
}
