import Crypto
import Foundation
import Synchronization
import Wire

/// A fake passkey for tests, not an authenticator: one ES256 (P-256) or EdDSA credential that
/// answers WebAuthn ceremonies as a platform authenticator would (attestation `none`), with
/// knobs that break one check at a time.
public final class TestAuthenticator: Sendable {
    /// The credential's algorithm.
    public enum Algorithm: Sendable { case es256, eddsa }

    /// What to get wrong in one response.
    public struct Tamper: Sendable {
        /// clientDataJSON's origin instead of `https://` + RP ID.
        public var origin: String?
        /// The RP ID hashed into the authenticator data instead of the credential's.
        public var rpID: String?
        /// Clear to leave the UV flag unset.
        public var userVerified = true
        /// clientDataJSON's type instead of the ceremony's.
        public var clientDataType: String?
        /// Flip a bit of the assertion signature.
        public var corruptSignature = false
        /// The counter to report instead of the next one.
        public var signCount: UInt32?
        /// Nothing tampered with.
        public init() {}
    }

    /// The credential id (32 random bytes).
    public let credentialID: [UInt8]
    /// The RP ID it answers for.
    public let rpID: String
    private let signer: Signer
    private let counter = Mutex<UInt32>(0)

    private enum Signer: Sendable {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Ed25519.SigningKey)
    }

    /// A fresh credential for `rpID`.
    public init(algorithm: Algorithm = .es256, rpID: String = "localhost") {
        credentialID = SecureRandom.bytes(32)
        self.rpID = rpID
        signer =
            switch algorithm {
            case .es256: .p256(P256.Signing.PrivateKey())
            case .eddsa: .ed25519(Ed25519.SigningKey.generate())
            }
    }

    /// The credential public key as COSE.
    public var publicKey: COSEKey {
        switch signer {
        case .p256(let key):
            let point = Array(key.publicKey.x963Representation)
            return try! COSEKey(
                algorithm: .es256, parameters: .ec2(curve: .p256, x: Array(point[1...32]), y: Array(point[33...])))
        case .ed25519(let key):
            return try! COSEKey(algorithm: .eddsa, parameters: .ed25519(x: key.publicKey))
        }
    }

    /// The response to a registration with `options`.
    public func register(
        _ options: WebAuthnJSON.CreationOptions, tamper: Tamper = Tamper()
    )
        -> WebAuthnJSON
        .RegistrationResponse
    {
        let clientData = clientDataJSON(
            type: tamper.clientDataType ?? "webauthn.create", challenge: options.challenge, tamper: tamper)
        // AAGUID (zero, as with attestation none) ‖ u16 id length ‖ id ‖ COSE key.
        let length = [UInt8(credentialID.count >> 8), UInt8(credentialID.count & 0xff)]
        let attested = [UInt8](repeating: 0, count: 16) + length + credentialID + publicKey.encoded
        let authData = authenticatorData(flags: 0x40, signCount: 0, tamper: tamper) + attested
        let object = CBOREncoder.encode(
            .map([
                CBORMapEntry(.text("fmt"), .text("none")), CBORMapEntry(.text("attStmt"), .map([])),
                CBORMapEntry(.text("authData"), .bytes(authData)),
            ]))
        return Self.decode([
            "id": Base64URL.encode(credentialID), "rawId": Base64URL.encode(credentialID), "type": "public-key",
            "response": [
                "clientDataJSON": Base64URL.encode(clientData), "attestationObject": Base64URL.encode(object),
            ],
        ])
    }

    /// The assertion answering `options`, with the next signature counter.
    public func assert(
        _ options: WebAuthnJSON.RequestOptions, userHandle: [UInt8]? = nil, tamper: Tamper = Tamper()
    )
        -> WebAuthnJSON.AuthenticationResponse
    {
        let count =
            tamper.signCount
            ?? counter.withLock {
                $0 += 1; return $0
            }
        let clientData = clientDataJSON(
            type: tamper.clientDataType ?? "webauthn.get", challenge: options.challenge, tamper: tamper)
        let authData = authenticatorData(flags: 0, signCount: count, tamper: tamper)
        var signature = sign(authData + HashFunction.sha256.hash(clientData))
        if tamper.corruptSignature { signature[signature.count / 2] ^= 1 }
        var response: [String: Any] = [
            "clientDataJSON": Base64URL.encode(clientData), "authenticatorData": Base64URL.encode(authData),
            "signature": Base64URL.encode(signature),
        ]
        if let userHandle { response["userHandle"] = Base64URL.encode(userHandle) }
        return Self.decode([
            "id": Base64URL.encode(credentialID), "rawId": Base64URL.encode(credentialID), "type": "public-key",
            "response": response,
        ])
    }

    private func clientDataJSON(type: String, challenge: String, tamper: Tamper) -> [UInt8] {
        let object: [String: Any] = [
            "type": type, "challenge": challenge, "origin": tamper.origin ?? "https://\(rpID)", "crossOrigin": false,
        ]
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    private func authenticatorData(flags: UInt8, signCount: UInt32, tamper: Tamper) -> [UInt8] {
        let userFlags: UInt8 = tamper.userVerified ? 0x05 : 0x01
        return HashFunction.sha256.hash(Array((tamper.rpID ?? rpID).utf8)) + [flags | userFlags]
            + withUnsafeBytes(of: signCount.bigEndian, Array.init)
    }

    private func sign(_ message: [UInt8]) -> [UInt8] {
        switch signer {
        case .p256(let key): Array(try! key.signature(for: message).derRepresentation)
        case .ed25519(let key): key.sign(message)
        }
    }

    private static func decode<T: Decodable>(_ object: [String: Any]) -> T {
        try! JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
    }
}
