/// The PostgreSQL store's tables: the SQLite store's (`SQLiteServerSchema`) with PostgreSQL's
/// types. Migrations are numbered, recorded in `schema_migrations`, and never edited once
/// released.
enum PostgresServerSchema {
    struct Migration {
        let version: Int64
        let name: String
        /// One statement each: the extended protocol runs one at a time.
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "accounts and records",
            statements: [
                """
                CREATE TABLE accounts (
                    id text PRIMARY KEY,
                    user_handle bytea NOT NULL,
                    created_at bigint NOT NULL
                )
                """,
                """
                CREATE TABLE credentials (
                    id bytea PRIMARY KEY,
                    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                    public_key bytea NOT NULL,
                    sign_count bigint NOT NULL,
                    kind text NOT NULL,
                    name text NOT NULL,
                    wrapped_root_key bytea NOT NULL,
                    created_at bigint NOT NULL,
                    last_used_at bigint
                )
                """,
                "CREATE INDEX credentials_by_account ON credentials (account_id, created_at)",
                """
                CREATE TABLE recoveries (
                    account_id text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
                    key_id bytea NOT NULL UNIQUE,
                    wrapped_root_key bytea NOT NULL,
                    auth_public_key bytea NOT NULL,
                    updated_at bigint NOT NULL
                )
                """,
                """
                CREATE TABLE challenges (
                    id text PRIMARY KEY,
                    purpose text NOT NULL,
                    challenge bytea NOT NULL,
                    account_id text,
                    user_handle bytea,
                    expires_at bigint NOT NULL
                )
                """,
                "CREATE INDEX challenges_by_expiry ON challenges (expires_at)",
                """
                CREATE TABLE sessions (
                    token_hash bytea PRIMARY KEY,
                    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                    credential_id bytea,
                    created_at bigint NOT NULL,
                    expires_at bigint NOT NULL
                )
                """,
                "CREATE INDEX sessions_by_credential ON sessions (credential_id) WHERE credential_id IS NOT NULL",
                "CREATE INDEX sessions_by_expiry ON sessions (expires_at)",
                """
                CREATE TABLE account_sequences (
                    account_id text PRIMARY KEY,
                    last_sequence bigint NOT NULL,
                    live_records bigint NOT NULL,
                    live_bytes bigint NOT NULL
                )
                """,
                """
                CREATE TABLE records (
                    account_id text NOT NULL,
                    id bytea NOT NULL,
                    kind smallint NOT NULL,
                    version bigint NOT NULL,
                    envelope bytea,
                    sequence bigint NOT NULL,
                    size bigint NOT NULL,
                    PRIMARY KEY (account_id, id),
                    UNIQUE (account_id, sequence)
                )
                """,
            ]),
        Migration(
            version: 2, name: "sealed deletions",
            statements: [
                // A tombstone keeps the seal that proves the account's owner deleted the record.
                "ALTER TABLE records ADD COLUMN deletion bytea"
            ]),
        Migration(
            version: 3, name: "key rotations",
            statements: [
                // A root key rotation under way: the new root wrapped for the passkey that rotates.
                """
                CREATE TABLE key_rotations (
                    account_id text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
                    credential_id bytea NOT NULL,
                    wrapped_root_key bytea NOT NULL,
                    started_at bigint NOT NULL
                )
                """
            ]),
    ]

    /// The newest version this build knows.
    static var latestVersion: Int64 { migrations.last!.version }
}
