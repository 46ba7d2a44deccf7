import GRDB

/// The SQLite store's tables, built by numbered migrations that are never edited once
/// released; `PostgresServerSchema` keeps the same tables and columns.
enum SQLiteServerSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 accounts and records") { db in
            try db.execute(
                sql: """
                    CREATE TABLE accounts (
                        id TEXT PRIMARY KEY,
                        user_handle BLOB NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE credentials (
                        id BLOB PRIMARY KEY,
                        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                        public_key BLOB NOT NULL,
                        sign_count INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        name TEXT NOT NULL,
                        wrapped_root_key BLOB NOT NULL,
                        created_at INTEGER NOT NULL,
                        last_used_at INTEGER
                    );
                    CREATE INDEX credentials_by_account ON credentials (account_id, created_at);
                    CREATE TABLE recoveries (
                        account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
                        key_id BLOB NOT NULL UNIQUE,
                        wrapped_root_key BLOB NOT NULL,
                        auth_public_key BLOB NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE challenges (
                        id TEXT PRIMARY KEY,
                        purpose TEXT NOT NULL,
                        challenge BLOB NOT NULL,
                        account_id TEXT,
                        user_handle BLOB,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE INDEX challenges_by_expiry ON challenges (expires_at);
                    CREATE TABLE sessions (
                        token_hash BLOB PRIMARY KEY,
                        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                        credential_id BLOB,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE INDEX sessions_by_credential ON sessions (credential_id) WHERE credential_id IS NOT NULL;
                    CREATE INDEX sessions_by_expiry ON sessions (expires_at);
                    CREATE TABLE account_sequences (
                        account_id TEXT PRIMARY KEY,
                        last_sequence INTEGER NOT NULL,
                        live_records INTEGER NOT NULL,
                        live_bytes INTEGER NOT NULL
                    );
                    CREATE TABLE records (
                        account_id TEXT NOT NULL,
                        id BLOB NOT NULL,
                        kind INTEGER NOT NULL,
                        version INTEGER NOT NULL,
                        envelope BLOB,
                        sequence INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        PRIMARY KEY (account_id, id),
                        UNIQUE (account_id, sequence)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2 records rowid") { db in
            // Envelopes are a kilobyte or more: in a WITHOUT ROWID table keyed by random ids,
            // every page split moves whole rows, and a pull by sequence reads them at random.
            // Rows now append in rowid order (which follows the sequence) and only the two
            // small unique indexes take random inserts.
            try db.execute(
                sql: """
                    CREATE TABLE records_v2 (
                        row INTEGER PRIMARY KEY,
                        account_id TEXT NOT NULL,
                        id BLOB NOT NULL,
                        kind INTEGER NOT NULL,
                        version INTEGER NOT NULL,
                        envelope BLOB,
                        sequence INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        UNIQUE (account_id, id),
                        UNIQUE (account_id, sequence)
                    );
                    INSERT INTO records_v2 (account_id, id, kind, version, envelope, sequence, size)
                        SELECT account_id, id, kind, version, envelope, sequence, size FROM records ORDER BY sequence;
                    DROP TABLE records;
                    ALTER TABLE records_v2 RENAME TO records;
                    """)
        }
        migrator.registerMigration("v3 sealed deletions") { db in
            // A tombstone keeps the seal that proves the account's owner deleted the record.
            try db.execute(sql: "ALTER TABLE records ADD COLUMN deletion BLOB")
        }
        migrator.registerMigration("v4 key rotations") { db in
            // A root key rotation under way: the new root wrapped for the passkey that rotates.
            try db.execute(
                sql: """
                    CREATE TABLE key_rotations (
                        account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
                        credential_id BLOB NOT NULL,
                        wrapped_root_key BLOB NOT NULL,
                        started_at INTEGER NOT NULL
                    )
                    """)
        }
        return migrator
    }
}
