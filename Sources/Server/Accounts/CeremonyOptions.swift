import Foundation
import Wire

/// Builds the WebAuthn options the begin calls return. Wire's option types decode from JSON
/// only, so they are written as JSON and read back: the options are exactly what a client
/// decodes.
enum CeremonyOptions {
    /// The credential algorithms offered and accepted: ES256 and EdDSA.
    static let algorithms: [COSEAlgorithm] = [.es256, .eddsa]

    /// Creation options for user `userHandle` of `accountID`, user verification required.
    static func creation(
        party: RelyingParty, partyName: String, accountID: AccountID, userHandle: [UInt8], challenge: [UInt8]
    ) throws -> WebAuthnJSON.CreationOptions {
        let object: [String: Any] = [
            "rp": ["id": party.id, "name": partyName],
            "user": [
                "id": Base64URL.encode(userHandle), "name": accountID.rawValue, "displayName": "Sotto account",
            ],
            "challenge": Base64URL.encode(challenge),
            "pubKeyCredParams": algorithms.map { ["type": "public-key", "alg": $0.rawValue] as [String: Any] },
            "authenticatorSelection": ["userVerification": "required"],
            "attestation": "none",
        ]
        return try decode(object)
    }

    /// Request options, user verification required, allowing `credentialIDs` (any when empty).
    static func request(
        party: RelyingParty, challenge: [UInt8], credentialIDs: [[UInt8]]
    ) throws
        -> WebAuthnJSON.RequestOptions
    {
        var object: [String: Any] = [
            "challenge": Base64URL.encode(challenge), "rpId": party.id, "userVerification": "required",
        ]
        if !credentialIDs.isEmpty {
            object["allowCredentials"] = credentialIDs.map { ["type": "public-key", "id": Base64URL.encode($0)] }
        }
        return try decode(object)
    }

    private static func decode<T: Decodable>(_ object: [String: Any]) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
    }
}
