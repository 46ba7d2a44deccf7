import Foundation
import GRDB
import Wire

/// The device's history cache: one SQLite file (WAL) holding record envelopes and the
/// metadata the server also sees (ids, kinds, versions, sizes, sync state). It never holds a
/// plaintext byte; decrypting is `HistoryStore`'s job.
///
/// Every write is one transaction with `synchronous = FULL`: once a write returns, the record
/// survives the process being killed and, on a sound file system, a power loss.
public final class LocalCache: Sendable {
    /// The cache file's name inside the device's data folder.
    public static let fileName = "history.sqlite"

    /// The account the cache belongs to.
    public let account: AccountID
    /// The database file.
    public let path: String
    private let pool: DatabasePool
    /// Held shared while the cache is open, so no other process moves the file away
    /// (`openSwitchingAccounts` needs it exclusively).
    private let lock: CacheFileLock

    /// Opens (creating and migrating when needed) the cache at `path` for `account`.
    /// - Throws: `CacheError` `.openFailed`, or `.accountMismatch` when the file belongs to another account.
    public init(path: String, account: AccountID) throws {
        self.account = account
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CacheError(.openFailed, "cannot open the history cache \(path): \(Self.reason(error))")
        }
        lock = try CacheFileLock(cachePath: path, exclusive: false)
        do {
            var configuration = Configuration()
            configuration.label = "sotto.history"
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB's WAL set-up chooses NORMAL (safe against a killed process); FULL also
            // syncs the log on every commit, so a power loss cannot take an acknowledged write.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            try CacheSchema.migrator.migrate(pool)
        } catch {
            throw CacheError(.openFailed, "cannot open the history cache \(path): \(Self.reason(error))")
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
        let stored = try run {
            try pool.write { db -> String in
                if let existing = try String.fetchOne(db, sql: "SELECT account FROM cache_account") {
                    return existing
                }
                try db.execute(
                    sql: "INSERT INTO cache_account (singleton, account) VALUES (1, ?)", arguments: [account.rawValue])
                return account.rawValue
            }
        }
        guard stored == account.rawValue else {
            throw CacheError(
                .accountMismatch,
                "the history cache \(path) belongs to another account; use that account's --data-dir or another folder")
        }
    }

    /// Adds or replaces `records`, all or none.
    public func write(_ records: [CachedRecord]) throws {
        var change = CacheChange()
        change.writes = records
        try apply(change)
    }

    /// Commits `change` in one transaction: all of it survives a crash, or none.
    public func apply(_ change: CacheChange) throws {
        guard !change.isEmpty else { return }
        try run {
            try pool.write { db in
                // One prepared statement per kind of change: a restore writes thousands of rows.
                let upsert = try db.cachedStatement(
                    sql: """
                        INSERT INTO record (id, kind, version, parent, envelope, sync_state)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, version = excluded.version,
                            parent = excluded.parent, envelope = excluded.envelope, sync_state = excluded.sync_state
                        """)
                for r in change.writes {
                    try upsert.execute(
                        arguments: [
                            Data(r.id.bytes), Int64(r.kind.rawValue), Int64(bitPattern: r.version),
                            r.parent.map { Data($0.bytes) }, Data(r.envelope.bytes), Int64(r.syncState.rawValue),
                        ])
                }
                for t in change.tombstones {
                    try db.execute(sql: "DELETE FROM record WHERE id = ?", arguments: [Data(t.id.bytes)])
                    try db.execute(
                        sql: """
                            INSERT INTO tombstone (id, kind, version, sync_state) VALUES (?, ?, ?, ?)
                            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, version = excluded.version,
                                sync_state = excluded.sync_state
                            """,
                        arguments: [
                            Data(t.id.bytes), Int64(t.kind.rawValue), Int64(bitPattern: t.version),
                            Int64(t.syncState.rawValue),
                        ])
                }
                for (id, version) in change.synced {
                    for table in ["record", "tombstone"] {
                        try db.execute(
                            sql: "UPDATE \(table) SET sync_state = 0 WHERE id = ? AND version = ?",
                            arguments: [Data(id.bytes), Int64(bitPattern: version)])
                    }
                }
                if let cursor = change.cursor {
                    try db.execute(
                        sql: """
                            INSERT INTO sync_cursor (singleton, cursor) VALUES (1, ?)
                            ON CONFLICT (singleton) DO UPDATE SET cursor = excluded.cursor
                            """,
                        arguments: [cursor])
                }
            }
        }
    }

    /// The records and tombstones among `ids`, read in one transaction (a pulled page's local
    /// copies). Unreadable rows are left out; a later write replaces them.
    public func snapshot(
        of ids: [RecordID]
    ) throws -> (records: [RecordID: CachedRecord], tombstones: [RecordID: CachedTombstone]) {
        guard !ids.isEmpty else { return ([:], [:]) }
        return try run {
            try pool.read { db in
                var records: [RecordID: CachedRecord] = [:]
                var tombstones: [RecordID: CachedTombstone] = [:]
                for chunk in stride(from: 0, to: ids.count, by: 500) {
                    let slice = ids[chunk..<min(chunk + 500, ids.count)]
                    let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                    let arguments = StatementArguments(slice.map { Data($0.bytes) })
                    for row in try Row.fetchAll(
                        db, sql: "SELECT * FROM record WHERE id IN (\(marks))", arguments: arguments)
                    {
                        if case .success(let record) = Self.decode(row) { records[record.id] = record }
                    }
                    for row in try Row.fetchAll(
                        db, sql: "SELECT * FROM tombstone WHERE id IN (\(marks))", arguments: arguments)
                    {
                        if let tombstone = Self.decodeTombstone(row) { tombstones[tombstone.id] = tombstone }
                    }
                }
                return (records, tombstones)
            }
        }
    }

    /// Where the last pull ended; 0 before the first.
    public func syncCursor() throws -> Int64 {
        try run { try pool.read { try Int64.fetchOne($0, sql: "SELECT cursor FROM sync_cursor") ?? 0 } }
    }

    /// Sets the pull cursor back to 0, so the next pull brings every record the server holds
    /// (after a root key rotation, the copies sealed under the new root).
    public func resetSyncCursor() throws {
        var change = CacheChange()
        change.cursor = 0
        try apply(change)
    }

    /// The key ids the cached envelopes are sealed under (read from their headers, no key needed).
    public func keyIDs() throws -> Set<RecordKeyID> {
        let rows = try run {
            try pool.read {
                try Data.fetchAll(
                    $0, sql: "SELECT DISTINCT substr(envelope, 2, ?) FROM record", arguments: [RecordKeyID.byteCount])
            }
        }
        return Set(rows.compactMap { try? RecordKeyID(bytes: Array($0)) })
    }

    /// Up to `limit` records whose envelope is sealed under another key than `keyID` (only those
    /// not yet pushed when `pendingOnly`), in id order after `after` (exclusive; nil from the
    /// start), so a caller can page past rows it skips.
    public func records(
        notSealedUnder keyID: RecordKeyID, pendingOnly: Bool = false, after: RecordID?, limit: Int
    ) throws -> [Result<CachedRecord, CacheRowError>] {
        try fetch(
            "SELECT * FROM record WHERE substr(envelope, 2, ?) != ? AND id > ? \(pendingOnly ? "AND sync_state != 0" : "") ORDER BY id LIMIT ?",
            [RecordKeyID.byteCount, Data(keyID.bytes), Data(after?.bytes ?? []), limit])
    }

    /// Marks every synced deletion as a change to push again (its seal is made anew when pushed).
    /// - Returns: how many were marked.
    @discardableResult
    public func markDeletionsPending() throws -> Int {
        try run {
            try pool.write { db in
                try db.execute(sql: "UPDATE tombstone SET sync_state = 1 WHERE sync_state = 0")
                return db.changesCount
            }
        }
    }

    /// The tombstone of `id`, when the record was deleted.
    public func tombstone(_ id: RecordID) throws -> CachedTombstone? {
        try tombstones(where: "id = ?", [Data(id.bytes)]).first
    }

    /// Deletions not yet pushed.
    public func pendingTombstones() throws -> [CachedTombstone] {
        try tombstones(where: "sync_state != 0", [])
    }

    private func tombstones(where condition: String, _ arguments: StatementArguments) throws -> [CachedTombstone] {
        let rows = try run {
            try pool.read {
                try Row.fetchAll(
                    $0, sql: "SELECT * FROM tombstone WHERE \(condition) ORDER BY id", arguments: arguments)
            }
        }
        return rows.compactMap(Self.decodeTombstone)
    }

    private static func decodeTombstone(_ row: Row) -> CachedTombstone? {
        let idData: Data = row["id"]
        let kindValue: Int64 = row["kind"]
        let version: Int64 = row["version"]
        let state: Int64 = row["sync_state"]
        guard let id = try? RecordID(bytes: idData), let kind = RecordKind(rawValue: UInt8(clamping: kindValue))
        else { return nil }
        return CachedTombstone(
            id: id, kind: kind, version: UInt64(bitPattern: version),
            syncState: SyncState(rawValue: Int(state)) ?? .pending)
    }

    /// The record `id`, or nil.
    public func record(_ id: RecordID) throws -> CachedRecord? {
        try fetch("SELECT * FROM record WHERE id = ?", [Data(id.bytes)]).first?.get()
    }

    /// Every record of the given kinds, in id order. Rows that cannot be read as records
    /// (an unknown kind, a malformed envelope) come back as failures with their id.
    public func records(of kinds: Set<RecordKind>) throws -> [Result<CachedRecord, CacheRowError>] {
        let list = kinds.map { String($0.rawValue) }.sorted().joined(separator: ",")
        return try fetch("SELECT * FROM record WHERE kind IN (\(list)) ORDER BY id", [])
    }

    /// The messages cached for conversation `id` (by the parent hint), in id order.
    public func records(parent id: RecordID) throws -> [Result<CachedRecord, CacheRowError>] {
        try fetch("SELECT * FROM record WHERE parent = ? ORDER BY id", [Data(id.bytes)])
    }

    /// Records changed here and not yet pushed.
    public func pendingRecords() throws -> [Result<CachedRecord, CacheRowError>] {
        try fetch("SELECT * FROM record WHERE sync_state != 0 ORDER BY id", [])
    }

    /// Number of records of each kind (for reports and tests).
    public func count(of kind: RecordKind) throws -> Int {
        try run {
            try pool.read {
                try Int.fetchOne(
                    $0, sql: "SELECT count(*) FROM record WHERE kind = ?", arguments: [Int64(kind.rawValue)]) ?? 0
            }
        }
    }

    /// The version held of every record and deletion (the higher when both exist), without
    /// reading envelopes: what the authenticated index is checked against.
    public func heldVersions() throws -> [RecordID: UInt64] {
        let rows = try run {
            try pool.read {
                try Row.fetchAll($0, sql: "SELECT id, version FROM record UNION ALL SELECT id, version FROM tombstone")
            }
        }
        var out: [RecordID: UInt64] = [:]
        out.reserveCapacity(rows.count)
        for row in rows {
            let idData: Data = row[0]
            let version: Int64 = row[1]
            guard let id = try? RecordID(bytes: idData) else { continue }
            out[id] = max(out[id] ?? 0, UInt64(bitPattern: version))
        }
        return out
    }

    /// Messages per conversation, by the parent hint.
    public func messageCounts() throws -> [RecordID: Int] {
        let rows = try run {
            try pool.read {
                try Row.fetchAll(
                    $0, sql: "SELECT parent, count(*) AS n FROM record WHERE parent IS NOT NULL GROUP BY parent")
            }
        }
        var out: [RecordID: Int] = [:]
        for row in rows {
            let parent: Data = row["parent"]
            if let id = try? RecordID(bytes: parent) { out[id] = row["n"] }
        }
        return out
    }

    /// Moves the log's content into the main file (the next write starts a fresh log).
    public func checkpoint() throws {
        try run { try pool.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) } }
    }

    private func fetch(_ sql: String, _ arguments: StatementArguments) throws -> [Result<CachedRecord, CacheRowError>] {
        let rows = try run { try pool.read { try Row.fetchAll($0, sql: sql, arguments: arguments) } }
        return rows.map(Self.decode)
    }

    private static func decode(_ row: Row) -> Result<CachedRecord, CacheRowError> {
        let idData: Data = row["id"]
        guard let id = try? RecordID(bytes: idData) else {
            return .failure(
                CacheRowError(
                    id: nil, kind: nil,
                    error: CodedError<RecordErrorCode>(.invalidIdentifier, "a cached record has a bad id")))
        }
        let kindValue: Int64 = row["kind"]
        guard let kind = RecordKind(rawValue: UInt8(clamping: kindValue)) else {
            return .failure(
                CacheRowError(
                    id: id, kind: nil,
                    error: CodedError<RecordErrorCode>(.invalidIdentifier, "record \(id) has unknown kind \(kindValue)")
                ))
        }
        do {
            let parentData: Data? = row["parent"]
            let envelopeData: Data = row["envelope"]
            let version: Int64 = row["version"]
            let state: Int64 = row["sync_state"]
            return .success(
                CachedRecord(
                    id: id, kind: kind, version: UInt64(bitPattern: version),
                    parent: try parentData.map { try RecordID(bytes: $0) },
                    envelope: try RecordEnvelope(bytes: Array(envelopeData)),
                    syncState: SyncState(rawValue: Int(state)) ?? .pending))
        } catch let error as CodedError<RecordErrorCode> {
            return .failure(CacheRowError(id: id, kind: kind, error: error))
        } catch {
            return .failure(
                CacheRowError(
                    id: id, kind: kind, error: CodedError<RecordErrorCode>(.malformed, "record \(id) is unreadable")))
        }
    }

    private func run<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CacheError { throw error } catch {
            throw CacheError(.databaseFailed, "the history cache \(path) failed: \(Self.reason(error))")
        }
    }

    /// SQLite's result code and message: they name the failure, never row contents.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue)" + (error.message.map { ": \($0)" } ?? "")
        }
        return String(describing: type(of: error))
    }
}

/// A cached row that is not a readable record; the id is kept so it can be reported.
public struct CacheRowError: Error, Sendable, Hashable {
    public let id: RecordID?
    public let kind: RecordKind?
    public let error: CodedError<RecordErrorCode>
}

extension DeviceFolders {
    /// The history cache file.
    public var historyCachePath: String { data + "/" + LocalCache.fileName }
}
