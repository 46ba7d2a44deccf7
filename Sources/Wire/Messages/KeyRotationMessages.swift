/// The JSON bodies of root key rotation (docs/PROTOCOL.md §5.8): the new root key is first
/// stored wrapped for the rotating passkey, then, once every record is sealed under it, every
/// wrapped copy of the old root is replaced at once.

/// `POST /v1/account/keys/rotation/begin`: the new root key, wrapped under the KEK of the
/// passkey that rotates, kept by the server until the rotation finishes.
public struct KeyRotationBeginRequest: Codable, Sendable {
    public var version: Int
    /// The rotating passkey (base64url); it must be the account's.
    public var credentialID: String
    /// The serialised `WrappedRootKey` of the new root under that passkey's KEK (90 bytes).
    public var wrappedRootKey: Base64Bytes
    /// The confirmation of `ConfirmedOperation.rotateKeys` for this request's `digest`.
    public var confirmation: AccountConfirmation?

    public init(credentialID: String, wrappedRootKey: Base64Bytes, confirmation: AccountConfirmation? = nil) {
        self.version = Wire.protocolVersion
        self.credentialID = credentialID
        self.wrappedRootKey = wrappedRootKey
        self.confirmation = confirmation
    }

    /// What a confirmation of this request signs: SHA-256 of `"sotto/rotate-keys/begin/v1" ‖
    /// lp(credential id) ‖ lp(wrapped root key)`, `lp` as in `ConfirmedOperation.challenge`.
    public var digest: [UInt8] {
        KeyRotationDigest.of("sotto/rotate-keys/begin/v1", [Array(credentialID.utf8), wrappedRootKey.bytes])
    }

    enum CodingKeys: String, CodingKey {
        case version
        case credentialID = "credential_id"
        case wrappedRootKey = "wrapped_root_key"
        case confirmation
    }
}

/// The rotation the server holds for the account: the one just begun, or, when the same passkey
/// had begun one before, that earlier one (the client continues it instead of starting over).
public struct KeyRotationBeginResponse: Codable, Hashable, Sendable {
    public var version: Int
    /// The rotating passkey (base64url).
    public var credentialID: String
    /// The new root wrapped under that passkey's KEK, as first stored.
    public var wrappedRootKey: Base64Bytes
    /// When the rotation began, seconds since 1970.
    public var startedAt: Int64

    public init(credentialID: String, wrappedRootKey: Base64Bytes, startedAt: Int64) {
        self.version = Wire.protocolVersion
        self.credentialID = credentialID
        self.wrappedRootKey = wrappedRootKey
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case version
        case credentialID = "credential_id"
        case wrappedRootKey = "wrapped_root_key"
        case startedAt = "started_at"
    }
}

/// One passkey kept through a rotation, with the new root wrapped under its KEK.
public struct RewrappedPasskey: Codable, Hashable, Sendable {
    /// base64url.
    public var credentialID: String
    /// The serialised `WrappedRootKey` of the new root (90 bytes).
    public var wrappedRootKey: Base64Bytes

    public init(credentialID: String, wrappedRootKey: Base64Bytes) {
        self.credentialID = credentialID
        self.wrappedRootKey = wrappedRootKey
    }

    enum CodingKeys: String, CodingKey {
        case credentialID = "credential_id"
        case wrappedRootKey = "wrapped_root_key"
    }
}

/// `POST /v1/account/keys/rotation/finish`: the passkeys that stay (every other one is removed),
/// the new recovery enrollment, and the last record sequence the client saw: the server refuses
/// when the account's records changed since, so nothing written under the old root is left behind.
public struct KeyRotationFinishRequest: Codable, Sendable {
    public var version: Int
    /// The passkeys kept, each with the new root wrapped for it; the rotating one among them.
    public var passkeys: [RewrappedPasskey]
    /// The new recovery key's enrollment (the old one stops working).
    public var recovery: RecoveryEnrollment
    /// The account's last record sequence as the client pulled it after re-sealing.
    public var lastSequence: Int64
    /// The confirmation of `ConfirmedOperation.rotateKeys` for this request's `digest`.
    public var confirmation: AccountConfirmation?

    public init(
        passkeys: [RewrappedPasskey], recovery: RecoveryEnrollment, lastSequence: Int64,
        confirmation: AccountConfirmation? = nil
    ) {
        self.version = Wire.protocolVersion
        self.passkeys = passkeys
        self.recovery = recovery
        self.lastSequence = lastSequence
        self.confirmation = confirmation
    }

    /// What a confirmation of this request signs: SHA-256 of `"sotto/rotate-keys/finish/v1" ‖
    /// lp(u32 number of passkeys) ‖ for each passkey lp(credential id) ‖ lp(wrapped root key) ‖
    /// lp(recovery key id) ‖ lp(its wrapped root key) ‖ lp(its auth public key) ‖
    /// lp(u64 last sequence)`, all big-endian, `lp` as in `ConfirmedOperation.challenge`.
    public var digest: [UInt8] {
        var fields: [[UInt8]] = [KeyRotationDigest.bigEndian(UInt64(passkeys.count), bytes: 4)]
        for passkey in passkeys { fields += [Array(passkey.credentialID.utf8), passkey.wrappedRootKey.bytes] }
        fields += [recovery.keyID.bytes, recovery.wrappedRootKey.bytes, recovery.authPublicKey.bytes]
        fields.append(KeyRotationDigest.bigEndian(UInt64(bitPattern: lastSequence), bytes: 8))
        return KeyRotationDigest.of("sotto/rotate-keys/finish/v1", fields)
    }

    enum CodingKeys: String, CodingKey {
        case version, passkeys, recovery
        case lastSequence = "last_sequence"
        case confirmation
    }
}

/// The digests rotation requests are confirmed by: a domain label, then each field as a u32
/// big-endian length and its bytes, hashed with SHA-256.
enum KeyRotationDigest {
    static func of(_ domain: String, _ fields: [[UInt8]]) -> [UInt8] {
        var message = Array(domain.utf8)
        for field in fields { message += bigEndian(UInt64(field.count), bytes: 4) + field }
        return HashFunction.sha256.hash(message)
    }

    static func bigEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
