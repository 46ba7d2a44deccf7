import Foundation
import Server
import Synchronization
import Wire

/// A `ServerStore` in memory, for fast unit tests of the services above the store. It follows
/// the protocol's documented semantics; the conformance suite checks it beside the real stores.
public final class InMemoryServerStore: ServerStore {
    struct State {
        var accounts: [AccountID: StoredAccount] = [:]
        var credentials: [[UInt8]: StoredCredential] = [:]
        var recoveries: [AccountID: StoredRecovery] = [:]
        var challenges: [String: StoredChallenge] = [:]
        var sessions: [[UInt8]: StoredSession] = [:]
        var records: [AccountID: [RecordID: SyncRecord]] = [:]
        var sequences: [AccountID: Int64] = [:]
        var rotations: [AccountID: StoredKeyRotation] = [:]
    }

    let state = Mutex(State())

    public init() {}

    public func migrate() async throws {}
    public func close() async throws {}

    public func createAccount(
        _ account: StoredAccount, credential: StoredCredential, recovery: StoredRecovery
    )
        async throws
    {
        try state.withLock { state in
            guard state.accounts[account.id] == nil, state.credentials[credential.id] == nil,
                !state.recoveries.values.contains(where: { $0.keyID == recovery.keyID })
            else { throw StoreError(.duplicate, "the account, passkey or recovery key already exists") }
            state.accounts[account.id] = account
            state.credentials[credential.id] = credential
            state.recoveries[account.id] = recovery
        }
    }

    public func account(_ id: AccountID) async throws -> StoredAccount? { state.withLock { $0.accounts[id] } }

    public func credential(id: [UInt8]) async throws -> StoredCredential? { state.withLock { $0.credentials[id] } }

    public func credentials(of account: AccountID) async throws -> [StoredCredential] {
        state.withLock { state in
            state.credentials.values.filter { $0.accountID == account }.sorted { $0.createdAt < $1.createdAt }
        }
    }

    public func addCredential(_ credential: StoredCredential) async throws {
        try state.withLock { state in
            guard state.accounts[credential.accountID] != nil else {
                throw StoreError(.notFound, "no account \(credential.accountID)")
            }
            guard state.credentials[credential.id] == nil else {
                throw StoreError(.duplicate, "this passkey is already registered")
            }
            state.credentials[credential.id] = credential
        }
    }

    public func removeCredential(id: [UInt8], of account: AccountID) async throws {
        try state.withLock { state in
            guard let credential = state.credentials[id], credential.accountID == account else {
                throw StoreError(.notFound, "the account has no such passkey")
            }
            guard state.credentials.values.filter({ $0.accountID == account }).count > 1 else {
                throw StoreError(.lastCredential, "an account keeps at least one passkey")
            }
            state.credentials[id] = nil
            state.sessions = state.sessions.filter { $0.value.credentialID != id }
        }
    }

    public func recordUse(ofCredential id: [UInt8], signCount: UInt32, at time: Date) async throws {
        try state.withLock { state in
            guard state.credentials[id] != nil else {
                throw StoreError(.notFound, "no account has this passkey any more; log in with another")
            }
            state.credentials[id]?.signCount = signCount
            state.credentials[id]?.lastUsedAt = time
        }
    }

    public func recovery(keyID: [UInt8]) async throws -> StoredRecovery? {
        state.withLock { $0.recoveries.values.first { $0.keyID == keyID } }
    }

    public func recovery(of account: AccountID) async throws -> StoredRecovery? {
        state.withLock { $0.recoveries[account] }
    }

    public func setRecovery(_ recovery: StoredRecovery) async throws {
        try state.withLock { state in
            guard state.accounts[recovery.accountID] != nil else {
                throw StoreError(.notFound, "no account \(recovery.accountID)")
            }
            if let other = state.recoveries.values.first(where: { $0.keyID == recovery.keyID }),
                other.accountID != recovery.accountID
            {
                throw StoreError(.duplicate, "this recovery key is enrolled elsewhere")
            }
            state.recoveries[recovery.accountID] = recovery
        }
    }

    public func beginKeyRotation(_ rotation: StoredKeyRotation) async throws -> StoredKeyRotation {
        try state.withLock { state in
            if let existing = state.rotations[rotation.accountID] { return existing }
            guard state.credentials[rotation.credentialID]?.accountID == rotation.accountID else {
                throw StoreError(.notFound, "the account has no such passkey")
            }
            state.rotations[rotation.accountID] = rotation
            return rotation
        }
    }

    public func keyRotation(of account: AccountID) async throws -> StoredKeyRotation? {
        state.withLock { $0.rotations[account] }
    }

    public func replaceRootKey(_ replacement: RootKeyReplacement) async throws -> [[UInt8]] {
        try state.withLock { state in
            let account = replacement.accountID
            guard state.rotations[account] != nil else { throw StoreError(.notFound, "no rotation under way") }
            guard state.sequences[account, default: 0] == replacement.lastSequence else {
                throw StoreError(.stale, "the account's records changed")
            }
            guard !replacement.passkeys.isEmpty else { throw StoreError(.lastCredential, "no passkey kept") }
            let held = Set(state.credentials.values.filter { $0.accountID == account }.map(\.id))
            let kept = Set(replacement.passkeys.map(\.id))
            guard kept.isSubset(of: held) else { throw StoreError(.notFound, "the account has no such passkey") }
            if let other = state.recoveries.values.first(where: { $0.keyID == replacement.recovery.keyID }),
                other.accountID != account
            {
                throw StoreError(.duplicate, "this recovery key is enrolled elsewhere")
            }
            for passkey in replacement.passkeys {
                state.credentials[passkey.id]?.wrappedRootKey = passkey.wrappedRootKey
            }
            let removed = held.subtracting(kept).sorted { $0.lexicographicallyPrecedes($1) }
            for id in removed { state.credentials[id] = nil }
            state.recoveries[account] = replacement.recovery
            state.sessions = state.sessions.filter { $0.value.accountID != account }
            state.sessions[replacement.session.tokenHash] = replacement.session
            state.rotations[account] = nil
            return removed
        }
    }

    /// Challenges stored now, taken or expired ones not counted once gone.
    public var challengeCount: Int { state.withLock { $0.challenges.count } }

    public func insertChallenge(_ challenge: StoredChallenge) async throws {
        try state.withLock { state in
            guard state.challenges[challenge.id] == nil else { throw StoreError(.duplicate, "challenge id reused") }
            state.challenges[challenge.id] = challenge
        }
    }

    public func takeChallenge(id: String, now: Date) async throws -> StoredChallenge? {
        state.withLock { state in
            guard let challenge = state.challenges.removeValue(forKey: id), challenge.expiresAt > now else {
                return nil
            }
            return challenge
        }
    }

    public func insertSession(_ session: StoredSession) async throws {
        try state.withLock { state in
            guard state.accounts[session.accountID] != nil else {
                throw StoreError(.notFound, "account \(session.accountID) does not exist")
            }
            guard state.sessions[session.tokenHash] == nil else {
                throw StoreError(.duplicate, "a session with this token already exists; draw a new token")
            }
            state.sessions[session.tokenHash] = session
        }
    }

    public func session(tokenHash: [UInt8], now: Date) async throws -> StoredSession? {
        state.withLock { state in
            guard let session = state.sessions[tokenHash], session.expiresAt > now else { return nil }
            return session
        }
    }

    public func deleteSession(tokenHash: [UInt8]) async throws {
        state.withLock { _ = $0.sessions.removeValue(forKey: tokenHash) }
    }

    public func deleteSessions(of account: AccountID) async throws {
        state.withLock { state in state.sessions = state.sessions.filter { $0.value.accountID != account } }
    }

    public func purgeExpired(now: Date) async throws {
        state.withLock { state in
            state.challenges = state.challenges.filter { $0.value.expiresAt > now }
            state.sessions = state.sessions.filter { $0.value.expiresAt > now }
        }
    }

    public func push(_ records: [SyncRecord], account: AccountID, limits: StoreLimits) async throws -> [PushResult] {
        try state.withLock { state in
            var stored = state.records[account, default: [:]]
            var sequence = state.sequences[account, default: 0]
            var results: [PushResult] = []
            for record in records {
                if let envelope = record.envelope, envelope.bytes.count > limits.maximumEnvelopeBytes {
                    throw StoreError(
                        .tooLarge,
                        "record \(record.id) is \(envelope.bytes.count) bytes; the limit is \(limits.maximumEnvelopeBytes)"
                    )
                }
                let current = stored[record.id]
                switch PushDecision.decide(record, over: current) {
                case .alreadyStored:
                    results.append(
                        PushResult(id: record.id, status: .accepted, sequence: current?.sequence, current: nil))
                    continue
                case .conflict:
                    results.append(PushResult(id: record.id, status: .conflict, sequence: nil, current: current))
                    continue
                case .store: break
                }
                sequence += 1
                var copy = record
                copy.sequence = sequence
                stored[record.id] = copy
                results.append(PushResult(id: record.id, status: .accepted, sequence: sequence, current: nil))
            }
            // As the real stores do: over the quota only refuses a push that grows the account,
            // so an account above a lowered quota can still delete.
            func usage(_ records: [RecordID: SyncRecord]) -> (records: Int64, bytes: Int64) {
                let live = records.values.filter { !$0.isTombstone }
                return (Int64(live.count), live.reduce(Int64(0)) { $0 + Int64($1.envelope?.bytes.count ?? 0) })
            }
            let (before, after) = (usage(state.records[account, default: [:]]), usage(stored))
            if (after.records > limits.maximumRecords && after.records > before.records)
                || (after.bytes > limits.maximumBytes && after.bytes > before.bytes)
            {
                throw StoreError(.quotaExceeded, "the account's storage quota would be exceeded; nothing was stored")
            }
            state.records[account] = stored
            state.sequences[account] = sequence
            return results
        }
    }

    public func pull(account: AccountID, after cursor: Int64, limit: Int, maximumBytes: Int) async throws -> RecordPage
    {
        state.withLock { state in
            let newer = (state.records[account] ?? [:]).values.filter { ($0.sequence ?? 0) > cursor }
                .sorted { ($0.sequence ?? 0) < ($1.sequence ?? 0) }
            let count = PullPageBudget.count(
                sizes: newer.prefix(max(limit, 1) + 1).map { Int64($0.envelope?.bytes.count ?? 0) }, limit: limit,
                maximumBytes: maximumBytes)
            let page = Array(newer.prefix(count))
            return RecordPage(records: page, cursor: page.last?.sequence ?? cursor, more: newer.count > page.count)
        }
    }

    public func usage(account: AccountID, limits: StoreLimits) async throws -> StorageUsage {
        state.withLock { state in
            let live = (state.records[account] ?? [:]).values.filter { !$0.isTombstone }
            return StorageUsage(
                records: Int64(live.count), bytes: live.reduce(0) { $0 + Int64($1.envelope?.bytes.count ?? 0) },
                maximumRecords: limits.maximumRecords, maximumBytes: limits.maximumBytes)
        }
    }
}
