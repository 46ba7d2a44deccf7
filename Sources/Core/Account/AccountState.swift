import Wire

/// The passkey this device unlocks with, as remembered in its account state.
public struct DevicePasskey: Codable, Sendable, Hashable {
    /// Security key or software passkey.
    public var kind: PasskeyKind
    /// The credential id, base64url as the server names it.
    public var credentialID: String
    /// The name it was registered under.
    public var name: String
    /// The software passkey file, for a software passkey.
    public var softwarePasskeyPath: String?
    /// The root key wrapped under this passkey's KEK (the serialised `WrappedRootKey`). Useless
    /// without the passkey; kept so the device unlocks offline.
    public var wrappedRootKey: Base64Bytes?
    /// Root keys the account had before a rotation, wrapped under this passkey's KEK, kept
    /// while the cache still holds records sealed under them (absent: none).
    public var previousRootKeys: [PreviousRootKey]?

    /// A passkey from its parts.
    public init(
        kind: PasskeyKind, credentialID: String, name: String, softwarePasskeyPath: String?,
        wrappedRootKey: Base64Bytes?, previousRootKeys: [PreviousRootKey]? = nil
    ) {
        self.kind = kind
        self.credentialID = credentialID
        self.name = name
        self.softwarePasskeyPath = softwarePasskeyPath
        self.wrappedRootKey = wrappedRootKey
        self.previousRootKeys = previousRootKeys
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case credentialID = "credential_id"
        case name
        case softwarePasskeyPath = "software_passkey_path"
        case wrappedRootKey = "wrapped_root_key"
        case previousRootKeys = "previous_root_keys"
    }
}

/// An earlier root key of the account, wrapped under the device passkey's KEK, and the record
/// key id of what it sealed (so it is dropped once the cache holds nothing under it).
public struct PreviousRootKey: Codable, Sendable, Hashable {
    /// The record key id (32 hex digits) the root's envelopes carry.
    public var keyID: String
    /// The serialised `WrappedRootKey`.
    public var wrappedRootKey: Base64Bytes

    public init(keyID: String, wrappedRootKey: Base64Bytes) {
        self.keyID = keyID
        self.wrappedRootKey = wrappedRootKey
    }

    enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case wrappedRootKey = "wrapped_root_key"
    }
}

/// What one device (one data folder) knows of its account. Holds no secret: the root key only
/// wrapped, and a session token, which opens the account's server calls until it expires but
/// no key (the file is still owner-only).
public struct AccountState: Codable, Sendable, Hashable {
    /// The format this build writes.
    public static let currentVersion = 1

    /// The format the file was written in.
    public var version: Int
    /// The server's base URL.
    public var server: String
    /// The RP ID the passkeys are for, pinned at registration or first login.
    public var rpID: String
    /// The account.
    public var accountID: AccountID
    /// The passkey this device unlocks with.
    public var passkey: DevicePasskey
    /// The current session, if any.
    public var session: SessionGrant?

    /// A state in the current format.
    public init(server: String, rpID: String, accountID: AccountID, passkey: DevicePasskey, session: SessionGrant?) {
        self.version = Self.currentVersion
        self.server = server
        self.rpID = rpID
        self.accountID = accountID
        self.passkey = passkey
        self.session = session
    }

    /// The session if it is still valid `margin` seconds after `now`.
    public func liveSession(now: Int64, margin: Int64 = 60) -> SessionGrant? {
        guard let session, session.expiresAt > now + margin else { return nil }
        return session
    }

    enum CodingKeys: String, CodingKey {
        case version, server
        case rpID = "rp_id"
        case accountID = "account_id"
        case passkey, session
    }
}

extension AccountState: CustomStringConvertible, CustomReflectable {
    /// Account, server and passkey; never the session token.
    public var description: String {
        "AccountState(account \(accountID), server \(server), \(passkey.kind.label) \(passkey.credentialID.prefix(8))…, session \(session.map { "until \($0.expiresAt)" } ?? "none"))"
    }
    public var customMirror: Mirror {
        Mirror(self, children: ["accountID": accountID, "server": server, "passkey": passkey.credentialID])
    }
}
