import Foundation
import Wire

/// An account as the server keeps it: an id and the WebAuthn user handle. Nothing personal.
public struct StoredAccount: Sendable, Hashable {
    public var id: AccountID
    /// The WebAuthn user handle (16 random bytes).
    public var userHandle: [UInt8]
    public var createdAt: Date

    public init(id: AccountID, userHandle: [UInt8], createdAt: Date) {
        self.id = id
        self.userHandle = userHandle
        self.createdAt = createdAt
    }
}

/// A registered passkey: its public key, counter, and the root key wrapped under its KEK.
public struct StoredCredential: Sendable, Hashable {
    /// The credential id (unique across all accounts).
    public var id: [UInt8]
    public var accountID: AccountID
    /// The COSE-encoded public key.
    public var publicKey: [UInt8]
    public var signCount: UInt32
    /// "security-key" or "software-passkey".
    public var kind: String
    public var name: String
    /// The serialised `WrappedRootKey` for this passkey's KEK.
    public var wrappedRootKey: [UInt8]
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(
        id: [UInt8], accountID: AccountID, publicKey: [UInt8], signCount: UInt32, kind: String, name: String,
        wrappedRootKey: [UInt8], createdAt: Date, lastUsedAt: Date?
    ) {
        self.id = id
        self.accountID = accountID
        self.publicKey = publicKey
        self.signCount = signCount
        self.kind = kind
        self.name = name
        self.wrappedRootKey = wrappedRootKey
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// The recovery key's enrollment for one account (at most one per account).
public struct StoredRecovery: Sendable, Hashable {
    public var accountID: AccountID
    /// The recovery KEK's public id (16 bytes), unique across accounts.
    public var keyID: [UInt8]
    public var wrappedRootKey: [UInt8]
    /// Ed25519 public key that verifies recovery logins.
    public var authPublicKey: [UInt8]
    public var updatedAt: Date

    public init(accountID: AccountID, keyID: [UInt8], wrappedRootKey: [UInt8], authPublicKey: [UInt8], updatedAt: Date)
    {
        self.accountID = accountID
        self.keyID = keyID
        self.wrappedRootKey = wrappedRootKey
        self.authPublicKey = authPublicKey
        self.updatedAt = updatedAt
    }
}

/// A root key rotation under way (docs/PROTOCOL.md §5.8): the new root key wrapped for the
/// passkey that rotates, stored before any record is sealed under it, so the new root never
/// exists only on one device.
public struct StoredKeyRotation: Sendable, Hashable {
    public var accountID: AccountID
    /// The rotating passkey.
    public var credentialID: [UInt8]
    /// The serialised `WrappedRootKey` of the new root under that passkey's KEK.
    public var wrappedRootKey: [UInt8]
    public var startedAt: Date

    public init(accountID: AccountID, credentialID: [UInt8], wrappedRootKey: [UInt8], startedAt: Date) {
        self.accountID = accountID
        self.credentialID = credentialID
        self.wrappedRootKey = wrappedRootKey
        self.startedAt = startedAt
    }
}

/// What finishing a root key rotation changes, all in one transaction: every kept passkey's
/// wrapped root key, the removal of the others, the recovery enrollment, and the account's
/// sessions (all revoked, one new one opened for the rotating device).
public struct RootKeyReplacement: Sendable, Hashable {
    public var accountID: AccountID
    /// The kept passkeys' ids and their new wrapped root keys; every other passkey is removed.
    public var passkeys: [RewrappedCredential]
    public var recovery: StoredRecovery
    /// The account's last record sequence as the rotating device saw it.
    public var lastSequence: Int64
    /// The one session the account has afterwards.
    public var session: StoredSession

    public init(
        accountID: AccountID, passkeys: [RewrappedCredential], recovery: StoredRecovery, lastSequence: Int64,
        session: StoredSession
    ) {
        self.accountID = accountID
        self.passkeys = passkeys
        self.recovery = recovery
        self.lastSequence = lastSequence
        self.session = session
    }
}

/// A passkey's id and its new wrapped root key.
public struct RewrappedCredential: Sendable, Hashable {
    public var id: [UInt8]
    public var wrappedRootKey: [UInt8]

    public init(id: [UInt8], wrappedRootKey: [UInt8]) {
        self.id = id
        self.wrappedRootKey = wrappedRootKey
    }
}

/// A pending ceremony's challenge: random, single use, short-lived.
public struct StoredChallenge: Sendable, Hashable {
    public enum Purpose: String, Sendable, Hashable, CaseIterable {
        case registration, addPasskey = "add-passkey", login, recovery
        /// A sensitive change's confirmation (§5.7): the stored challenge is its nonce.
        case confirmation
    }

    /// Random id the client echoes (base64url of 16 bytes).
    public var id: String
    public var purpose: Purpose
    /// The 32 challenge bytes.
    public var challenge: [UInt8]
    /// The account it is for: the new account's id for a registration, the caller's for an
    /// added passkey, the recovering account; absent for a discoverable login.
    public var accountID: AccountID?
    /// The user handle offered in creation options.
    public var userHandle: [UInt8]?
    public var expiresAt: Date

    public init(
        id: String, purpose: Purpose, challenge: [UInt8], accountID: AccountID?, userHandle: [UInt8]?, expiresAt: Date
    ) {
        self.id = id
        self.purpose = purpose
        self.challenge = challenge
        self.accountID = accountID
        self.userHandle = userHandle
        self.expiresAt = expiresAt
    }
}

/// A session: only the SHA-256 of its bearer token is stored.
public struct StoredSession: Sendable, Hashable {
    public var tokenHash: [UInt8]
    public var accountID: AccountID
    /// The passkey that opened it; absent for a recovery-key session.
    public var credentialID: [UInt8]?
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: [UInt8], accountID: AccountID, credentialID: [UInt8]?, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.accountID = accountID
        self.credentialID = credentialID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Limits a push must respect, checked inside the store's transaction.
public struct StoreLimits: Sendable, Hashable {
    /// Largest envelope in bytes.
    public var maximumEnvelopeBytes: Int
    /// Most live records (tombstones excluded) per account.
    public var maximumRecords: Int64
    /// Most envelope bytes per account.
    public var maximumBytes: Int64
    /// Most envelope bytes in one pull page (a page holds at least one record, whatever its size).
    public var maximumPageBytes: Int

    public init(
        maximumEnvelopeBytes: Int = 4 << 20, maximumRecords: Int64 = 2_000_000, maximumBytes: Int64 = 4 << 30,
        maximumPageBytes: Int = 8 << 20
    ) {
        self.maximumEnvelopeBytes = maximumEnvelopeBytes
        self.maximumRecords = maximumRecords
        self.maximumBytes = maximumBytes
        self.maximumPageBytes = maximumPageBytes
    }
}

/// One page of a pull.
public struct RecordPage: Sendable, Hashable {
    public var records: [SyncRecord]
    public var cursor: Int64
    public var more: Bool

    public init(records: [SyncRecord], cursor: Int64, more: Bool) {
        self.records = records
        self.cursor = cursor
        self.more = more
    }
}

/// Accounts, passkeys, recovery enrollments, challenges and sessions.
public protocol AccountStore: Sendable {
    /// Creates the account with its first passkey and recovery enrollment, atomically.
    /// - Throws: `StoreError` `.duplicate` when the account, credential id or recovery key id exists.
    func createAccount(_ account: StoredAccount, credential: StoredCredential, recovery: StoredRecovery) async throws
    func account(_ id: AccountID) async throws -> StoredAccount?

    func credential(id: [UInt8]) async throws -> StoredCredential?
    /// The account's passkeys, oldest first.
    func credentials(of account: AccountID) async throws -> [StoredCredential]
    /// - Throws: `StoreError` `.duplicate` when the credential id exists; `.notFound` without the account.
    func addCredential(_ credential: StoredCredential) async throws
    /// Removes a passkey and every session it opened.
    /// - Throws: `StoreError` `.lastCredential` when it is the account's only passkey, `.notFound`
    ///   when the account has no such passkey.
    func removeCredential(id: [UInt8], of account: AccountID) async throws
    /// Records a successful use: the new counter and time.
    func recordUse(ofCredential id: [UInt8], signCount: UInt32, at time: Date) async throws

    func recovery(keyID: [UInt8]) async throws -> StoredRecovery?
    func recovery(of account: AccountID) async throws -> StoredRecovery?
    /// Replaces the account's recovery enrollment.
    func setRecovery(_ recovery: StoredRecovery) async throws

    /// Stores `rotation` unless the account has one under way already.
    /// - Returns: the rotation the account now has: `rotation`, or the earlier one.
    /// - Throws: `StoreError` `.notFound` when the account has no such passkey.
    func beginKeyRotation(_ rotation: StoredKeyRotation) async throws -> StoredKeyRotation
    /// The account's rotation under way, if any.
    func keyRotation(of account: AccountID) async throws -> StoredKeyRotation?
    /// Finishes the account's rotation in one transaction: the kept passkeys get their new
    /// wrapped root keys, every other passkey is removed, the recovery enrollment is replaced,
    /// every session is revoked and `replacement.session` inserted, and the rotation is done.
    /// - Returns: the ids of the passkeys removed.
    /// - Throws: `StoreError` `.stale` (nothing changed) when the account's last record
    ///   sequence is not `lastSequence`; `.notFound` without a rotation under way or when a kept
    ///   passkey is not the account's; `.lastCredential` when none is kept; `.duplicate` when the
    ///   recovery key id is another account's.
    func replaceRootKey(_ replacement: RootKeyReplacement) async throws -> [[UInt8]]

    func insertChallenge(_ challenge: StoredChallenge) async throws
    /// Removes and returns the challenge: nil when unknown, already taken, or expired at `now`.
    /// Two concurrent calls never both get it.
    func takeChallenge(id: String, now: Date) async throws -> StoredChallenge?

    func insertSession(_ session: StoredSession) async throws
    /// The live session with this token hash, or nil (unknown, revoked or expired at `now`).
    func session(tokenHash: [UInt8], now: Date) async throws -> StoredSession?
    func deleteSession(tokenHash: [UInt8]) async throws
    /// Revokes every session of the account (`logout --everywhere`); other accounts keep theirs.
    func deleteSessions(of account: AccountID) async throws
    /// Drops expired challenges and sessions.
    func purgeExpired(now: Date) async throws
}

/// The accounts' encrypted records (docs/PROTOCOL.md §6).
public protocol RecordStore: Sendable {
    /// Applies a push in one transaction per call, in order. For each record with server
    /// version s (0 when absent): version s + 1 is stored under the account's next sequence;
    /// version s with identical bytes (or both tombstones) is accepted again with its
    /// sequence (a retried push); anything else, or a change after a tombstone, or a kind
    /// that differs from the stored one, is a conflict carrying the server's copy.
    /// Sequences are per account, strictly increasing in commit order.
    /// - Throws: `StoreError` `.tooLarge` for an envelope over the limit, `.quotaExceeded` when
    ///   the account would pass its record or byte quota (nothing of the push is stored then).
    func push(_ records: [SyncRecord], account: AccountID, limits: StoreLimits) async throws -> [PushResult]
    /// Records whose sequence is greater than `cursor`, in sequence order: at most `limit`, and
    /// at most `maximumBytes` of envelopes unless the first alone is larger (`PullPageBudget`).
    /// A store implements this one or the one without a byte budget (each defaults to the other).
    func pull(account: AccountID, after cursor: Int64, limit: Int, maximumBytes: Int) async throws -> RecordPage
    /// Records whose sequence is greater than `cursor`, in sequence order, at most `limit`.
    func pull(account: AccountID, after cursor: Int64, limit: Int) async throws -> RecordPage
    func usage(account: AccountID, limits: StoreLimits) async throws -> StorageUsage
}

extension RecordStore {
    /// A page under the default byte budget, for stores that page by bytes themselves.
    public func pull(account: AccountID, after cursor: Int64, limit: Int) async throws -> RecordPage {
        try await pull(account: account, after: cursor, limit: limit, maximumBytes: StoreLimits().maximumPageBytes)
    }

    /// A record-limited page cut to the byte budget, for stores that only page by count (test
    /// doubles that wrap another store); the real stores never read envelopes past the budget.
    public func pull(account: AccountID, after cursor: Int64, limit: Int, maximumBytes: Int) async throws -> RecordPage
    {
        let page = try await pull(account: account, after: cursor, limit: limit)
        let count = PullPageBudget.count(
            sizes: page.records.map { Int64($0.envelope?.bytes.count ?? 0) }, limit: limit, maximumBytes: maximumBytes)
        guard count < page.records.count else { return page }
        let records = Array(page.records.prefix(count))
        return RecordPage(records: records, cursor: records.last?.sequence ?? cursor, more: true)
    }
}

/// Everything the server persists. Implementations: SQLite (default) and PostgreSQL; one
/// conformance suite runs against both.
public protocol ServerStore: AccountStore, RecordStore {
    /// Brings the schema to this build's version (numbered migrations).
    func migrate() async throws
    func close() async throws
}

/// Errors of the server's store; messages name ids and sizes, never content.
public typealias StoreError = CodedError<StoreErrorCode>

/// Stable identifiers of `StoreError`.
public enum StoreErrorCode: String, StableErrorCode {
    /// An account, passkey, recovery key or session with this id already exists.
    case duplicate = "SOTTO-STORE-DUPLICATE"
    /// The account, passkey or session no longer exists.
    case notFound = "SOTTO-STORE-NOT-FOUND"
    /// The account's last passkey cannot be removed.
    case lastCredential = "SOTTO-STORE-LAST-PASSKEY"
    /// One record is larger than the server stores.
    case tooLarge = "SOTTO-STORE-RECORD-TOO-LARGE"
    /// The account's record or byte quota would be exceeded; nothing of the push was stored.
    case quotaExceeded = "SOTTO-STORE-QUOTA"
    /// What a compare-and-set expected is no longer so (a key rotation raced a push).
    case stale = "SOTTO-STORE-STALE"
    /// The store's URL or configuration is not usable.
    case configuration = "SOTTO-STORE-CONFIG"
    /// The database failed or is unreachable.
    case unavailable = "SOTTO-STORE-UNAVAILABLE"
    /// The database's schema is newer than this build.
    case schemaTooNew = "SOTTO-STORE-SCHEMA"
}
