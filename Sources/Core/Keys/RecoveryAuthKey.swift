import Wire

/// The recovery key's Ed25519 key pair (docs/PROTOCOL.md §5.4): the server stores the public
/// half and lets the recovery key in when it signs the server's challenge. Deriving it from the
/// recovery key means nothing else has to be kept: the written-down key is enough.
public struct RecoveryAuthKey: Sendable {
    /// HKDF-SHA-256 info of the 32-byte Ed25519 seed.
    static let info: [UInt8] = Array("sotto/recovery-auth/v1".utf8)

    private let signingKey: Ed25519.SigningKey

    /// The key pair of `recoveryKey`: seed = HKDF-SHA-256(salt empty, IKM recovery key,
    /// info "sotto/recovery-auth/v1"), 32 bytes.
    public init(recoveryKey: RecoveryKey) throws {
        let seed = try HKDF.deriveKey(
            .sha256, ikm: recoveryKey.secret, salt: [UInt8](), info: Self.info, length: Ed25519.seedByteCount)
        signingKey = try Ed25519.SigningKey(seed: seed)
    }

    /// The public key the server keeps (32 bytes).
    public var publicKey: [UInt8] { signingKey.publicKey }

    /// The signature `recover/finish` sends: Ed25519 over
    /// `RecoveryBeginResponse.signedMessage(accountID:challenge:)`.
    public func signRecovery(accountID: AccountID, challenge: [UInt8]) -> [UInt8] {
        signingKey.sign(RecoveryBeginResponse.signedMessage(accountID: accountID, challenge: challenge))
    }

    /// The signature that confirms a sensitive change instead of a passkey: Ed25519 over
    /// `ConfirmedOperation.recoverySignedMessage(challenge:)`.
    public func signConfirmation(challenge: [UInt8]) -> [UInt8] {
        signingKey.sign(ConfirmedOperation.recoverySignedMessage(challenge: challenge))
    }
}

extension RecoveryAuthKey: CustomStringConvertible, CustomReflectable {
    /// The public key only.
    public var description: String { "RecoveryAuthKey(public \(Hex.encode(publicKey)))" }
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": Hex.encode(publicKey)]) }
}
