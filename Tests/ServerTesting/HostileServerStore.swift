import Foundation
import Server
import Synchronization
import Wire

/// A server store that misbehaves on command, around a real one: it withholds records from
/// pulls (a store that lost or hides them), and slips chosen copies into the next pull (an
/// older version it kept, a tombstone it made up). Everything else is the inner store's.
/// It remembers every copy pushed, so a test can replay any of them.
public final class HostileServerStore: ServerStore {
    let inner: any ServerStore
    private struct State {
        var withheld: Set<RecordID> = []
        var injected: [SyncRecord] = []
        var pushed: [RecordID: [SyncRecord]] = [:]
    }
    private let state = Mutex(State())

    public init(wrapping inner: any ServerStore) { self.inner = inner }

    /// Leaves `ids` out of every pull from now on.
    public func withhold(_ ids: Set<RecordID>) { state.withLock { $0.withheld.formUnion(ids) } }

    /// Serves `records` at the start of the next pull page, once.
    public func inject(_ records: [SyncRecord]) { state.withLock { $0.injected += records } }

    /// Every copy of `id` pushed and accepted, oldest first.
    public func pushedCopies(of id: RecordID) -> [SyncRecord] { state.withLock { $0.pushed[id] ?? [] } }

    public func push(_ records: [SyncRecord], account: AccountID, limits: StoreLimits) async throws -> [PushResult] {
        let results = try await inner.push(records, account: account, limits: limits)
        state.withLock { state in
            for (record, result) in zip(records, results) where result.status == .accepted {
                state.pushed[record.id, default: []].append(record)
            }
        }
        return results
    }

    /// Injected copies come alone, as a page that leaves the cursor where it was; withheld
    /// records are cut out of the pages (a page they emptied is skipped).
    public func pull(account: AccountID, after cursor: Int64, limit: Int) async throws -> RecordPage {
        let (withheld, injected) = state.withLock { state in
            defer { state.injected = [] }
            return (state.withheld, state.injected)
        }
        if !injected.isEmpty { return RecordPage(records: injected, cursor: cursor, more: true) }
        var after = cursor
        while true {
            var page = try await inner.pull(account: account, after: after, limit: limit)
            page.records = page.records.filter { !withheld.contains($0.id) }
            if !page.records.isEmpty || !page.more { return page }
            after = page.cursor
        }
    }

    public func usage(account: AccountID, limits: StoreLimits) async throws -> StorageUsage {
        try await inner.usage(account: account, limits: limits)
    }

    public func migrate() async throws { try await inner.migrate() }
    public func close() async throws { try await inner.close() }

    public func createAccount(
        _ account: StoredAccount, credential: StoredCredential, recovery: StoredRecovery
    )
        async throws
    { try await inner.createAccount(account, credential: credential, recovery: recovery) }
    public func account(_ id: AccountID) async throws -> StoredAccount? { try await inner.account(id) }
    public func credential(id: [UInt8]) async throws -> StoredCredential? { try await inner.credential(id: id) }
    public func credentials(of account: AccountID) async throws -> [StoredCredential] {
        try await inner.credentials(of: account)
    }
    public func addCredential(_ credential: StoredCredential) async throws { try await inner.addCredential(credential) }
    public func removeCredential(id: [UInt8], of account: AccountID) async throws {
        try await inner.removeCredential(id: id, of: account)
    }
    public func recordUse(ofCredential id: [UInt8], signCount: UInt32, at time: Date) async throws {
        try await inner.recordUse(ofCredential: id, signCount: signCount, at: time)
    }
    public func recovery(keyID: [UInt8]) async throws -> StoredRecovery? { try await inner.recovery(keyID: keyID) }
    public func recovery(of account: AccountID) async throws -> StoredRecovery? {
        try await inner.recovery(of: account)
    }
    public func setRecovery(_ recovery: StoredRecovery) async throws { try await inner.setRecovery(recovery) }
    public func beginKeyRotation(_ rotation: StoredKeyRotation) async throws -> StoredKeyRotation {
        try await inner.beginKeyRotation(rotation)
    }
    public func keyRotation(of account: AccountID) async throws -> StoredKeyRotation? {
        try await inner.keyRotation(of: account)
    }
    public func replaceRootKey(_ replacement: RootKeyReplacement) async throws -> [[UInt8]] {
        try await inner.replaceRootKey(replacement)
    }
    public func insertChallenge(_ challenge: StoredChallenge) async throws {
        try await inner.insertChallenge(challenge)
    }
    public func takeChallenge(id: String, now: Date) async throws -> StoredChallenge? {
        try await inner.takeChallenge(id: id, now: now)
    }
    public func insertSession(_ session: StoredSession) async throws { try await inner.insertSession(session) }
    public func session(tokenHash: [UInt8], now: Date) async throws -> StoredSession? {
        try await inner.session(tokenHash: tokenHash, now: now)
    }
    public func deleteSession(tokenHash: [UInt8]) async throws { try await inner.deleteSession(tokenHash: tokenHash) }
    public func deleteSessions(of account: AccountID) async throws { try await inner.deleteSessions(of: account) }
    public func purgeExpired(now: Date) async throws { try await inner.purgeExpired(now: now) }
}
