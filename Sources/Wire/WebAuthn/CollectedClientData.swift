import Foundation

/// The client's view of a ceremony: clientDataJSON (WebAuthn L3 §5.8.1). The relying party
/// checks it, then hashes the exact bytes it received into the signed data.
public struct CollectedClientData: Hashable, Sendable {
    /// The ceremony types.
    public enum CeremonyType: String, Sendable {
        case create = "webauthn.create"
        case get = "webauthn.get"
    }

    /// The bytes as received; SHA-256 of them is signed.
    public let bytes: [UInt8]
    /// "webauthn.create" or "webauthn.get", unchecked.
    public let type: String
    /// The challenge, decoded from base64url.
    public let challenge: [UInt8]
    /// The origin of the page that ran the ceremony.
    public let origin: String
    /// Whether it ran in a frame not same-origin with its ancestors.
    public let crossOrigin: Bool
    /// The top-level origin when it ran in such a frame.
    public let topOrigin: String?

    private struct Fields: Decodable {
        let type: String
        let challenge: String
        let origin: String
        let crossOrigin: Bool?
        let topOrigin: String?
    }

    /// Parses clientDataJSON. Members other than these five are ignored, as the specification
    /// requires (clients may add more).
    /// - Throws: `WebAuthnError` `.clientDataMalformed`, or `.base64URL` for the challenge.
    public init(bytes: [UInt8]) throws(WebAuthnError) {
        self.bytes = bytes
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(bytes))
        } catch {
            throw WebAuthnError(
                .clientDataMalformed,
                "clientDataJSON (\(bytes.count) bytes) is not a JSON object with string members type, challenge and origin"
            )
        }
        type = fields.type
        challenge = try Base64URL.decode(fields.challenge, field: "clientDataJSON's challenge")
        origin = fields.origin
        crossOrigin = fields.crossOrigin ?? false
        topOrigin = fields.topOrigin
    }

    /// SHA-256 of the bytes, which the authenticator signs after the authenticator data.
    public var hash: [UInt8] { HashFunction.sha256.hash(bytes) }
}
