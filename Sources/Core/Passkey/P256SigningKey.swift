import Crypto
import Foundation
import Wire

/// ES256 with a private scalar kept in `SecureBytes`: swift-crypto builds its key object only
/// for the moment of each operation.
enum P256SigningKey {
    /// Whether `scalar` is a valid P-256 private key (in [1, n-1]).
    static func isValid(_ scalar: SecureBytes) -> Bool {
        (try? scalar.withUnsafeBytes { try P256.Signing.PrivateKey(rawRepresentation: $0) }) != nil
    }

    /// The public key of `scalar` as a COSE ES256 key.
    static func publicKey(of scalar: SecureBytes) throws -> COSEKey {
        let key = try scalar.withUnsafeBytes { try P256.Signing.PrivateKey(rawRepresentation: $0) }
        let point = Array(key.publicKey.x963Representation)
        return try COSEKey(
            algorithm: .es256, parameters: .ec2(curve: .p256, x: Array(point[1...32]), y: Array(point[33...64])))
    }

    /// The DER ECDSA signature of `message` (SHA-256) under `scalar`.
    static func sign(_ message: [UInt8], with scalar: SecureBytes) throws -> [UInt8] {
        let key = try scalar.withUnsafeBytes { try P256.Signing.PrivateKey(rawRepresentation: $0) }
        return Array(try key.signature(for: message).derRepresentation)
    }
}
