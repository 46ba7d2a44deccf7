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
        migrator.registerMigration("v3 record rowid") { db in
            // Envelopes of a kilobyte or more make a WITHOUT ROWID table slow to fill at random
            // keys (whole rows move on every page split): rows now append in rowid order and
            // only the small id index takes random inserts. Restoring a history writes 100,000.
            try db.execute(
                sql: """
                    CREATE TABLE record_v3 (
                        seq INTEGER PRIMARY KEY,
                        id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
                        kind INTEGER NOT NULL,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        parent BLOB CHECK (parent IS NULL OR length(parent) = 16),
                        envelope BLOB NOT NULL,
                        sync_state INTEGER NOT NULL
                    )
                    """)
            try db.execute(
                sql: """
                    INSERT INTO record_v3 (id, kind, version, parent, envelope, sync_state)
                    SELECT id, kind, version, parent, envelope, sync_state FROM record
                    """)
            try db.execute(sql: "DROP TABLE record")
            try db.execute(sql: "ALTER TABLE record_v3 RENAME TO record")
            try db.execute(sql: "CREATE INDEX record_by_parent ON record (parent) WHERE parent IS NOT NULL")
            try db.execute(sql: "CREATE INDEX record_by_kind ON record (kind)")
            try db.execute(sql: "CREATE INDEX record_pending ON record (sync_state) WHERE sync_state != 0")
        }
        migrator.registerMigration("v4 repair") { db in
            // Server copies held here that stopped opening, each asked again from the server
            // once per version (LocalCache.requestRepair), so a copy that is bad on the server
            // too does not start a full pull on every unlock.
            try db.execute(
                sql: """
                    CREATE TABLE repair (
                        id BLOB NOT NULL CHECK (length(id) = 16),
                        version INTEGER NOT NULL,
                        PRIMARY KEY (id, version)
                    ) WITHOUT ROWID
                    """)
        }
        return migrator
    }
}
