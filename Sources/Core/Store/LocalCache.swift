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
    /// (`openSwitchingAccounts` needs it exclusively); nil when opened read-only in a folder
    /// where the lock file cannot be made (nobody can move the cache there either).
    private let lock: CacheFileLock?
    /// Whether the cache was opened only to read (`init(readingOnly:account:)`).
    public let isReadOnly: Bool

    /// Opens (creating and migrating when needed) the cache at `path` for `account`.
    /// - Throws: `CacheError` `.openFailed`, or `.accountMismatch` when the file belongs to another account.
    public init(path: String, account: AccountID) throws {
        self.account = account
        self.path = path
        isReadOnly = false
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            if let refusal = FileSystemError.describing(error, path: folder) { throw refusal }
            throw CacheError(.openFailed, "cannot open the history cache \(path): \(Self.reason(error))")
        }
        lock = try CacheFileLock(cachePath: path, exclusive: false)
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration)
            // GRDB's WAL set-up chooses NORMAL (safe against a killed process); FULL also
            // syncs the log on every commit, so a power loss cannot take an acknowledged write.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            if try !pool.read({ try CacheSchema.migrator.hasCompletedMigrations($0) }) {
                // GRDB checks which migrations ran outside their transactions: two processes
                // opening a new (or older) cache at once would both run the same one.
                let migrating = try CacheFileLock(cachePath: path + ".migrate", exclusive: true)
                defer { migrating.release() }
                try CacheSchema.migrator.migrate(pool)
            }
        } catch {
            if let refusal = FileSystemError.describing(error, path: path) { throw refusal }
            throw CacheError(
                .openFailed, "cannot open the history cache \(path): \(Self.reason(error))\(Self.advice(error))")
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

    /// Opens the cache at `path` only to read it, writing nothing in its folder: for the
    /// commands that only read (`history`, `export`) on a data folder that cannot be written
    /// (a read-only mount, a copied backup). A cache whose log was checkpointed away is opened
    /// as immutable when SQLite cannot make its shared-memory file there. Writes throw.
    /// - Throws: `CacheError` `.openFailed`, or `.accountMismatch`.
    public init(readingOnly path: String, account: AccountID) throws {
        self.account = account
        self.path = path
        isReadOnly = true
        lock = try? CacheFileLock(cachePath: path, exclusive: false)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CacheError(
                .openFailed,
                "there is no history cache at \(path) yet; run `sotto sync` where the folder can be written")
        }
        var configuration = Self.configuration
        configuration.readonly = true
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            _ = try pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
            self.pool = pool
        } catch  where !FileManager.default.fileExists(atPath: path + "-wal") {
            // No log to read: the main file is the whole cache, and nothing can change it here.
            do {
                pool = try DatabasePool(
                    path: "file:" + Self.uriPath(path) + "?immutable=1", configuration: configuration)
            } catch {
                throw CacheError(.openFailed, "cannot read the history cache \(path): \(Self.reason(error))")
            }
        } catch {
            throw CacheError(.openFailed, "cannot read the history cache \(path): \(Self.reason(error))")
        }
        let stored = try run { try pool.read { try String.fetchOne($0, sql: "SELECT account FROM cache_account") } }
        guard stored == account.rawValue else {
            throw CacheError(
                .accountMismatch,
                "the history cache \(path) belongs to another account; use that account's --data-dir or another folder")
        }
    }

    /// `path` with the characters a URI gives meaning to escaped.
    private static func uriPath(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// How long a write waits for another process's write to end. Several processes share a
    /// device's cache (the full screen, a script's `sotto ask`, a second window); each write is
    /// one short transaction begun IMMEDIATE (GRDB's default for writes), so waiting its turn
    /// always ends, and no user sees SQLite's "database is locked".
    static let writerWait: TimeInterval = 60

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.label = "sotto.history"
        configuration.busyMode = .timeout(writerWait)
        return configuration
    }

    /// Adds or replaces `records`, all or none.
    public func write(_ records: [CachedRecord]) throws {
        var change = CacheChange()
        change.writes = records
        try apply(change)
    }

    /// Writes a local change of record `id` (pending) at the version that follows the copy held
    /// now, read in the same transaction: another process of this device may have pushed or
    /// changed the record since this one last looked, and its newer version must not be
    /// overwritten by an older one.
    /// - Parameter seal: given the held copy's version and state (nil when none), the version
    ///   to write and the envelope sealed for it.
    /// - Returns: the version written.
    public func writeChange(
        id: RecordID, kind: RecordKind, parent: RecordID?,
        seal: (_ held: (version: UInt64, state: SyncState)?) throws -> (version: UInt64, envelope: RecordEnvelope)
    ) throws -> UInt64 {
        try withoutActuallyEscaping(seal) { seal in
            try writeChanges([LocalChange(id: id, kind: kind, parent: parent, seal: seal)])[0]
        }
    }

    /// One local change for `writeChanges`: the record, and how to seal it given the held copy.
    public struct LocalChange {
        public var id: RecordID
        public var kind: RecordKind
        public var parent: RecordID?
        public var seal:
            (_ held: (version: UInt64, state: SyncState)?) throws -> (
                version: UInt64, envelope: RecordEnvelope
            )

        public init(
            id: RecordID, kind: RecordKind, parent: RecordID?,
            seal:
                @escaping (_ held: (version: UInt64, state: SyncState)?) throws -> (
                    version: UInt64, envelope: RecordEnvelope
                )
        ) {
            self.id = id
            self.kind = kind
            self.parent = parent
            self.seal = seal
        }
    }

    /// Writes several local changes (`writeChange`) in one transaction: after a failure of any
    /// (a seal that throws, the disk), none is stored.
    /// - Returns: the versions written, in order.
    public func writeChanges(_ changes: [LocalChange]) throws -> [UInt64] {
        try run {
            try pool.write { db in
                try changes.map { change in
                    let row = try Row.fetchOne(
                        db, sql: "SELECT version, sync_state FROM record WHERE id = ?",
                        arguments: [Data(change.id.bytes)])
                    let held = row.map { row -> (version: UInt64, state: SyncState) in
                        let version: Int64 = row["version"]
                        let state: Int64 = row["sync_state"]
                        return (UInt64(bitPattern: version), SyncState(rawValue: Int(state)) ?? .pending)
                    }
                    let (version, envelope) = try change.seal(held)
                    try db.execute(
                        sql: """
                            INSERT INTO record (id, kind, version, parent, envelope, sync_state)
                            VALUES (?, ?, ?, ?, ?, ?)
                            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, version = excluded.version,
                                parent = excluded.parent, envelope = excluded.envelope, sync_state = excluded.sync_state
                            """,
                        arguments: [
                            Data(change.id.bytes), Int64(change.kind.rawValue), Int64(bitPattern: version),
                            change.parent.map { Data($0.bytes) }, Data(envelope.bytes),
                            Int64(SyncState.pending.rawValue),
                        ])
                    return version
                }
            }
        }
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

    /// Asks the server again for record `id`, whose copy here no longer opens (damaged on this
    /// disk): when it is the server's copy (synced) and was not asked for at this version
    /// before, the pull cursor goes back to 0, so the next sync pulls every record again and
    /// the server's copy replaces this one (`HistoryStore.apply` takes a copy over a local one
    /// that does not open). The protocol's only position is the cursor, hence a whole pull;
    /// it happens once per damaged version. A change still waiting to be pushed has no other copy.
    /// - Returns: whether the next sync fetches it.
    @discardableResult
    public func requestRepair(_ id: RecordID) throws -> Bool {
        try run {
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO repair (id, version)
                        SELECT id, version FROM record WHERE id = ? AND sync_state = 0
                        """,
                    arguments: [Data(id.bytes)])
                guard db.changesCount > 0 else { return false }
                try db.execute(sql: "UPDATE sync_cursor SET cursor = 0")
                return true
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
        do { return try body() } catch let error as CacheError { throw error } catch let error
            as CodedError<RecordErrorCode>
        {
            throw error
        } catch {
            // A cache opened to read refuses writes by design, not because of its folder.
            if !isReadOnly, let refusal = FileSystemError.describing(error, path: path) { throw refusal }
            throw CacheError(.databaseFailed, "the history cache \(path) failed: \(Self.reason(error))")
        }
    }

    /// What to do about a cache file SQLite finds damaged: it holds copies of what the server
    /// keeps, plus changes not yet pushed, so it is set aside (kept) and pulled again.
    static func advice(_ error: any Error) -> String {
        guard let error = error as? DatabaseError,
            [ResultCode.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode.primaryResultCode)
        else { return "" }
        return
            ". The file is damaged; `sotto sync --rebuild-cache` sets it aside (kept, with any change not yet synced) and restores the history from the server"
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
