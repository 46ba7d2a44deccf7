import Foundation
import Testing
import Wire

/// The JSON serialisations: ceremony detection, and the checks that tie the credential JSON to
/// the options (ids, allowCredentials, type, RP ID).
@Suite("WebAuthn JSON")
struct WebAuthnJSONTests {
    static func b64(_ ceremony: W3CWebAuthnVectors.Ceremony, _ name: String) throws -> String {
        Base64URL.encode(try ceremony.bytes(name))
    }

    static func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object))
    }

    struct Ceremony {
        var creation: [String: Any]
        var registration: [String: Any]
        var request: [String: Any]
        var assertion: [String: Any]
        var key: COSEKey

        init() throws {
            let example = try W3CWebAuthnVectors.get().example("packed-es256")
            let r = example.registration
            let a = example.authentication
            let id = try WebAuthnJSONTests.b64(r, "credential_id")
            creation = [
                "rp": ["id": "example.org", "name": "Example"],
                "user": ["id": "dQ", "name": "u", "displayName": "U"],
                "challenge": try WebAuthnJSONTests.b64(r, "challenge"),
                "pubKeyCredParams": [["type": "public-key", "alg": -7]],
            ]
            registration = [
                "id": id, "rawId": id, "type": "public-key",
                "response": [
                    "clientDataJSON": try WebAuthnJSONTests.b64(r, "clientDataJSON"),
                    "attestationObject": try WebAuthnJSONTests.b64(r, "attestationObject"),
                ],
            ]
            request = ["challenge": try WebAuthnJSONTests.b64(a, "challenge"), "rpId": "example.org"]
            assertion = [
                "id": id, "rawId": id, "type": "public-key",
                "response": [
                    "clientDataJSON": try WebAuthnJSONTests.b64(a, "clientDataJSON"),
                    "authenticatorData": try WebAuthnJSONTests.b64(a, "authenticatorData"),
                    "signature": try WebAuthnJSONTests.b64(a, "signature"),
                ],
            ]
            let object = try AttestationObject(bytes: r.bytes("attestationObject"))
            key = try #require(object.authenticatorData.attestedCredentialData?.publicKey)
        }
    }

    func code(
        _ options: [String: Any], _ response: [String: Any], verifier: WebAuthnJSONVerifier = .init()
    ) throws -> WebAuthnErrorCode? {
        let (o, r) = (try Self.json(options), try Self.json(response))
        do throws(WebAuthnError) {
            _ = try verifier.verify(options: o, response: r, at: W3CWebAuthnVectors.now)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func bothCeremoniesVerify() throws {
        let c = try Ceremony()
        #expect(try code(c.creation, c.registration) == nil)
        #expect(try code(c.request, c.assertion, verifier: .init(credentialPublicKey: c.key)) == nil)
    }

    @Test func ceremoniesMustMatch() throws {
        let c = try Ceremony()
        #expect(try code(c.request, c.registration) == .ceremonyMismatch)
        #expect(try code(c.creation, c.assertion, verifier: .init(credentialPublicKey: c.key)) == .ceremonyMismatch)
        #expect(try code(c.request, c.assertion) == .publicKeyMissing)
    }

    @Test func credentialIDsAndTypeMustAgree() throws {
        let c = try Ceremony()
        var registration = c.registration
        registration["rawId"] = Base64URL.encode([1, 2, 3])
        registration["id"] = Base64URL.encode([1, 2, 3])
        #expect(try code(c.creation, registration) == .credentialIDMismatch)
        var assertion = c.assertion
        assertion["rawId"] = Base64URL.encode([1, 2, 3])
        let verifier = WebAuthnJSONVerifier(credentialPublicKey: c.key)
        #expect(try code(c.request, assertion, verifier: verifier) == .credentialIDMismatch)
        var request = c.request
        request["allowCredentials"] = [["type": "public-key", "id": Base64URL.encode([9])]]
        #expect(try code(request, c.assertion, verifier: verifier) == .credentialIDMismatch)
        request["allowCredentials"] = [["type": "public-key", "id": c.assertion["id"] as! String]]
        #expect(try code(request, c.assertion, verifier: verifier) == nil)
        var typed = c.assertion
        typed["type"] = "password"
        #expect(try code(c.request, typed, verifier: verifier) == .jsonMalformed)
    }

    @Test func optionsDecideRPIDAndUserVerification() throws {
        let c = try Ceremony()
        var request = c.request
        request["rpId"] = nil
        let keyed = WebAuthnJSONVerifier(credentialPublicKey: c.key)
        #expect(try code(request, c.assertion, verifier: keyed) == .jsonMalformed)
        #expect(try code(request, c.assertion, verifier: .init(rpID: "example.org", credentialPublicKey: c.key)) == nil)
        // packed-es256's registration has UV, so "required" passes; the algorithm list is enforced.
        var creation = c.creation
        creation["authenticatorSelection"] = ["userVerification": "required"]
        #expect(try code(creation, c.registration) == nil)
        creation["pubKeyCredParams"] = [["type": "public-key", "alg": -8]]
        #expect(try code(creation, c.registration) == .algorithmNotAllowed)
    }

    @Test func malformedJSON() throws {
        let c = try Ceremony()
        var broken = c.registration
        broken["response"] = ["clientDataJSON": "AA", "attestationObject": 5]
        #expect(try code(c.creation, broken) == .jsonMalformed)
        var badBase64 = c.registration
        badBase64["id"] = "not base64url!"
        #expect(try code(c.creation, badBase64) == .base64URL)
        let verifier = WebAuthnJSONVerifier()
        #expect(throws: WebAuthnError.self) { try verifier.verify(options: Array("[]".utf8), response: [0xff]) }
    }
}
