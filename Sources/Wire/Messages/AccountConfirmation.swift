/// A sensitive account change (docs/PROTOCOL.md §5.7), named precisely enough that a
/// confirmation of one cannot be spent on another: a stolen session token alone cannot add a
/// passkey, remove one or replace the recovery enrollment.
public enum ConfirmedOperation: Hashable, Sendable {
    /// Adding the credential `credentialID`, made for the registration challenge
    /// `registrationChallengeID` of `passkeys/begin`.
    case addPasskey(registrationChallengeID: String, credentialID: [UInt8])
    /// Removing the passkey `credentialID`.
    case removePasskey(credentialID: [UInt8])
    /// Replacing the recovery enrollment with exactly this one.
    case replaceRecovery(RecoveryEnrollment)
    /// A step of a root key rotation (§5.8), named by the SHA-256 digest of its request
    /// (`KeyRotationBeginRequest.digest`, `KeyRotationFinishRequest.digest`).
    case rotateKeys(requestDigest: [UInt8])

    /// The operation's name on the wire ("add-passkey", "remove-passkey", "replace-recovery").
    public var name: String {
        switch self {
        case .addPasskey: "add-passkey"
        case .removePasskey: "remove-passkey"
        case .replaceRecovery: "replace-recovery"
        case .rotateKeys: "rotate-keys"
        }
    }

    /// The fields that name the operation's target, each length-prefixed.
    var subject: [[UInt8]] {
        switch self {
        case .addPasskey(let challengeID, let credentialID): [Array(challengeID.utf8), credentialID]
        case .removePasskey(let credentialID): [credentialID]
        case .replaceRecovery(let recovery):
            [recovery.keyID.bytes, recovery.wrappedRootKey.bytes, recovery.authPublicKey.bytes]
        case .rotateKeys(let digest): [digest]
        }
    }

    /// The WebAuthn challenge a confirmation signs: SHA-256 of
    /// `"sotto/confirm/v1" ‖ lp(account id) ‖ lp(name) ‖ lp(subject fields)… ‖ nonce`, where
    /// `lp` is a u32 big-endian length and the bytes, and the nonce is the server's 32 random
    /// bytes for this confirmation. Both sides compute it: the server from the change it is asked
    /// to make, so an assertion for another change, account or nonce does not verify.
    public func challenge(accountID: AccountID, nonce: [UInt8]) -> [UInt8] {
        var message = Array(Self.domain.utf8)
        for field in [Array(accountID.rawValue.utf8), Array(name.utf8)] + subject {
            let count = UInt32(truncatingIfNeeded: field.count)
            message += [
                UInt8(count >> 24), UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff),
            ]
            message += field
        }
        return HashFunction.sha256.hash(message + nonce)
    }

    /// What the recovery key's Ed25519 key signs to confirm instead of a passkey:
    /// `"sotto/confirm/v1" ‖ challenge`. Recovery logins sign `"sotto/recover/v1" ‖ …`, so
    /// neither signature can stand for the other.
    public static func recoverySignedMessage(challenge: [UInt8]) -> [UInt8] {
        Array(domain.utf8) + challenge
    }

    static let domain = "sotto/confirm/v1"
}

extension ConfirmedOperation: Codable {
    enum CodingKeys: String, CodingKey {
        case kind
        case challengeID = "challenge_id"
        case credentialID = "credential_id"
        case recovery
        case digest
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "add-passkey":
            self = .addPasskey(
                registrationChallengeID: try container.decode(String.self, forKey: .challengeID),
                credentialID: try Self.credentialID(container))
        case "remove-passkey":
            self = .removePasskey(credentialID: try Self.credentialID(container))
        case "replace-recovery":
            self = .replaceRecovery(try container.decode(RecoveryEnrollment.self, forKey: .recovery))
        case "rotate-keys":
            self = .rotateKeys(requestDigest: try container.decode(Base64Bytes.self, forKey: .digest).bytes)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "operation kind must be add-passkey, remove-passkey, replace-recovery or rotate-keys")
        }
    }

    /// A credential id is base64url text, as everywhere in §5.
    private static func credentialID(_ container: KeyedDecodingContainer<CodingKeys>) throws -> [UInt8] {
        let text = try container.decode(String.self, forKey: .credentialID)
        guard let bytes = try? Base64URL.decode(text), !bytes.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .credentialID, in: container, debugDescription: "credential_id must be base64url")
        }
        return bytes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .kind)
        switch self {
        case .addPasskey(let challengeID, let credentialID):
            try container.encode(challengeID, forKey: .challengeID)
            try container.encode(Base64URL.encode(credentialID), forKey: .credentialID)
        case .removePasskey(let credentialID):
            try container.encode(Base64URL.encode(credentialID), forKey: .credentialID)
        case .replaceRecovery(let recovery):
            try container.encode(recovery, forKey: .recovery)
        case .rotateKeys(let digest):
            try container.encode(Base64Bytes(digest), forKey: .digest)
        }
    }
}

/// `POST /v1/account/confirm/begin`: the change about to be asked for.
public struct ConfirmBeginRequest: Codable, Sendable {
    public var version: Int
    public var operation: ConfirmedOperation

    public init(operation: ConfirmedOperation) {
        self.version = Wire.protocolVersion
        self.operation = operation
    }
}

/// The answer to `confirm/begin`: request options whose challenge is the operation's
/// (`ConfirmedOperation.challenge`), allowing the account's passkeys, and the nonce it was
/// made from, so the client can check it is confirming what it means to.
public struct ConfirmBeginResponse: Codable, Sendable {
    public var version: Int
    public var challengeID: String
    public var nonce: Base64Bytes
    public var options: WebAuthnJSON.RequestOptions

    public init(challengeID: String, nonce: Base64Bytes, options: WebAuthnJSON.RequestOptions) {
        self.version = Wire.protocolVersion
        self.challengeID = challengeID
        self.nonce = nonce
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case version
        case challengeID = "challenge_id"
        case nonce, options
    }
}

/// The proof a sensitive change carries: an assertion by one of the account's passkeys, or a
/// signature by its recovery key, over the operation's challenge, for a `confirm/begin`
/// challenge at most a few minutes old and used once.
public struct AccountConfirmation: Codable, Sendable {
    public var challengeID: String
    /// A passkey's assertion (AuthenticationResponseJSON).
    public var credential: WebAuthnJSON.AuthenticationResponse?
    /// Or the recovery key's Ed25519 signature over `ConfirmedOperation.recoverySignedMessage`.
    public var recoverySignature: Base64Bytes?

    public init(
        challengeID: String, credential: WebAuthnJSON.AuthenticationResponse? = nil,
        recoverySignature: Base64Bytes? = nil
    ) {
        self.challengeID = challengeID
        self.credential = credential
        self.recoverySignature = recoverySignature
    }

    enum CodingKeys: String, CodingKey {
        case challengeID = "challenge_id"
        case credential
        case recoverySignature = "recovery_signature"
    }
}

/// `DELETE /v1/account/passkeys/<id>`'s body: the confirmation of that removal.
public struct PasskeyRemoveRequest: Codable, Sendable {
    public var version: Int
    public var confirmation: AccountConfirmation?

    public init(confirmation: AccountConfirmation?) {
        self.version = Wire.protocolVersion
        self.confirmation = confirmation
    }
}
