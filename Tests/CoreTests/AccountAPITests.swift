import Core
import CoreTesting
import Foundation
import Testing
import Wire

/// The account API client: what it sends, and how it reads refusals.
@Suite struct AccountAPITests {
    static func json(_ request: HTTPRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    @Test func requestsHaveTheProtocolsShapes() async throws {
        let transport = ScriptedHTTPTransport { request in
            if request.url.hasSuffix("/v1/accounts/login/begin") {
                return ScriptedHTTPTransport.json(
                    200, text: #"{"version":1,"challenge_id":"c1","options":{"challenge":"AAAA","rpId":"localhost"}}"#)
            }
            if request.url.hasSuffix("/v1/account") {
                return try ScriptedHTTPTransport.json(
                    200,
                    AccountSummary(
                        accountID: try AccountID("acct"), passkeys: [], recoveryUpdatedAt: nil, sessionCredentialID: nil
                    ))
            }
            return HTTPResponse(status: 204, headers: [:], body: [])
        }
        let api = AccountAPI(serverURL: "https://sotto.example/", transport: transport)
        let begin = try await api.loginBegin(credentialIDs: ["abc"])
        #expect(begin.challengeID == "c1")
        _ = try await api.account(token: "tok")
        let confirmation = AccountConfirmation(challengeID: "k1", recoverySignature: Base64Bytes([9]))
        try await api.removePasskey(credentialID: "cred_-1", confirmation: confirmation, token: "tok")
        try await api.replaceRecovery(
            RecoveryEnrollment(
                keyID: Base64Bytes([UInt8](repeating: 1, count: 16)), wrappedRootKey: Base64Bytes([2]),
                authPublicKey: Base64Bytes([3])), confirmation: confirmation, token: "tok")
        try await api.logout(token: "tok")

        let requests = transport.requests
        #expect(
            requests.map(\.url) == [
                "https://sotto.example/v1/accounts/login/begin", "https://sotto.example/v1/account",
                "https://sotto.example/v1/account/passkeys/cred_-1", "https://sotto.example/v1/account/recovery",
                "https://sotto.example/v1/account/logout",
            ])
        #expect(requests.map(\.method) == [.post, .get, .delete, .put, .post])
        #expect(requests[0].headers["Authorization"] == nil)
        #expect(requests[0].headers["Content-Type"] == "application/json")
        let login = try Self.json(requests[0])
        #expect(login["version"] as? Int == 1)
        #expect(login["credential_ids"] as? [String] == ["abc"])
        #expect(requests[1].body.isEmpty)
        for request in requests.dropFirst() { #expect(request.headers["Authorization"] == "Bearer tok") }
        let recovery = try #require(try Self.json(requests[3])["recovery"] as? [String: Any])
        #expect(recovery["key_id"] as? String == Data([UInt8](repeating: 1, count: 16)).base64EncodedString())
        #expect(Set(recovery.keys) == ["key_id", "wrapped_root_key", "auth_public_key"])
        // The removal's confirmation travels as the DELETE's body, as the recovery's beside it.
        for request in [requests[2], requests[3]] {
            let sent = try #require(try Self.json(request)["confirmation"] as? [String: Any])
            #expect(sent["challenge_id"] as? String == "k1")
            #expect(sent["recovery_signature"] as? String == Data([9]).base64EncodedString())
        }
        await #expect(throws: AccountError.self) {
            try await api.removePasskey(credentialID: "../x", confirmation: confirmation, token: "tok")
        }
    }

    @Test func refusalsMapToActionableErrors() async throws {
        func refusal(_ status: Int, _ body: String, headers: [String: String] = [:]) async -> AccountAPIError? {
            let api = AccountAPI(
                serverURL: "http://127.0.0.1:1",
                transport: ScriptedHTTPTransport { _ in ScriptedHTTPTransport.json(status, text: body, headers: headers)
                })
            return await #expect(throws: AccountAPIError.self) { try await api.account(token: "t") }
        }
        let session = await refusal(401, #"{"code":"SOTTO-AUTH-SESSION","message":"expired"}"#)
        #expect(session?.needsLogin == true)
        #expect(session?.code == "SOTTO-AUTH-SESSION")
        #expect(session?.message.contains("log in again") == true)
        #expect(session?.serverMessage == "expired")

        let limited = await refusal(
            429, #"{"code":"SOTTO-AUTH-RATE-LIMITED","message":"slow down"}"#, headers: ["retry-after": "30"])
        #expect(limited?.known == .rateLimited)
        #expect(limited?.retryAfterSeconds == 30)
        #expect(limited?.message.contains("try again in 30 seconds") == true)
        // A request rate limit names its wait in words too.
        let busy = await refusal(
            429, #"{"code":"SOTTO-RATE-LIMITED","message":"slow down"}"#, headers: ["retry-after": "150"])
        #expect(busy?.known == .requestRateLimited)
        #expect(busy?.message.contains("too many requests") == true)
        #expect(busy?.message.contains("try again in 3 minutes") == true)

        let last = await refusal(409, #"{"code":"SOTTO-AUTH-LAST-PASSKEY","message":"no"}"#)
        #expect(last?.message.contains("sotto passkeys add") == true)

        let old = await refusal(404, "<html>not found</html>")
        #expect(old?.code == "SOTTO-HTTP-404")
        #expect(old?.message.contains("does not offer accounts") == true)

        let api = AccountAPI(
            serverURL: "http://127.0.0.1:1",
            transport: ScriptedHTTPTransport { _ in ScriptedHTTPTransport.json(200, text: "[]") })
        let malformed = await #expect(throws: AccountError.self) { try await api.registerBegin() }
        #expect(malformed?.code == .malformedResponse)

        let offline = AccountAPI(
            serverURL: "http://127.0.0.1:1", transport: ScriptedHTTPTransport { _ in throw NetError(.connect, "down") })
        let network = await #expect(throws: NetError.self) { try await offline.registerBegin() }
        #expect(network?.code == .connect)
    }
}
