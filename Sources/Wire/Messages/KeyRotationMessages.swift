/// The JSON bodies of root key rotation (docs/PROTOCOL.md §5.8): the new root key is first
/// stored wrapped for the rotating passkey, then, once every record is sealed under it, every
/// wrapped copy of the old root is replaced at once.

/// `POST /v1/account/keys/rotation/begin`: the new root key, wrapped under the KEK of the
/// passkey that rotates, kept by the server until the rotation finishes.
public struct KeyRotationBeginRequest: Codable, Hashable, Sendable {
    public var version: Int
    /// The rotating passkey (base64url); it must be the account's.
    public var credentialID: String
    /// The serialised `WrappedRootKey` of the new root under that passkey's KEK (90 bytes).
    public var wrappedRootKey: Base64Bytes

    public init(credentialID: String, wrappedRootKey: Base64Bytes) {
        self.version = Wire.protocolVersion
        self.credentialID = credentialID
        self.wrappedRootKey = wrappedRootKey
    }

    enum CodingKeys: String, CodingKey {
        case version
        case credentialID = "credential_id"
        case wrappedRootKey = "wrapped_root_key"
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
public struct KeyRotationFinishRequest: Codable, Hashable, Sendable {
    public var version: Int
    /// The passkeys kept, each with the new root wrapped for it; the rotating one among them.
    public var passkeys: [RewrappedPasskey]
    /// The new recovery key's enrollment (the old one stops working).
    public var recovery: RecoveryEnrollment
    /// The account's last record sequence as the client pulled it after re-sealing.
    public var lastSequence: Int64

    public init(passkeys: [RewrappedPasskey], recovery: RecoveryEnrollment, lastSequence: Int64) {
        self.version = Wire.protocolVersion
        self.passkeys = passkeys
        self.recovery = recovery
        self.lastSequence = lastSequence
    }

    enum CodingKeys: String, CodingKey {
        case version, passkeys, recovery
        case lastSequence = "last_sequence"
    }
}
