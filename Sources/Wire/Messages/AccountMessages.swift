/// The JSON bodies of the account endpoints (docs/PROTOCOL.md §5). Binary fields are standard
/// base64 (`Base64Bytes`); credential ids are base64url text, as WebAuthn's JSON writes them.
/// Every request and response carries `version` (1).

/// A session the server granted: the bearer token the client sends as
/// `Authorization: Bearer <token>` until `expires_at`.
public struct SessionGrant: Codable, Hashable, Sendable, CustomStringConvertible, CustomReflectable {
    public var accountID: AccountID
    /// 32 random bytes, base64url without padding. The server stores only its SHA-256.
    public var token: String
    /// Seconds since 1970.
    public var expiresAt: Int64
    /// The passkey that opened the session (base64url), absent for a recovery-key session.
    public var credentialID: String?

    public init(accountID: AccountID, token: String, expiresAt: Int64, credentialID: String?) {
        self.accountID = accountID
        self.token = token
        self.expiresAt = expiresAt
        self.credentialID = credentialID
    }

    /// Never prints the token.
    public var description: String { "SessionGrant(account \(accountID), expires \(expiresAt), token redacted)" }

    /// `dump` and debuggers see no token either.
    public var customMirror: Mirror {
        Mirror(self, children: ["accountID": accountID, "expiresAt": expiresAt, "credentialID": credentialID as Any])
    }

    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case token
        case expiresAt = "expires_at"
        case credentialID = "credential_id"
    }
}

/// What the server keeps to let the recovery key in: the root key wrapped under the recovery
/// KEK, that KEK's public id, and an Ed25519 public key derived from the recovery key whose
/// signature proves possession (docs/PROTOCOL.md §5.4).
public struct RecoveryEnrollment: Codable, Hashable, Sendable {
    /// The recovery KEK's public id (16 bytes).
    public var keyID: Base64Bytes
    /// The serialised `WrappedRootKey` (90 bytes).
    public var wrappedRootKey: Base64Bytes
    /// Ed25519 public key (32 bytes).
    public var authPublicKey: Base64Bytes

    public init(keyID: Base64Bytes, wrappedRootKey: Base64Bytes, authPublicKey: Base64Bytes) {
        self.keyID = keyID
        self.wrappedRootKey = wrappedRootKey
        self.authPublicKey = authPublicKey
    }

    enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case wrappedRootKey = "wrapped_root_key"
        case authPublicKey = "auth_public_key"
    }
}

/// A passkey being registered: the WebAuthn credential plus what the client sealed for it.
public struct PasskeyEnrollment: Codable, Sendable {
    /// The registration response, as WebAuthn's JSON serialisation.
    public var credential: WebAuthnJSON.RegistrationResponse
    /// "security-key" or "software-passkey".
    public var kind: String
    /// A name the user chose or the client proposed ("YubiKey 5", "laptop software passkey").
    public var name: String
    /// The root key wrapped under this passkey's KEK (serialised `WrappedRootKey`).
    public var wrappedRootKey: Base64Bytes

    public init(credential: WebAuthnJSON.RegistrationResponse, kind: String, name: String, wrappedRootKey: Base64Bytes)
    {
        self.credential = credential
        self.kind = kind
        self.name = name
        self.wrappedRootKey = wrappedRootKey
    }

    enum CodingKeys: String, CodingKey {
        case credential, kind, name
        case wrappedRootKey = "wrapped_root_key"
    }
}

/// Empty body with a version, for the `begin` calls that take no argument.
public struct VersionOnlyRequest: Codable, Hashable, Sendable {
    public var version: Int
    public init(version: Int = Wire.protocolVersion) { self.version = version }
}

/// `POST /v1/accounts/register/begin` and `POST /v1/account/passkeys/begin`: a challenge and
/// the creation options. For a new account the server has chosen its id and user handle.
public struct RegistrationBeginResponse: Codable, Sendable {
    public var version: Int
    public var challengeID: String
    public var accountID: AccountID
    public var options: WebAuthnJSON.CreationOptions

    public init(challengeID: String, accountID: AccountID, options: WebAuthnJSON.CreationOptions) {
        self.version = Wire.protocolVersion
        self.challengeID = challengeID
        self.accountID = accountID
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case version
        case challengeID = "challenge_id"
        case accountID = "account_id"
        case options
    }
}

/// `POST /v1/accounts/register/finish`: the first passkey and the recovery enrollment.
public struct RegistrationFinishRequest: Codable, Sendable {
    public var version: Int
    public var challengeID: String
    public var passkey: PasskeyEnrollment
    public var recovery: RecoveryEnrollment

    public init(challengeID: String, passkey: PasskeyEnrollment, recovery: RecoveryEnrollment) {
        self.version = Wire.protocolVersion
        self.challengeID = challengeID
        self.passkey = passkey
        self.recovery = recovery
    }

    enum CodingKeys: String, CodingKey {
        case version
        case challengeID = "challenge_id"
        case passkey, recovery
    }
}

/// The answer to a finished registration, login or recovery: a session, and for login and
/// recovery the wrapped root key the client unwraps with its KEK.
public struct SessionResponse: Codable, Sendable {
    public var version: Int
    public var session: SessionGrant
    /// The copy of the root key for the credential (or recovery key) that authenticated.
    public var wrappedRootKey: Base64Bytes?
    /// The passkey's kind, as registered ("security-key", "software-passkey").
    public var passkeyKind: String?
    /// Set when the authenticator's signature counter went backwards: a possible clone.
    public var signCountRegressed: Bool

    public init(
        session: SessionGrant, wrappedRootKey: Base64Bytes?, passkeyKind: String?, signCountRegressed: Bool = false
    ) {
        self.version = Wire.protocolVersion
        self.session = session
        self.wrappedRootKey = wrappedRootKey
        self.passkeyKind = passkeyKind
        self.signCountRegressed = signCountRegressed
    }

    enum CodingKeys: String, CodingKey {
        case version, session
        case wrappedRootKey = "wrapped_root_key"
        case passkeyKind = "passkey_kind"
        case signCountRegressed = "sign_count_regressed"
    }
}

/// `POST /v1/accounts/login/begin`: optional credential ids (base64url) to allow; empty or
/// absent asks for a discoverable credential.
public struct LoginBeginRequest: Codable, Hashable, Sendable {
    public var version: Int
    public var credentialIDs: [String]?

    public init(credentialIDs: [String]? = nil) {
        self.version = Wire.protocolVersion
        self.credentialIDs = credentialIDs
    }

    enum CodingKeys: String, CodingKey {
        case version
        case credentialIDs = "credential_ids"
    }
}

/// The answer to `login/begin`: a challenge and the request options.
public struct LoginBeginResponse: Codable, Sendable {
    public var version: Int
    public var challengeID: String
    public var options: WebAuthnJSON.RequestOptions

    public init(challengeID: String, options: WebAuthnJSON.RequestOptions) {
        self.version = Wire.protocolVersion
        self.challengeID = challengeID
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case version
        case challengeID = "challenge_id"
        case options
    }
}

/// `POST /v1/accounts/login/finish`.
public struct LoginFinishRequest: Codable, Sendable {
    public var version: Int
    public var challengeID: String
    public var credential: WebAuthnJSON.AuthenticationResponse

    public init(challengeID: String, credential: WebAuthnJSON.AuthenticationResponse) {
        self.version = Wire.protocolVersion
        self.challengeID = challengeID
        self.credential = credential
    }

    enum CodingKeys: String, CodingKey {
        case version
        case challengeID = "challenge_id"
        case credential
    }
}

/// `POST /v1/accounts/recover/begin`: the recovery KEK's public id.
public struct RecoveryBeginRequest: Codable, Hashable, Sendable {
    public var version: Int
    public var keyID: Base64Bytes

    public init(keyID: Base64Bytes) {
        self.version = Wire.protocolVersion
        self.keyID = keyID
    }

    enum CodingKeys: String, CodingKey {
        case version
        case keyID = "key_id"
    }
}

/// The answer to `recover/begin`: the account and a 32-byte challenge to sign.
public struct RecoveryBeginResponse: Codable, Hashable, Sendable {
    public var version: Int
    public var challengeID: String
    public var accountID: AccountID
    public var challenge: Base64Bytes

    public init(challengeID: String, accountID: AccountID, challenge: Base64Bytes) {
        self.version = Wire.protocolVersion
        self.challengeID = challengeID
        self.accountID = accountID
        self.challenge = challenge
    }

    enum CodingKeys: String, CodingKey {
        case version
        case challengeID = "challenge_id"
        case accountID = "account_id"
        case challenge
    }

    /// What the recovery key's Ed25519 key signs: "sotto/recover/v1" ‖ u16 length ‖ account id
    /// ‖ challenge.
    public static func signedMessage(accountID: AccountID, challenge: [UInt8]) -> [UInt8] {
        let account = Array(accountID.rawValue.utf8)
        return Array("sotto/recover/v1".utf8) + [UInt8(account.count >> 8), UInt8(account.count & 0xff)] + account
            + challenge
    }
}

/// `POST /v1/accounts/recover/finish`: the Ed25519 signature over `signedMessage`.
public struct RecoveryFinishRequest: Codable, Hashable, Sendable {
    public var version: Int
    public var challengeID: String
    public var signature: Base64Bytes

    public init(challengeID: String, signature: Base64Bytes) {
        self.version = Wire.protocolVersion
        self.challengeID = challengeID
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey {
        case version
        case challengeID = "challenge_id"
        case signature
    }
}

/// `POST /v1/account/passkeys/finish`: another passkey, from an unlocked device.
public struct PasskeyAddRequest: Codable, Sendable {
    public var version: Int
    public var challengeID: String
    public var passkey: PasskeyEnrollment
    /// The confirmation of `ConfirmedOperation.addPasskey` for this challenge and credential.
    public var confirmation: AccountConfirmation?

    public init(challengeID: String, passkey: PasskeyEnrollment, confirmation: AccountConfirmation?) {
        self.version = Wire.protocolVersion
        self.challengeID = challengeID
        self.passkey = passkey
        self.confirmation = confirmation
    }

    enum CodingKeys: String, CodingKey {
        case version
        case challengeID = "challenge_id"
        case passkey, confirmation
    }
}

/// `PUT /v1/account/recovery`: replaces the recovery enrollment (rotation).
public struct RecoveryRotateRequest: Codable, Sendable {
    public var version: Int
    public var recovery: RecoveryEnrollment
    /// The confirmation of `ConfirmedOperation.replaceRecovery` for this enrollment.
    public var confirmation: AccountConfirmation?

    public init(recovery: RecoveryEnrollment, confirmation: AccountConfirmation?) {
        self.version = Wire.protocolVersion
        self.recovery = recovery
        self.confirmation = confirmation
    }
}

/// One registered passkey, as `GET /v1/account` lists it.
public struct PasskeySummary: Codable, Hashable, Sendable {
    /// base64url.
    public var credentialID: String
    public var kind: String
    public var name: String
    public var createdAt: Int64
    public var lastUsedAt: Int64?
    public var signCount: UInt32

    public init(
        credentialID: String, kind: String, name: String, createdAt: Int64, lastUsedAt: Int64?, signCount: UInt32
    ) {
        self.credentialID = credentialID
        self.kind = kind
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.signCount = signCount
    }

    enum CodingKeys: String, CodingKey {
        case credentialID = "credential_id"
        case kind, name
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case signCount = "sign_count"
    }
}

/// `GET /v1/account`: the account, its passkeys, when the recovery key was last set, and the
/// passkey of the calling session.
public struct AccountSummary: Codable, Hashable, Sendable {
    public var version: Int
    public var accountID: AccountID
    public var passkeys: [PasskeySummary]
    public var recoveryUpdatedAt: Int64?
    public var sessionCredentialID: String?

    public init(
        accountID: AccountID, passkeys: [PasskeySummary], recoveryUpdatedAt: Int64?, sessionCredentialID: String?
    ) {
        self.version = Wire.protocolVersion
        self.accountID = accountID
        self.passkeys = passkeys
        self.recoveryUpdatedAt = recoveryUpdatedAt
        self.sessionCredentialID = sessionCredentialID
    }

    enum CodingKeys: String, CodingKey {
        case version
        case accountID = "account_id"
        case passkeys
        case recoveryUpdatedAt = "recovery_updated_at"
        case sessionCredentialID = "session_credential_id"
    }
}

/// The body of every error answer outside the chat channel: `{"code": "SOTTO-…", "message": "…"}`.
public struct ErrorBody: Codable, Hashable, Sendable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
