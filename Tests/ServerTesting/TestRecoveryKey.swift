import Foundation
import Wire

/// A stand-in for the client's recovery key: a key id, a wrapped root key of the right shape
/// (random bytes, never opened) and the Ed25519 key that signs recovery logins.
public struct TestRecoveryKey: Sendable {
    /// The recovery KEK's public id (16 bytes).
    public let keyID: [UInt8]
    /// The recovery copy of the root key.
    public let wrappedRootKey: [UInt8]
    /// Signs `recover/finish` challenges.
    public let signingKey: Ed25519.SigningKey

    /// A fresh random key.
    public init() {
        keyID = SecureRandom.bytes(16)
        wrappedRootKey = TestRecoveryKey.wrappedKey()
        signingKey = Ed25519.SigningKey.generate()
    }

    /// The enrollment a client sends.
    public var enrollment: RecoveryEnrollment {
        RecoveryEnrollment(
            keyID: Base64Bytes(keyID), wrappedRootKey: Base64Bytes(wrappedRootKey),
            authPublicKey: Base64Bytes(signingKey.publicKey))
    }

    /// The signature `recover/finish` expects.
    public func sign(_ begin: RecoveryBeginResponse) -> [UInt8] {
        signingKey.sign(
            RecoveryBeginResponse.signedMessage(accountID: begin.accountID, challenge: begin.challenge.bytes))
    }

    /// The signature that confirms a change whose challenge is `challenge` (§5.7).
    public func signConfirmation(_ challenge: [UInt8]) -> [UInt8] {
        signingKey.sign(ConfirmedOperation.recoverySignedMessage(challenge: challenge))
    }

    /// 90 bytes shaped like a serialised wrapped root key (version 1), random inside.
    public static func wrappedKey() -> [UInt8] { [1] + SecureRandom.bytes(89) }
}
