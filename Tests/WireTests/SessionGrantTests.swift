import Foundation
import Testing
import Wire

/// A session token is a bearer credential: it travels in JSON, and nowhere else.
@Suite struct SessionGrantTests {
    @Test func theTokenIsInTheJSONButNotInDescriptionsOrDumps() throws {
        let token = "tok-" + UUID().uuidString
        let grant = SessionGrant(
            accountID: try AccountID("acct"), token: token, expiresAt: 1_900_000_000, credentialID: "cred")
        var dumped = ""
        dump(grant, to: &dumped)
        #expect(!dumped.contains(token))
        #expect(!"\(grant)".contains(token) && !String(reflecting: grant).contains(token))
        #expect(dumped.contains("acct"))
        let json = String(decoding: try JSONEncoder().encode(grant), as: UTF8.self)
        #expect(json.contains(token))
        #expect(try JSONDecoder().decode(SessionGrant.self, from: Data(json.utf8)) == grant)
    }
}
