import Foundation
import GRDB
import Wire

/// The server's default store: one SQLite file (`server.sqlite` in the data folder), WAL,
/// `synchronous = FULL`, mode 0600. Writes are serialised by GRDB's single writer, so an
/// account's sequences follow commit order; calls run on GRDB's queues, never blocking
/// Swift's cooperative threads.
public final class SQLiteServerStore: ServerStore {
    /// The store's file name inside the server's data folder.
    public static let fileName = "server.sqlite"

    /// The database file.
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating when missing) the database at `path`; call `migrate()` before use.
    /// - Throws: `StoreError` `.unavailable` when the file cannot be created or opened.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            // SQLite gives the -wal and -shm files the main file's mode, so creating it
            // owner-only first keeps all three private from the start.
            if !FileManager.default.fileExists(atPath: path) {
                guard
                    FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                else { throw CocoaError(.fileWriteNoPermission) }
            }
            var configuration = Configuration()
            configuration.label = "sotto.server-store"
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(10)
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB's WAL set-up chooses NORMAL; FULL also syncs the log on every commit, so an
            // acknowledged push survives a power loss.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError(.unavailable, "cannot open the server store \(path): \(Self.reason(error))")
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }

    // MARK: ServerStore

    public func migrate() async throws {
        let migrator = SQLiteServerSchema.migrator
        let superseded = try await read { try migrator.hasBeenSuperseded($0) }
        if superseded {
            throw StoreError(
                .schemaTooNew,
                "the server store \(path) was written by a newer sotto-server; run that version or newer")
        }
        let pool = self.pool
        try await run {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                migrator.asyncMigrate(pool) { result in
                    continuation.resume(with: result.map { _ in () })
                }
            }
        }
    }

    public func close() async throws {
        try await run { try pool.close() }
    }

    // MARK: AccountStore

    public func createAccount(
        _ account: StoredAccount, credential: StoredCredential, recovery: StoredRecovery
    )
        async throws
    {
        try await write { db in
            if try Self.exists(db, "SELECT 1 FROM accounts WHERE id = ?", [account.id.rawValue]) {
                throw StoreError(.duplicate, "account \(account.id) already exists")
            }
            try Self.refuseExistingCredential(db, credential.id)
            if try Self.exists(db, "SELECT 1 FROM recoveries WHERE key_id = ?", [Data(recovery.keyID)]) {
                throw StoreError(.duplicate, "this recovery key is already enrolled for another account")
            }
            try db.execute(
                sql: "INSERT INTO accounts (id, user_handle, created_at) VALUES (?, ?, ?)",
                arguments: [
                    account.id.rawValue, Data(account.userHandle), StoreTime.milliseconds(account.createdAt),
                ])
            try Self.insert(db, credential, account: account.id)
            try Self.upsert(db, recovery, account: account.id)
        }
    }

    public func account(_ id: AccountID) async throws -> StoredAccount? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ?", arguments: [id.rawValue]).map {
                StoredAccount(
                    id: try AccountID($0["id"]), userHandle: Self.bytes($0["user_handle"]),
                    createdAt: StoreTime.date($0["created_at"]))
            }
        }
    }

    public func credential(id: [UInt8]) async throws -> StoredCredential? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM credentials WHERE id = ?", arguments: [Data(id)]).map(
                Self.credential)
        }
    }

    public func credentials(of account: AccountID) async throws -> [StoredCredential] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM credentials WHERE account_id = ? ORDER BY created_at, id",
                arguments: [account.rawValue]
            ).map(Self.credential)
        }
    }

    public func addCredential(_ credential: StoredCredential) async throws {
        try await write { db in
            try Self.requireAccount(db, credential.accountID)
            try Self.refuseExistingCredential(db, credential.id)
            try Self.insert(db, credential, account: credential.accountID)
        }
    }

    public func removeCredential(id: [UInt8], of account: AccountID) async throws {
        try await write { db in
            guard
                try Self.exists(
                    db, "SELECT 1 FROM credentials WHERE id = ? AND account_id = ?", [Data(id), account.rawValue])
            else {
                throw StoreError(.notFound, "account \(account) has no such passkey; list them with passkeys list")
            }
            let count =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM credentials WHERE account_id = ?", arguments: [account.rawValue])
                ?? 0
            guard count > 1 else {
                throw StoreError(
                    .lastCredential,
                    "account \(account) keeps at least one passkey; add another before removing this one")
            }
            try db.execute(sql: "DELETE FROM sessions WHERE credential_id = ?", arguments: [Data(id)])
            try db.execute(sql: "DELETE FROM credentials WHERE id = ?", arguments: [Data(id)])
        }
    }

    public func recordUse(ofCredential id: [UInt8], signCount: UInt32, at time: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE credentials SET sign_count = ?, last_used_at = ? WHERE id = ?",
                arguments: [Int64(signCount), StoreTime.milliseconds(time), Data(id)])
            guard db.changesCount > 0 else {
                throw StoreError(.notFound, "no account has this passkey any more; log in with another")
            }
        }
    }

    public func recovery(keyID: [UInt8]) async throws -> StoredRecovery? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM recoveries WHERE key_id = ?", arguments: [Data(keyID)]).map(
                Self.recovery)
        }
    }

    public func recovery(of account: AccountID) async throws -> StoredRecovery? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM recoveries WHERE account_id = ?", arguments: [account.rawValue])
                .map(Self.recovery)
        }
    }

    public func setRecovery(_ recovery: StoredRecovery) async throws {
        try await write { db in
            try Self.requireAccount(db, recovery.accountID)
            if try Self.exists(
                db, "SELECT 1 FROM recoveries WHERE key_id = ? AND account_id != ?",
                [Data(recovery.keyID), recovery.accountID.rawValue])
            {
                throw StoreError(.duplicate, "this recovery key is already enrolled for another account")
            }
            try Self.upsert(db, recovery, account: recovery.accountID)
        }
    }

    public func beginKeyRotation(_ rotation: StoredKeyRotation) async throws -> StoredKeyRotation {
        try await write { db in
            if let existing = try Self.keyRotation(db, rotation.accountID) { return existing }
            guard
                try Self.exists(
                    db, "SELECT 1 FROM credentials WHERE id = ? AND account_id = ?",
                    [Data(rotation.credentialID), rotation.accountID.rawValue])
            else {
                throw StoreError(.notFound, "account \(rotation.accountID) has no such passkey")
            }
            try db.execute(
                sql: """
                    INSERT INTO key_rotations (account_id, credential_id, wrapped_root_key, started_at)
                    VALUES (?, ?, ?, ?)
                    """,
                arguments: [
                    rotation.accountID.rawValue, Data(rotation.credentialID), Data(rotation.wrappedRootKey),
                    StoreTime.milliseconds(rotation.startedAt),
                ])
            return rotation
        }
    }

    public func keyRotation(of account: AccountID) async throws -> StoredKeyRotation? {
        try await read { db in try Self.keyRotation(db, account) }
    }

    public func replaceRootKey(_ replacement: RootKeyReplacement) async throws -> [[UInt8]] {
        let account = replacement.accountID
        return try await write { db in
            guard try Self.keyRotation(db, account) != nil else {
                throw StoreError(.notFound, "account \(account) has no root key rotation under way")
            }
            let last =
                try Int64.fetchOne(
                    db, sql: "SELECT last_sequence FROM account_sequences WHERE account_id = ?",
                    arguments: [account.rawValue]) ?? 0
            guard last == replacement.lastSequence else {
                throw StoreError(
                    .stale, "account \(account)'s records changed (sequence \(last)) since the rotation last looked")
            }
            guard !replacement.passkeys.isEmpty else {
                throw StoreError(.lastCredential, "account \(account) keeps at least one passkey")
            }
            let held = Set(
                try Data.fetchAll(
                    db, sql: "SELECT id FROM credentials WHERE account_id = ?", arguments: [account.rawValue]
                )
                .map(Self.bytes))
            let kept = Set(replacement.passkeys.map(\.id))
            guard kept.isSubset(of: held) else {
                throw StoreError(.notFound, "account \(account) has no such passkey; list them with passkeys list")
            }
            if try Self.exists(
                db, "SELECT 1 FROM recoveries WHERE key_id = ? AND account_id != ?",
                [Data(replacement.recovery.keyID), account.rawValue])
            {
                throw StoreError(.duplicate, "this recovery key is already enrolled for another account")
            }
            for passkey in replacement.passkeys {
                try db.execute(
                    sql: "UPDATE credentials SET wrapped_root_key = ? WHERE id = ?",
                    arguments: [Data(passkey.wrappedRootKey), Data(passkey.id)])
            }
            let removed = held.subtracting(kept).sorted { $0.lexicographicallyPrecedes($1) }
            for id in removed {
                try db.execute(sql: "DELETE FROM credentials WHERE id = ?", arguments: [Data(id)])
            }
            try Self.upsert(db, replacement.recovery, account: account)
            try db.execute(sql: "DELETE FROM sessions WHERE account_id = ?", arguments: [account.rawValue])
            try Self.insert(db, replacement.session)
            try db.execute(sql: "DELETE FROM key_rotations WHERE account_id = ?", arguments: [account.rawValue])
            return removed
        }
    }

    public func insertChallenge(_ challenge: StoredChallenge) async throws {
        try await write { db in
            if try Self.exists(db, "SELECT 1 FROM challenges WHERE id = ?", [challenge.id]) {
                throw StoreError(.duplicate, "challenge \(challenge.id) already exists")
            }
            try db.execute(
                sql: """
                    INSERT INTO challenges (id, purpose, challenge, account_id, user_handle, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    challenge.id, challenge.purpose.rawValue, Data(challenge.challenge), challenge.accountID?.rawValue,
                    challenge.userHandle.map { Data($0) }, StoreTime.milliseconds(challenge.expiresAt),
                ])
        }
    }

    public func takeChallenge(id: String, now: Date) async throws -> StoredChallenge? {
        // One write transaction reads and deletes, and writes are serialised: a second taker
        // finds nothing.
        try await write { db -> StoredChallenge? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM challenges WHERE id = ?", arguments: [id]) else {
                return nil
            }
            try db.execute(sql: "DELETE FROM challenges WHERE id = ?", arguments: [id])
            let expiresAt: Int64 = row["expires_at"]
            guard expiresAt > StoreTime.milliseconds(now) else { return nil }
            let purpose: String = row["purpose"]
            guard let purposeValue = StoredChallenge.Purpose(rawValue: purpose) else {
                throw StoreError(.unavailable, "challenge \(id) has an unknown purpose; the store is damaged")
            }
            let account: String? = row["account_id"]
            let userHandle: Data? = row["user_handle"]
            return StoredChallenge(
                id: id, purpose: purposeValue, challenge: Self.bytes(row["challenge"]),
                accountID: try account.map { try AccountID($0) }, userHandle: userHandle.map { Array($0) },
                expiresAt: StoreTime.date(expiresAt))
        }
    }

    public func insertSession(_ session: StoredSession) async throws {
        try await write { db in
            try Self.requireAccount(db, session.accountID)
            if try Self.exists(db, "SELECT 1 FROM sessions WHERE token_hash = ?", [Data(session.tokenHash)]) {
                throw StoreError(.duplicate, "a session with this token already exists; draw a new token")
            }
            try Self.insert(db, session)
        }
    }

    public func session(tokenHash: [UInt8], now: Date) async throws -> StoredSession? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?",
                    arguments: [Data(tokenHash), StoreTime.milliseconds(now)])
            else { return nil }
            let credential: Data? = row["credential_id"]
            return StoredSession(
                tokenHash: tokenHash, accountID: try AccountID(row["account_id"]),
                credentialID: credential.map { Array($0) }, createdAt: StoreTime.date(row["created_at"]),
                expiresAt: StoreTime.date(row["expires_at"]))
        }
    }

    public func deleteSession(tokenHash: [UInt8]) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [Data(tokenHash)])
        }
    }

    public func deleteSessions(of account: AccountID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE account_id = ?", arguments: [account.rawValue])
        }
    }

    public func purgeExpired(now: Date) async throws {
        let cutoff = StoreTime.milliseconds(now)
        try await write { db in
            try db.execute(sql: "DELETE FROM challenges WHERE expires_at <= ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at <= ?", arguments: [cutoff])
        }
    }

    // MARK: RecordStore

    public func push(_ records: [SyncRecord], account: AccountID, limits: StoreLimits) async throws -> [PushResult] {
        try limits.checkEnvelopes(of: records)
        guard !records.isEmpty else { return [] }
        return try await write { db in
            let counters = try Row.fetchOne(
                db, sql: "SELECT * FROM account_sequences WHERE account_id = ?", arguments: [account.rawValue])
            var sequence: Int64 = counters?["last_sequence"] ?? 0
            let before = RecordUsage(records: counters?["live_records"] ?? 0, bytes: counters?["live_bytes"] ?? 0)
            var usage = before
            var results: [PushResult] = []
            results.reserveCapacity(records.count)
            for record in records {
                let stored = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM records WHERE account_id = ? AND id = ?"),
                    arguments: [account.rawValue, Data(record.id.bytes)]
                ).map(Self.syncRecord)
                switch PushDecision.decide(record, over: stored) {
                case .store:
                    sequence += 1
                    usage.replace(stored, with: record)
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO records (account_id, id, kind, version, envelope, sequence, size, deletion)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (account_id, id) DO UPDATE SET kind = excluded.kind,
                                version = excluded.version, envelope = excluded.envelope,
                                sequence = excluded.sequence, size = excluded.size, deletion = excluded.deletion
                            """
                    ).execute(
                        arguments: [
                            account.rawValue, Data(record.id.bytes), Int64(record.kind.rawValue),
                            Int64(bitPattern: record.version), record.envelope.map { Data($0.bytes) }, sequence,
                            Int64(record.envelope?.bytes.count ?? 0), record.deletion.map { Data($0.bytes) },
                        ])
                    results.append(PushResult(id: record.id, status: .accepted, sequence: sequence, current: nil))
                case .alreadyStored:
                    results.append(
                        PushResult(id: record.id, status: .accepted, sequence: stored?.sequence, current: nil))
                case .conflict:
                    results.append(PushResult(id: record.id, status: .conflict, sequence: nil, current: stored))
                }
            }
            try limits.checkQuota(account: account, before: before, after: usage)
            try db.execute(
                sql: """
                    INSERT INTO account_sequences (account_id, last_sequence, live_records, live_bytes)
                    VALUES (?, ?, ?, ?)
                    ON CONFLICT (account_id) DO UPDATE SET last_sequence = excluded.last_sequence,
                        live_records = excluded.live_records, live_bytes = excluded.live_bytes
                    """,
                arguments: [account.rawValue, sequence, usage.records, usage.bytes])
            return results
        }
    }

    public func pull(account: AccountID, after cursor: Int64, limit: Int, maximumBytes: Int) async throws -> RecordPage
    {
        let limit = max(limit, 1)
        return try await read { db in
            // Sizes first, so envelopes beyond the page's byte budget are never read.
            let sizes = try Int64.fetchAll(
                db, sql: "SELECT size FROM records WHERE account_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [account.rawValue, cursor, limit + 1])
            let count = PullPageBudget.count(sizes: sizes, limit: limit, maximumBytes: maximumBytes)
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM records WHERE account_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [account.rawValue, cursor, count])
            let records = try rows.map(Self.syncRecord)
            return RecordPage(
                records: records, cursor: records.last?.sequence ?? cursor, more: sizes.count > records.count)
        }
    }

    public func usage(account: AccountID, limits: StoreLimits) async throws -> StorageUsage {
        try await read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT live_records, live_bytes FROM account_sequences WHERE account_id = ?",
                arguments: [account.rawValue])
            return StorageUsage(
                records: row?["live_records"] ?? 0, bytes: row?["live_bytes"] ?? 0,
                maximumRecords: limits.maximumRecords, maximumBytes: limits.maximumBytes)
        }
    }

    // MARK: Rows

    private static func insert(_ db: Database, _ credential: StoredCredential, account: AccountID) throws {
        try db.execute(
            sql: """
                INSERT INTO credentials (id, account_id, public_key, sign_count, kind, name, wrapped_root_key,
                    created_at, last_used_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Data(credential.id), account.rawValue, Data(credential.publicKey), Int64(credential.signCount),
                credential.kind, credential.name, Data(credential.wrappedRootKey),
                StoreTime.milliseconds(credential.createdAt), credential.lastUsedAt.map(StoreTime.milliseconds),
            ])
    }

    private static func insert(_ db: Database, _ session: StoredSession) throws {
        try db.execute(
            sql: """
                INSERT INTO sessions (token_hash, account_id, credential_id, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [
                Data(session.tokenHash), session.accountID.rawValue, session.credentialID.map { Data($0) },
                StoreTime.milliseconds(session.createdAt), StoreTime.milliseconds(session.expiresAt),
            ])
    }

    private static func keyRotation(_ db: Database, _ account: AccountID) throws -> StoredKeyRotation? {
        try Row.fetchOne(db, sql: "SELECT * FROM key_rotations WHERE account_id = ?", arguments: [account.rawValue])
            .map {
                StoredKeyRotation(
                    accountID: account, credentialID: bytes($0["credential_id"]),
                    wrappedRootKey: bytes($0["wrapped_root_key"]), startedAt: StoreTime.date($0["started_at"]))
            }
    }

    private static func upsert(_ db: Database, _ recovery: StoredRecovery, account: AccountID) throws {
        try db.execute(
            sql: """
                INSERT INTO recoveries (account_id, key_id, wrapped_root_key, auth_public_key, updated_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (account_id) DO UPDATE SET key_id = excluded.key_id,
                    wrapped_root_key = excluded.wrapped_root_key, auth_public_key = excluded.auth_public_key,
                    updated_at = excluded.updated_at
                """,
            arguments: [
                account.rawValue, Data(recovery.keyID), Data(recovery.wrappedRootKey), Data(recovery.authPublicKey),
                StoreTime.milliseconds(recovery.updatedAt),
            ])
    }

    private static func credential(_ row: Row) throws -> StoredCredential {
        let lastUsed: Int64? = row["last_used_at"]
        let signCount: Int64 = row["sign_count"]
        return StoredCredential(
            id: bytes(row["id"]), accountID: try AccountID(row["account_id"]), publicKey: bytes(row["public_key"]),
            signCount: UInt32(truncatingIfNeeded: signCount), kind: row["kind"], name: row["name"],
            wrappedRootKey: bytes(row["wrapped_root_key"]), createdAt: StoreTime.date(row["created_at"]),
            lastUsedAt: lastUsed.map(StoreTime.date))
    }

    private static func recovery(_ row: Row) throws -> StoredRecovery {
        StoredRecovery(
            accountID: try AccountID(row["account_id"]), keyID: bytes(row["key_id"]),
            wrappedRootKey: bytes(row["wrapped_root_key"]), authPublicKey: bytes(row["auth_public_key"]),
            updatedAt: StoreTime.date(row["updated_at"]))
    }

    private static func syncRecord(_ row: Row) throws -> SyncRecord {
        let kindValue: Int64 = row["kind"]
        guard let kind = RecordKind(rawValue: UInt8(clamping: kindValue)) else {
            throw StoreError(.unavailable, "a stored record has unknown kind \(kindValue); the store is damaged")
        }
        let envelope: Data? = row["envelope"]
        let deletion: Data? = row["deletion"]
        let version: Int64 = row["version"]
        return SyncRecord(
            id: try RecordID(bytes: Data(row["id"] as Data)), kind: kind, version: UInt64(bitPattern: version),
            envelope: envelope.map { Array($0) }, deletion: deletion.map { Array($0) }, sequence: row["sequence"])
    }

    private static func bytes(_ data: Data) -> [UInt8] { Array(data) }

    private static func exists(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try Row.fetchOne(db, sql: sql, arguments: arguments) != nil
    }

    private static func requireAccount(_ db: Database, _ account: AccountID) throws {
        guard try exists(db, "SELECT 1 FROM accounts WHERE id = ?", [account.rawValue]) else {
            throw StoreError(.notFound, "account \(account) does not exist")
        }
    }

    private static func refuseExistingCredential(_ db: Database, _ id: [UInt8]) throws {
        if try exists(db, "SELECT 1 FROM credentials WHERE id = ?", [Data(id)]) {
            throw StoreError(.duplicate, "this passkey is already registered")
        }
    }

    // MARK: Running

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await run { try await pool.read(body) }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await run { try await pool.write(body) }
    }

    /// Passes `StoreError` and cancellation through; anything else is the database failing.
    private func run<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as StoreError { throw error } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw StoreError(.unavailable, "the server store \(path) failed: \(Self.reason(error))")
        }
    }

    /// SQLite's result code and message: they name the failure, never row contents.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue)" + (error.message.map { ": \($0)" } ?? "")
        }
        if let error = error as? CodedError<RecordErrorCode> { return error.description }
        return String(describing: type(of: error))
    }
}
