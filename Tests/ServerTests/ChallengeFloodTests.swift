import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// `begin` spam cannot grow the challenge rows without limit: outstanding challenges are
/// bounded per client address and in total, and room comes back when a ceremony finishes or
/// its challenge expires.
@Suite struct ChallengeFloodTests {
    let store = InMemoryServerStore()
    let clock = SettableClock()
    let logs = LogCapture()

    func service(perClient: Int, total: Int) -> AccountService {
        var settings = AccountSettings()
        settings.now = { [clock] in clock.now }
        settings.maximumOutstandingChallengesPerClient = perClient
        settings.maximumOutstandingChallenges = total
        return AccountService(store: store, settings: settings, logger: logs.logger())
    }

    @Test func oneAddressGetsAtMostItsShare() async throws {
        let service = service(perClient: 4, total: 100)
        var begun: [LoginBeginResponse] = []
        for _ in 0..<4 { begun.append(try await service.loginBegin(LoginBeginRequest(), client: "10.0.2.1")) }
        // The N+1st begin from that address, whatever the ceremony, is refused.
        let refused = await refusal { try await service.loginBegin(LoginBeginRequest(), client: "10.0.2.1") }
        #expect(refused?.code.rawValue == "SOTTO-AUTH-RATE-LIMITED")
        #expect(refused?.status == 429)
        #expect(refused?.retryAfterSeconds == 300)
        let registration = await refusal { try await service.registerBegin(VersionOnlyRequest(), client: "10.0.2.1") }
        #expect(registration?.code.rawValue == "SOTTO-AUTH-RATE-LIMITED")
        #expect(store.challengeCount == 4)
        // Another address is not affected.
        _ = try await service.loginBegin(LoginBeginRequest(), client: "10.0.2.2")
        #expect(store.challengeCount == 5)

        // A finished ceremony (even a refused one) gives its room back...
        let finish = await refusal {
            try await service.loginFinish(
                LoginFinishRequest(
                    challengeID: begun[0].challengeID, credential: TestAuthenticator().assert(begun[0].options)),
                client: "10.0.2.1")
        }
        #expect(finish?.code.rawValue == "SOTTO-AUTH-UNKNOWN-CREDENTIAL")
        _ = try await service.loginBegin(LoginBeginRequest(), client: "10.0.2.1")
        // ...and so does an expired one.
        clock.advance(5 * 60 + 1)
        for _ in 0..<4 { _ = try await service.loginBegin(LoginBeginRequest(), client: "10.0.2.1") }
        #expect(store.challengeCount <= 4 + 1 + 4)
    }

    @Test func theServerHoldsAtMostItsTotal() async throws {
        let service = service(perClient: 3, total: 5)
        for index in 0..<5 {
            _ = try await service.loginBegin(LoginBeginRequest(), client: "10.0.3.\(index)")
        }
        let refused = await refusal { try await service.loginBegin(LoginBeginRequest(), client: "10.0.3.99") }
        #expect(refused?.code.rawValue == "SOTTO-AUTH-RATE-LIMITED")
        #expect(store.challengeCount == 5)
        // Spreading over many addresses, as a flood would, leaves the count where it is.
        for index in 100..<150 {
            _ = try? await service.loginBegin(LoginBeginRequest(), client: "10.0.3.\(index)")
        }
        #expect(store.challengeCount == 5)
        clock.advance(5 * 60 + 1)
        _ = try await service.loginBegin(LoginBeginRequest(), client: "10.0.3.99")
    }

    /// Over real HTTP on loopback: the N+1st begin from one address is answered 429 with
    /// `Retry-After`, and the store holds N challenges.
    @Test func beginSpamOverHTTPIsRefused() async throws {
        let service = service(perClient: 6, total: 1000)
        let server = try await LiveServer.start(
            gateway: try LiveServer.makeGateway(backend: ScriptedBackend(), logger: logs.logger()),
            accounts: AccountEndpoints(accounts: service, records: nil), logger: logs.logger())
        defer { Task { await server.stop() } }
        for index in 0..<6 {
            let path = index.isMultiple(of: 2) ? "/v1/accounts/login/begin" : "/v1/accounts/register/begin"
            let answer = try await LoopbackHTTP.send(.POST, server.url + path, json: VersionOnlyRequest())
            #expect(answer.status == 200, "\(answer.text)")
        }
        let refused = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/login/begin", json: LoginBeginRequest())
        #expect(refused.status == 429)
        #expect(try refused.decode(ErrorBody.self).code == "SOTTO-AUTH-RATE-LIMITED")
        #expect(refused.headers["retry-after"] == "300")
        #expect(store.challengeCount == 6)
    }
}
