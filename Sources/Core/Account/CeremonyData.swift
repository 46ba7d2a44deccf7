import Foundation
import Wire

/// What a WebAuthn client adds to a ceremony: clientDataJSON (L3 §5.8.1.1, naming the origin
/// the client really talks to, as a browser names the page's, so the server can tell a relayed
/// ceremony from its own) and the JSON serialisation of the authenticator's answers.
package enum CeremonyData {
    /// clientDataJSON in the specification's member order: type, challenge, origin, crossOrigin.
    package static func clientDataJSON(
        type: CollectedClientData.CeremonyType, challenge: [UInt8], origin: WebOrigin
    ) -> [UInt8] {
        let text =
            "{\"type\":\(quoted(type.rawValue)),\"challenge\":\(quoted(Base64URL.encode(challenge))),"
            + "\"origin\":\(quoted(origin.description)),\"crossOrigin\":false}"
        return Array(text.utf8)
    }

    /// `RegistrationResponseJSON` for a made credential.
    static func registrationResponse(
        _ made: MadeCredential, clientDataJSON: [UInt8]
    ) throws -> WebAuthnJSON.RegistrationResponse {
        let id = Base64URL.encode(made.credentialID)
        return try decode([
            "id": id, "rawId": id, "type": "public-key",
            "response": [
                "clientDataJSON": Base64URL.encode(clientDataJSON),
                "attestationObject": Base64URL.encode(made.attestationObject),
            ],
        ])
    }

    /// `AuthenticationResponseJSON` for an assertion.
    package static func authenticationResponse(
        _ assertion: Assertion, clientDataJSON: [UInt8]
    ) throws -> WebAuthnJSON.AuthenticationResponse {
        let id = Base64URL.encode(assertion.credentialID)
        var response: [String: Any] = [
            "clientDataJSON": Base64URL.encode(clientDataJSON),
            "authenticatorData": Base64URL.encode(assertion.authenticatorData),
            "signature": Base64URL.encode(assertion.signature),
        ]
        if !assertion.userHandle.isEmpty { response["userHandle"] = Base64URL.encode(assertion.userHandle) }
        return try decode(["id": id, "rawId": id, "type": "public-key", "response": response])
    }

    /// The challenge of a server's options (base64url), decoded.
    static func challenge(_ text: String) throws -> [UInt8] {
        do {
            return try Base64URL.decode(text, field: "challenge")
        } catch {
            throw AccountError(.malformedResponse, "the server's WebAuthn challenge is not base64url")
        }
    }

    // Wire's JSON types have no public memberwise initialisers; their Codable form is the
    // interface both ends share, so build them through it.
    private static func decode<T: Decodable>(_ object: [String: Any]) throws -> T {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(T.self, from: data)
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
