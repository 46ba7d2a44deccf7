import GRDB

/// The cache's tables, built by numbered migrations that are never edited once released.
enum CacheSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 records") { db in
            // One row: the account the cache belongs to.
            try db.execute(
                sql: """
                    CREATE TABLE cache_account (
                        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                        account TEXT NOT NULL
                    )
                    """)
            // Envelopes and the metadata the server sees: nothing here is plaintext content.
            try db.execute(
                sql: """
                    CREATE TABLE record (
                        id BLOB PRIMARY KEY CHECK (length(id) = 16),
                        kind INTEGER NOT NULL,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        parent BLOB CHECK (parent IS NULL OR length(parent) = 16),
                        envelope BLOB NOT NULL,
                        sync_state INTEGER NOT NULL
                    ) WITHOUT ROWID
                    """)
            try db.execute(sql: "CREATE INDEX record_by_parent ON record (parent) WHERE parent IS NOT NULL")
            try db.execute(sql: "CREATE INDEX record_by_kind ON record (kind)")
            try db.execute(sql: "CREATE INDEX record_pending ON record (sync_state) WHERE sync_state != 0")
        }
        migrator.registerMigration("v2 sync") { db in
            // Deleted records: what the server is told (pending) or was told (synced). Kept so a
            // deletion is pushed after a restart and a stale copy pulled later cannot revive it.
            try db.execute(
                sql: """
                    CREATE TABLE tombstone (
                        id BLOB PRIMARY KEY CHECK (length(id) = 16),
                        kind INTEGER NOT NULL,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        sync_state INTEGER NOT NULL
                    ) WITHOUT ROWID
                    """)
            // Where the last pull ended (the server's per-account sequence).
            try db.execute(
                sql: """
                    CREATE TABLE sync_cursor (
                        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                        cursor INTEGER NOT NULL
                    )
                    """)
        }
        return migrator
    }
}
