import Foundation
import Logging
import PostgresNIO
import Server
import Testing
import Wire

/// A schema of its own in the PostgreSQL database named by `SOTTO_TEST_POSTGRES_URL`, so tests
/// never see each other's rows. Without the variable the PostgreSQL cases are skipped with a
/// message, except under `CI=true`, where they fail: CI runs the suite on both stores.
struct PostgresTestDatabase: Sendable {
    static let variable = "SOTTO_TEST_POSTGRES_URL"
    static let logger = Logger(label: "sotto.store-tests") { _ in SwiftLogNoOpLogHandler() }

    static var isConfigured: Bool { !(ProcessInfo.processInfo.environment[variable] ?? "").isEmpty }
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The database's URL with this test's schema.
    let url: PostgresStoreURL

    /// The configured database's URL, or a skip (a failure under CI) when there is none.
    static func configuredURL() throws -> PostgresStoreURL {
        let environment = ProcessInfo.processInfo.environment
        guard let text = environment[variable], !text.isEmpty else {
            let message =
                "\(variable) is unset: start a test cluster with scripts/postgres.sh and export the URL it prints"
            if environment["CI"] == "true" { throw SetupError(message + " (CI runs every store)") }
            try Test.cancel("PostgreSQL case skipped: \(message)")
        }
        return try PostgresStoreURL(parsing: text)
    }

    static func make() async throws -> PostgresTestDatabase {
        var url = try configuredURL()
        url.schema = "sotto_test_" + Hex.encode(SecureRandom.bytes(8))
        return PostgresTestDatabase(url: url)
    }

    /// A store on the test schema. The whole suite runs at once on CI's two cores, with two
    /// dozen stores connecting while CPU-bound suites hold the threads: the production 30 s
    /// per call measured queueing there, not the database (a database that does not answer is
    /// `ServerStoreLocationTests`' case, with 2 s).
    func openStore() throws -> any ServerStore {
        PostgresServerStore(url: url, logger: Self.logger, timeout: .seconds(180))
    }

    func recordMigrationFromTheFuture() async throws {
        try await withClient { client in
            try await client.query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)",
                logger: Self.logger)
        }
    }

    func drop() async {
        var base = url
        base.schema = nil
        let schema = url.schema!
        try? await Self.withClient(base) { client in
            try await client.query(
                PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"), logger: Self.logger)
        }
    }

    private func withClient(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        try await Self.withClient(url, body)
    }

    private static func withClient(
        _ url: PostgresStoreURL, _ body: @Sendable (PostgresClient) async throws -> Void
    )
        async throws
    {
        let client = PostgresClient(configuration: url.clientConfiguration)
        let runner = Task { await client.run() }
        defer { runner.cancel() }
        try await body(client)
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Says, in the test output, when the PostgreSQL half of the store suite did not run.
@Suite struct PostgresStoreAvailabilityTests {
    @Test(
        .enabled(
            if: PostgresTestDatabase.isConfigured || PostgresTestDatabase.isCI,
            "PostgreSQL store cases skipped: \(PostgresTestDatabase.variable) is unset; run scripts/postgres.sh and export the URL it prints"
        ))
    func postgresIsConfigured() throws {
        _ = try PostgresTestDatabase.configuredURL()
    }
}
