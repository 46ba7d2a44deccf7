import Foundation
import Logging
import PostgresNIO
import Wire

/// The server's store on PostgreSQL, for several server processes sharing one database.
/// Same tables and semantics as `SQLiteServerStore`; a push holds its account's row in
/// `account_sequences` locked until commit, so an account's sequences follow commit order
/// across connections and processes.
public final class PostgresServerStore: ServerStore {
    /// Where the database is (its description hides the password).
    public let url: PostgresStoreURL
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// How long one call may wait: PostgresClient keeps retrying a database it cannot reach
    /// instead of failing the calls queued for it.
    private let timeout: Duration

    /// Starts a client for `url` (connections open on first use); call `migrate()` before use.
    public init(url: PostgresStoreURL, logger: Logger, timeout: Duration = .seconds(30)) {
        self.url = url
        self.logger = logger
        self.timeout = timeout
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    // MARK: ServerStore

    public func migrate() async throws {
        let schema = url.schema
        try await run { client, logger in
            if let schema {
                // A plain identifier (checked when parsed), so quoting is enough.
                try await client.query(
                    PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
            }
            try await client.withTransaction(logger: logger) { connection in
                // Two servers starting together migrate one after the other.
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version bigint PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)
                    """, logger: logger)
                let applied =
                    try await connection.query("SELECT max(version) FROM schema_migrations", logger: logger)
                    .collect().first?.decode(Int64?.self) ?? nil
                let current = applied ?? 0
                guard current <= PostgresServerSchema.latestVersion else {
                    throw StoreError(
                        .schemaTooNew,
                        "the PostgreSQL store \(self.url) has schema version \(current), newer than this"
                            + " sotto-server's \(PostgresServerSchema.latestVersion); run that version or newer")
                }
                for migration in PostgresServerSchema.migrations where migration.version > current {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        """
                        INSERT INTO schema_migrations (version, name, applied_at)
                        VALUES (\(migration.version), \(migration.name), \(StoreTime.milliseconds(Date())))
                        """, logger: logger)
                }
            }
        }
    }

    public func close() async throws {
        runner.cancel()
        await runner.value
    }

    // MARK: AccountStore

    public func createAccount(
        _ account: StoredAccount, credential: StoredCredential, recovery: StoredRecovery
    )
        async throws
    {
        try await transaction { connection, logger in
            if try await Self.exists(connection, logger, "SELECT 1 FROM accounts WHERE id = \(account.id.rawValue)") {
                throw StoreError(.duplicate, "account \(account.id) already exists")
            }
            try await Self.refuseExistingCredential(connection, logger, credential.id)
            if try await Self.exists(
                connection, logger, "SELECT 1 FROM recoveries WHERE key_id = \(ByteBuffer(bytes: recovery.keyID))")
            {
                throw StoreError(.duplicate, "this recovery key is already enrolled for another account")
            }
            try await connection.query(
                """
                INSERT INTO accounts (id, user_handle, created_at)
                VALUES (\(account.id.rawValue), \(ByteBuffer(bytes: account.userHandle)),
                    \(StoreTime.milliseconds(account.createdAt)))
                """, logger: logger)
            try await Self.insert(connection, logger, credential, account: account.id)
            try await Self.upsert(connection, logger, recovery, account: account.id)
        }
    }

    public func account(_ id: AccountID) async throws -> StoredAccount? {
        try await run { client, logger in
            let rows = try await client.query(
                "SELECT user_handle, created_at FROM accounts WHERE id = \(id.rawValue)", logger: logger
            ).collect()
            return try rows.first.map { row in
                let (handle, created) = try row.decode((ByteBuffer, Int64).self)
                return StoredAccount(id: id, userHandle: Self.bytes(handle), createdAt: StoreTime.date(created))
            }
        }
    }

    public func credential(id: [UInt8]) async throws -> StoredCredential? {
        try await run { client, logger in
            try await client.query(
                "SELECT \(unescaped: Self.credentialColumns) FROM credentials WHERE id = \(ByteBuffer(bytes: id))",
                logger: logger
            ).collect().first.map(Self.credential)
        }
    }

    public func credentials(of account: AccountID) async throws -> [StoredCredential] {
        try await run { client, logger in
            try await client.query(
                """
                SELECT \(unescaped: Self.credentialColumns) FROM credentials WHERE account_id = \(account.rawValue)
                ORDER BY created_at, id
                """, logger: logger
            ).collect().map(Self.credential)
        }
    }

    public func addCredential(_ credential: StoredCredential) async throws {
        try await transaction { connection, logger in
            try await Self.requireAccount(connection, logger, credential.accountID)
            try await Self.refuseExistingCredential(connection, logger, credential.id)
            try await Self.insert(connection, logger, credential, account: credential.accountID)
        }
    }

    public func removeCredential(id: [UInt8], of account: AccountID) async throws {
        try await transaction { connection, logger in
            // The account's row lock serialises its passkey removals: two at once cannot both
            // see a second passkey and leave none.
            try await Self.requireAccount(connection, logger, account, lock: true)
            let owned = try await Self.exists(
                connection, logger,
                "SELECT 1 FROM credentials WHERE id = \(ByteBuffer(bytes: id)) AND account_id = \(account.rawValue)")
            guard owned else {
                throw StoreError(.notFound, "account \(account) has no such passkey; list them with passkeys list")
            }
            let count =
                try await connection.query(
                    "SELECT count(*) FROM credentials WHERE account_id = \(account.rawValue)", logger: logger
                ).collect().first?.decode(Int64.self) ?? 0
            guard count > 1 else {
                throw StoreError(
                    .lastCredential,
                    "account \(account) keeps at least one passkey; add another before removing this one")
            }
            try await connection.query(
                "DELETE FROM sessions WHERE credential_id = \(ByteBuffer(bytes: id))", logger: logger)
            try await connection.query("DELETE FROM credentials WHERE id = \(ByteBuffer(bytes: id))", logger: logger)
        }
    }

    public func recordUse(ofCredential id: [UInt8], signCount: UInt32, at time: Date) async throws {
        try await run { client, logger in
            let updated = try await client.query(
                """
                UPDATE credentials SET sign_count = \(Int64(signCount)), last_used_at = \(StoreTime.milliseconds(time))
                WHERE id = \(ByteBuffer(bytes: id)) RETURNING 1
                """, logger: logger
            ).collect()
            guard !updated.isEmpty else {
                throw StoreError(.notFound, "no account has this passkey any more; log in with another")
            }
        }
    }

    public func recovery(keyID: [UInt8]) async throws -> StoredRecovery? {
        try await run { client, logger in
            try await client.query(
                "SELECT \(unescaped: Self.recoveryColumns) FROM recoveries WHERE key_id = \(ByteBuffer(bytes: keyID))",
                logger: logger
            ).collect().first.map(Self.recovery)
        }
    }

    public func recovery(of account: AccountID) async throws -> StoredRecovery? {
        try await run { client, logger in
            try await client.query(
                "SELECT \(unescaped: Self.recoveryColumns) FROM recoveries WHERE account_id = \(account.rawValue)",
                logger: logger
            ).collect().first.map(Self.recovery)
        }
    }

    public func setRecovery(_ recovery: StoredRecovery) async throws {
        try await transaction { connection, logger in
            try await Self.requireAccount(connection, logger, recovery.accountID)
            let taken = try await Self.exists(
                connection, logger,
                """
                SELECT 1 FROM recoveries WHERE key_id = \(ByteBuffer(bytes: recovery.keyID))
                AND account_id <> \(recovery.accountID.rawValue)
                """)
            if taken { throw StoreError(.duplicate, "this recovery key is already enrolled for another account") }
            try await Self.upsert(connection, logger, recovery, account: recovery.accountID)
        }
    }

    public func beginKeyRotation(_ rotation: StoredKeyRotation) async throws -> StoredKeyRotation {
        try await transaction { connection, logger in
            try await Self.requireAccount(connection, logger, rotation.accountID, lock: true)
            if let existing = try await Self.keyRotation(connection, logger, rotation.accountID) { return existing }
            let owned = try await Self.exists(
                connection, logger,
                """
                SELECT 1 FROM credentials WHERE id = \(ByteBuffer(bytes: rotation.credentialID))
                AND account_id = \(rotation.accountID.rawValue)
                """)
            guard owned else { throw StoreError(.notFound, "account \(rotation.accountID) has no such passkey") }
            try await connection.query(
                """
                INSERT INTO key_rotations (account_id, credential_id, wrapped_root_key, started_at)
                VALUES (\(rotation.accountID.rawValue), \(ByteBuffer(bytes: rotation.credentialID)),
                    \(ByteBuffer(bytes: rotation.wrappedRootKey)), \(StoreTime.milliseconds(rotation.startedAt)))
                """, logger: logger)
            return rotation
        }
    }

    public func keyRotation(of account: AccountID) async throws -> StoredKeyRotation? {
        try await transaction { connection, logger in try await Self.keyRotation(connection, logger, account) }
    }

    public func replaceRootKey(_ replacement: RootKeyReplacement) async throws -> [[UInt8]] {
        let account = replacement.accountID
        return try await transaction { connection, logger in
            // The account's row serialises passkey changes; the counter row, pushes: a push
            // waits for the rotation's commit, or the rotation sees its sequence.
            try await Self.requireAccount(connection, logger, account, lock: true)
            guard try await Self.keyRotation(connection, logger, account) != nil else {
                throw StoreError(.notFound, "account \(account) has no root key rotation under way")
            }
            let last =
                try await connection.query(
                    """
                    INSERT INTO account_sequences (account_id, last_sequence, live_records, live_bytes)
                    VALUES (\(account.rawValue), 0, 0, 0)
                    ON CONFLICT (account_id) DO UPDATE SET account_id = excluded.account_id
                    RETURNING last_sequence
                    """, logger: logger
                ).collect().first?.decode(Int64.self) ?? 0
            guard last == replacement.lastSequence else {
                throw StoreError(
                    .stale, "account \(account)'s records changed (sequence \(last)) since the rotation last looked")
            }
            guard !replacement.passkeys.isEmpty else {
                throw StoreError(.lastCredential, "account \(account) keeps at least one passkey")
            }
            let held = Set(
                try await connection.query(
                    "SELECT id FROM credentials WHERE account_id = \(account.rawValue)", logger: logger
                ).collect().map { Self.bytes(try $0.decode(ByteBuffer.self)) })
            let kept = Set(replacement.passkeys.map(\.id))
            guard kept.isSubset(of: held) else {
                throw StoreError(.notFound, "account \(account) has no such passkey; list them with passkeys list")
            }
            let taken = try await Self.exists(
                connection, logger,
                """
                SELECT 1 FROM recoveries WHERE key_id = \(ByteBuffer(bytes: replacement.recovery.keyID))
                AND account_id <> \(account.rawValue)
                """)
            if taken { throw StoreError(.duplicate, "this recovery key is already enrolled for another account") }
            for passkey in replacement.passkeys {
                try await connection.query(
                    """
                    UPDATE credentials SET wrapped_root_key = \(ByteBuffer(bytes: passkey.wrappedRootKey))
                    WHERE id = \(ByteBuffer(bytes: passkey.id))
                    """, logger: logger)
            }
            let removed = held.subtracting(kept).sorted { $0.lexicographicallyPrecedes($1) }
            for id in removed {
                try await connection.query(
                    "DELETE FROM credentials WHERE id = \(ByteBuffer(bytes: id))", logger: logger)
            }
            try await Self.upsert(connection, logger, replacement.recovery, account: account)
            try await connection.query("DELETE FROM sessions WHERE account_id = \(account.rawValue)", logger: logger)
            let session = replacement.session
            try await connection.query(
                """
                INSERT INTO sessions (token_hash, account_id, credential_id, created_at, expires_at)
                VALUES (\(ByteBuffer(bytes: session.tokenHash)), \(account.rawValue),
                    \(session.credentialID.map { ByteBuffer(bytes: $0) }), \(StoreTime.milliseconds(session.createdAt)),
                    \(StoreTime.milliseconds(session.expiresAt)))
                """, logger: logger)
            try await connection.query(
                "DELETE FROM key_rotations WHERE account_id = \(account.rawValue)", logger: logger)
            return removed
        }
    }

    public func insertChallenge(_ challenge: StoredChallenge) async throws {
        try await run { client, logger in
            let inserted = try await client.query(
                """
                INSERT INTO challenges (id, purpose, challenge, account_id, user_handle, expires_at)
                VALUES (\(challenge.id), \(challenge.purpose.rawValue), \(ByteBuffer(bytes: challenge.challenge)),
                    \(challenge.accountID?.rawValue), \(challenge.userHandle.map { ByteBuffer(bytes: $0) }),
                    \(StoreTime.milliseconds(challenge.expiresAt)))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: logger
            ).collect()
            guard !inserted.isEmpty else { throw StoreError(.duplicate, "challenge \(challenge.id) already exists") }
        }
    }

    public func takeChallenge(id: String, now: Date) async throws -> StoredChallenge? {
        try await run { client, logger in
            // One statement removes and returns it: of two concurrent takers, one gets no row.
            let rows = try await client.query(
                """
                DELETE FROM challenges WHERE id = \(id)
                RETURNING purpose, challenge, account_id, user_handle, expires_at
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (purpose, challenge, account, userHandle, expiresAt) = try row.decode(
                (String, ByteBuffer, String?, ByteBuffer?, Int64).self)
            guard expiresAt > StoreTime.milliseconds(now) else { return nil }
            guard let purposeValue = StoredChallenge.Purpose(rawValue: purpose) else {
                throw StoreError(.unavailable, "challenge \(id) has an unknown purpose; the store is damaged")
            }
            return StoredChallenge(
                id: id, purpose: purposeValue, challenge: Self.bytes(challenge),
                accountID: try account.map { try AccountID($0) }, userHandle: userHandle.map(Self.bytes),
                expiresAt: StoreTime.date(expiresAt))
        }
    }

    public func insertSession(_ session: StoredSession) async throws {
        try await transaction { connection, logger in
            try await Self.requireAccount(connection, logger, session.accountID)
            let inserted = try await connection.query(
                """
                INSERT INTO sessions (token_hash, account_id, credential_id, created_at, expires_at)
                VALUES (\(ByteBuffer(bytes: session.tokenHash)), \(session.accountID.rawValue),
                    \(session.credentialID.map { ByteBuffer(bytes: $0) }), \(StoreTime.milliseconds(session.createdAt)),
                    \(StoreTime.milliseconds(session.expiresAt)))
                ON CONFLICT (token_hash) DO NOTHING RETURNING 1
                """, logger: logger
            ).collect()
            guard !inserted.isEmpty else {
                throw StoreError(.duplicate, "a session with this token already exists; draw a new token")
            }
        }
    }

    public func session(tokenHash: [UInt8], now: Date) async throws -> StoredSession? {
        try await run { client, logger in
            let rows = try await client.query(
                """
                SELECT account_id, credential_id, created_at, expires_at FROM sessions
                WHERE token_hash = \(ByteBuffer(bytes: tokenHash)) AND expires_at > \(StoreTime.milliseconds(now))
                """, logger: logger
            ).collect()
            return try rows.first.map { row in
                let (account, credential, created, expires) = try row.decode((String, ByteBuffer?, Int64, Int64).self)
                return StoredSession(
                    tokenHash: tokenHash, accountID: try AccountID(account), credentialID: credential.map(Self.bytes),
                    createdAt: StoreTime.date(created), expiresAt: StoreTime.date(expires))
            }
        }
    }

    public func deleteSession(tokenHash: [UInt8]) async throws {
        try await run { client, logger in
            _ = try await client.query(
                "DELETE FROM sessions WHERE token_hash = \(ByteBuffer(bytes: tokenHash))", logger: logger
            ).collect()
        }
    }

    public func deleteSessions(of account: AccountID) async throws {
        try await run { client, logger in
            _ = try await client.query(
                "DELETE FROM sessions WHERE account_id = \(account.rawValue)", logger: logger
            ).collect()
        }
    }

    public func purgeExpired(now: Date) async throws {
        let cutoff = StoreTime.milliseconds(now)
        try await run { client, logger in
            try await client.query("DELETE FROM challenges WHERE expires_at <= \(cutoff)", logger: logger)
            try await client.query("DELETE FROM sessions WHERE expires_at <= \(cutoff)", logger: logger)
        }
    }

    // MARK: RecordStore

    public func push(_ records: [SyncRecord], account: AccountID, limits: StoreLimits) async throws -> [PushResult] {
        try limits.checkEnvelopes(of: records)
        guard !records.isEmpty else { return [] }
        return try await transaction { connection, logger in
            // Creating or touching the account's counter row locks it until commit: pushes to
            // one account run one after the other, and each sees the last one's records.
            let counters = try await connection.query(
                """
                INSERT INTO account_sequences (account_id, last_sequence, live_records, live_bytes)
                VALUES (\(account.rawValue), 0, 0, 0)
                ON CONFLICT (account_id) DO UPDATE SET account_id = excluded.account_id
                RETURNING last_sequence, live_records, live_bytes
                """, logger: logger
            ).collect()
            guard let row = counters.first else {
                throw StoreError(.unavailable, "the PostgreSQL store returned no counter for account \(account)")
            }
            var (sequence, liveRecords, liveBytes) = try row.decode((Int64, Int64, Int64).self)
            let before = RecordUsage(records: liveRecords, bytes: liveBytes)
            var usage = before
            // One round trip reads every stored copy the batch names, one writes what it stores:
            // a push of a thousand records is two statements, not two thousand.
            let ids = records.map { ByteBuffer(bytes: $0.id.bytes) }
            var stored: [RecordID: SyncRecord] = [:]
            for row in try await connection.query(
                """
                SELECT \(unescaped: Self.recordColumns) FROM records
                WHERE account_id = \(account.rawValue) AND id = ANY(\(ids))
                """, logger: logger
            ).collect() {
                let record = try Self.syncRecord(row)
                stored[record.id] = record
            }
            var results: [PushResult] = []
            results.reserveCapacity(records.count)
            // The rows to write, by id: a batch naming a record twice writes its last copy.
            var writes: [RecordID: SyncRecord] = [:]
            for record in records {
                let current = stored[record.id]
                switch PushDecision.decide(record, over: current) {
                case .store:
                    sequence += 1
                    usage.replace(current, with: record)
                    var written = record
                    written.sequence = sequence
                    stored[record.id] = written
                    writes[record.id] = written
                    results.append(PushResult(id: record.id, status: .accepted, sequence: sequence, current: nil))
                case .alreadyStored:
                    results.append(
                        PushResult(id: record.id, status: .accepted, sequence: current?.sequence, current: nil))
                case .conflict:
                    results.append(PushResult(id: record.id, status: .conflict, sequence: nil, current: current))
                }
            }
            if !writes.isEmpty {
                try await Self.write(Array(writes.values), account: account, connection, logger)
            }
            try limits.checkQuota(account: account, before: before, after: usage)
            (liveRecords, liveBytes) = (usage.records, usage.bytes)
            try await connection.query(
                """
                UPDATE account_sequences SET last_sequence = \(sequence), live_records = \(liveRecords),
                    live_bytes = \(liveBytes)
                WHERE account_id = \(account.rawValue)
                """, logger: logger)
            return results
        }
    }

    public func pull(account: AccountID, after cursor: Int64, limit: Int, maximumBytes: Int) async throws -> RecordPage
    {
        let limit = max(limit, 1)
        return try await transaction { connection, logger in
            // One snapshot for both reads, so the page is the sizes' first rows; sizes first, so
            // envelopes beyond the page's byte budget are never read.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            var sizes: [Int64] = []
            for try await size in try await connection.query(
                """
                SELECT size FROM records WHERE account_id = \(account.rawValue) AND sequence > \(cursor)
                ORDER BY sequence LIMIT \(Int64(limit) + 1)
                """, logger: logger
            ).decode(Int64.self) {
                sizes.append(size)
            }
            let count = PullPageBudget.count(sizes: sizes, limit: limit, maximumBytes: maximumBytes)
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.recordColumns) FROM records
                WHERE account_id = \(account.rawValue) AND sequence > \(cursor)
                ORDER BY sequence LIMIT \(Int64(count))
                """, logger: logger
            ).collect()
            let records = try rows.map(Self.syncRecord)
            return RecordPage(
                records: records, cursor: records.last?.sequence ?? cursor, more: sizes.count > records.count)
        }
    }

    public func usage(account: AccountID, limits: StoreLimits) async throws -> StorageUsage {
        try await run { client, logger in
            let row = try await client.query(
                "SELECT live_records, live_bytes FROM account_sequences WHERE account_id = \(account.rawValue)",
                logger: logger
            ).collect().first
            var (records, bytes): (Int64, Int64) = (0, 0)
            if let row { (records, bytes) = try row.decode((Int64, Int64).self) }
            return StorageUsage(
                records: records, bytes: bytes, maximumRecords: limits.maximumRecords, maximumBytes: limits.maximumBytes
            )
        }
    }

    // MARK: Rows

    /// Any constant will do: it only has to be the same in every sotto-server.
    private static let migrationLock: Int64 = 0x736f_7474_6f5f_6462

    private static let credentialColumns =
        "id, account_id, public_key, sign_count, kind, name, wrapped_root_key, created_at, last_used_at"
    private static let recoveryColumns = "account_id, key_id, wrapped_root_key, auth_public_key, updated_at"
    private static let recordColumns = "id, kind, version, envelope, sequence, deletion"

    /// Inserts or replaces `records` (their sequences set) in one statement. A tombstone's
    /// missing envelope, and a live record's or an old tombstone's missing deletion seal,
    /// travel as empty ones, which no sealed envelope is.
    private static func write(
        _ records: [SyncRecord], account: AccountID, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        let ids = records.map { ByteBuffer(bytes: $0.id.bytes) }
        let kinds = records.map { Int16($0.kind.rawValue) }
        let versions = records.map { Int64(bitPattern: $0.version) }
        let envelopes = records.map { ByteBuffer(bytes: $0.envelope?.bytes ?? []) }
        let sequences = records.map { $0.sequence ?? 0 }
        let sizes = records.map { Int64($0.envelope?.bytes.count ?? 0) }
        let deletions = records.map { ByteBuffer(bytes: $0.deletion?.bytes ?? []) }
        try await connection.query(
            """
            INSERT INTO records (account_id, id, kind, version, envelope, sequence, size, deletion)
            SELECT \(account.rawValue), u.id, u.kind, u.version, NULLIF(u.envelope, ''::bytea), u.sequence, u.size,
                NULLIF(u.deletion, ''::bytea)
            FROM UNNEST(\(ids)::bytea[], \(kinds)::int2[], \(versions)::int8[], \(envelopes)::bytea[],
                \(sequences)::int8[], \(sizes)::int8[], \(deletions)::bytea[])
                AS u(id, kind, version, envelope, sequence, size, deletion)
            ON CONFLICT (account_id, id) DO UPDATE SET kind = excluded.kind, version = excluded.version,
                envelope = excluded.envelope, sequence = excluded.sequence, size = excluded.size,
                deletion = excluded.deletion
            """, logger: logger)
    }

    private static func insert(
        _ connection: PostgresConnection, _ logger: Logger, _ credential: StoredCredential, account: AccountID
    ) async throws {
        try await connection.query(
            """
            INSERT INTO credentials (\(unescaped: credentialColumns))
            VALUES (\(ByteBuffer(bytes: credential.id)), \(account.rawValue), \(ByteBuffer(bytes: credential.publicKey)),
                \(Int64(credential.signCount)), \(credential.kind), \(credential.name),
                \(ByteBuffer(bytes: credential.wrappedRootKey)), \(StoreTime.milliseconds(credential.createdAt)),
                \(credential.lastUsedAt.map(StoreTime.milliseconds)))
            """, logger: logger)
    }

    private static func upsert(
        _ connection: PostgresConnection, _ logger: Logger, _ recovery: StoredRecovery, account: AccountID
    ) async throws {
        try await connection.query(
            """
            INSERT INTO recoveries (\(unescaped: recoveryColumns))
            VALUES (\(account.rawValue), \(ByteBuffer(bytes: recovery.keyID)),
                \(ByteBuffer(bytes: recovery.wrappedRootKey)), \(ByteBuffer(bytes: recovery.authPublicKey)),
                \(StoreTime.milliseconds(recovery.updatedAt)))
            ON CONFLICT (account_id) DO UPDATE SET key_id = excluded.key_id,
                wrapped_root_key = excluded.wrapped_root_key, auth_public_key = excluded.auth_public_key,
                updated_at = excluded.updated_at
            """, logger: logger)
    }

    private static func credential(_ row: PostgresRow) throws -> StoredCredential {
        let (id, account, publicKey, signCount, kind, name, wrapped, created, lastUsed) = try row.decode(
            (ByteBuffer, String, ByteBuffer, Int64, String, String, ByteBuffer, Int64, Int64?).self)
        return StoredCredential(
            id: bytes(id), accountID: try AccountID(account), publicKey: bytes(publicKey),
            signCount: UInt32(truncatingIfNeeded: signCount), kind: kind, name: name, wrappedRootKey: bytes(wrapped),
            createdAt: StoreTime.date(created), lastUsedAt: lastUsed.map(StoreTime.date))
    }

    private static func recovery(_ row: PostgresRow) throws -> StoredRecovery {
        let (account, keyID, wrapped, authKey, updated) = try row.decode(
            (String, ByteBuffer, ByteBuffer, ByteBuffer, Int64).self)
        return StoredRecovery(
            accountID: try AccountID(account), keyID: bytes(keyID), wrappedRootKey: bytes(wrapped),
            authPublicKey: bytes(authKey), updatedAt: StoreTime.date(updated))
    }

    private static func syncRecord(_ row: PostgresRow) throws -> SyncRecord {
        let (id, kindValue, version, envelope, sequence, deletion) = try row.decode(
            (ByteBuffer, Int16, Int64, ByteBuffer?, Int64, ByteBuffer?).self)
        guard let kind = RecordKind(rawValue: UInt8(clamping: kindValue)) else {
            throw StoreError(.unavailable, "a stored record has unknown kind \(kindValue); the store is damaged")
        }
        return SyncRecord(
            id: try RecordID(bytes: bytes(id)), kind: kind, version: UInt64(bitPattern: version),
            envelope: envelope.map(bytes), deletion: deletion.map(bytes), sequence: sequence)
    }

    private static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    private static func keyRotation(
        _ connection: PostgresConnection, _ logger: Logger, _ account: AccountID
    ) async throws -> StoredKeyRotation? {
        try await connection.query(
            "SELECT credential_id, wrapped_root_key, started_at FROM key_rotations WHERE account_id = \(account.rawValue)",
            logger: logger
        ).collect().first.map { row in
            let (credential, wrapped, started) = try row.decode((ByteBuffer, ByteBuffer, Int64).self)
            return StoredKeyRotation(
                accountID: account, credentialID: bytes(credential), wrappedRootKey: bytes(wrapped),
                startedAt: StoreTime.date(started))
        }
    }

    private static func exists(
        _ connection: PostgresConnection, _ logger: Logger, _ query: PostgresQuery
    )
        async throws -> Bool
    {
        try await !connection.query(query, logger: logger).collect().isEmpty
    }

    private static func requireAccount(
        _ connection: PostgresConnection, _ logger: Logger, _ account: AccountID, lock: Bool = false
    ) async throws {
        let found = try await exists(
            connection, logger,
            "SELECT 1 FROM accounts WHERE id = \(account.rawValue) \(unescaped: lock ? "FOR UPDATE" : "")")
        guard found else { throw StoreError(.notFound, "account \(account) does not exist") }
    }

    private static func refuseExistingCredential(
        _ connection: PostgresConnection, _ logger: Logger, _ id: [UInt8]
    )
        async throws
    {
        if try await exists(connection, logger, "SELECT 1 FROM credentials WHERE id = \(ByteBuffer(bytes: id))") {
            throw StoreError(.duplicate, "this passkey is already registered")
        }
    }

    // MARK: Running

    private func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try await run { client, logger in
            try await client.withTransaction(logger: logger) { connection in try await body(connection, logger) }
        }
    }

    /// Runs `body` within the timeout and turns every failure into a `StoreError`.
    private func run<T: Sendable>(
        _ body: @escaping @Sendable (PostgresClient, Logger) async throws -> T
    )
        async throws -> T
    {
        let client = client
        let logger = logger
        let url = url
        do {
            return try await Deadline.run(
                timeout,
                expiry: StoreError(
                    .unavailable,
                    "the PostgreSQL store \(url) did not answer within \(timeout); check that it runs and"
                        + " that the URL's user, password and database are right")
            ) { try await body(client, logger) }
        } catch {
            throw Self.storeError(error, url: url)
        }
    }

    /// A `StoreError` for any failure: store errors pass through; database errors keep their
    /// code, SQLSTATE and server message, which name constraints, never values.
    private static func storeError(_ error: any Error, url: PostgresStoreURL) -> any Error {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return storeError(inner, url: url)
            }
        }
        if error is StoreError || error is CancellationError { return error }
        if let error = error as? PSQLError {
            let state = error.serverInfo?[.sqlState]
            switch state {
            case "23505":
                return StoreError(.duplicate, "the account, passkey, recovery key or session already exists")
            case "23503":
                return StoreError(.notFound, "the account does not exist")
            default:
                let server = error.serverInfo?[.message].map { ", \($0)" } ?? ""
                return StoreError(
                    .unavailable,
                    "the PostgreSQL store \(url) failed (\(error.code)\(state.map { " \($0)" } ?? "")\(server));"
                        + " check that it runs and that the URL's user, password and database are right")
            }
        }
        if let error = error as? RecordError {
            return StoreError(.unavailable, "the PostgreSQL store \(url) holds a damaged row: \(error.message)")
        }
        return StoreError(.unavailable, "the PostgreSQL store \(url) failed: \(type(of: error))")
    }
}
