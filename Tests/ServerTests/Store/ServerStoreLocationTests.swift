import Foundation
import Logging
import Server
import Testing

@Suite struct ServerStoreLocationTests {
    @Test func parsesEveryForm() throws {
        #expect(
            try ServerStoreLocation(parsing: nil, dataFolder: "/srv/sotto") == .sqlite(path: "/srv/sotto/server.sqlite")
        )
        #expect(try ServerStoreLocation(parsing: "/data/s.sqlite", dataFolder: "/x") == .sqlite(path: "/data/s.sqlite"))
        #expect(try ServerStoreLocation(parsing: "rel/s.db", dataFolder: "/x") == .sqlite(path: "rel/s.db"))
        #expect(try ServerStoreLocation(parsing: "sqlite:/data/s.db", dataFolder: "/x") == .sqlite(path: "/data/s.db"))
        #expect(
            try ServerStoreLocation(parsing: "sqlite:///data/s.db", dataFolder: "/x") == .sqlite(path: "/data/s.db"))
        #expect(try ServerStoreLocation(parsing: "sqlite:s.db", dataFolder: "/x") == .sqlite(path: "s.db"))

        let location = try ServerStoreLocation(
            parsing: "postgresql://sotto:s%40cret@127.0.0.1:54329/sotto_test?sslmode=disable", dataFolder: "/x")
        guard case .postgres(let url) = location else {
            Issue.record("expected PostgreSQL, got \(location)")
            return
        }
        #expect(url.host == "127.0.0.1" && url.port == 54329 && url.database == "sotto_test")
        #expect(url.user == "sotto" && url.password == "s@cret" && url.tls == .disable && url.schema == nil)
        #expect(!location.description.contains("cret"))
        #expect(!String(reflecting: location).contains("cret"))
        #expect(!"\(url)".contains("cret"))
        #expect(location.description.contains("***"))
    }

    @Test func readsPostgresOptions() throws {
        let remote = try PostgresStoreURL(parsing: "postgres://app@db.example.net/sotto")
        #expect(remote.port == 5432 && remote.password == nil && remote.tls == .verifyFull)
        #expect(try PostgresStoreURL(parsing: "postgres://app@localhost/sotto").tls == .disable)
        #expect(try PostgresStoreURL(parsing: "postgres://app@[::1]:6000/sotto").host == "::1")
        #expect(try PostgresStoreURL(parsing: "postgres://app@db.example.net/sotto?sslmode=require").tls == .require)
        #expect(try PostgresStoreURL(parsing: "postgres://app@127.0.0.1/sotto?schema=tenant_7").schema == "tenant_7")
    }

    @Test func refusesWhatItCannotUseWithoutRepeatingThePassword() {
        let bad = [
            "", "sqlite:", "mysql://u:hunter2@host/db", "http://example.com", "a:b",
            "postgres://u:hunter2@host", "postgres://u:hunter2@/db", "postgres://:hunter2@host/db",
            "postgres://u:hunter2@db.example.net/db?sslmode=disable", "postgres://u:hunter2@127.0.0.1/db?sslmode=allow",
            "postgres://u:hunter2@127.0.0.1/db?schema=Bad-Name", "postgres://u:hunter2@127.0.0.1/db?pool=3",
            "postgres://u:hunter2@127.0.0.1:99999/db", "postgres://u:hunter2@127.evil.example/db?sslmode=disable",
        ]
        for value in bad {
            let error = #expect(throws: StoreError.self, "\(value)") {
                try ServerStoreLocation(parsing: value, dataFolder: "/x")
            }
            #expect(error?.code == .configuration, "\(value)")
            #expect(error?.message.contains("hunter2") == false, "\(value)")
        }
    }

    @Test func opensAndMigratesSQLiteInAFolder() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sotto-location-\(UUID().uuidString)"
        )
        .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try await ServerStoreLocation(parsing: folder, dataFolder: "/unused").open(
            logger: Logger(label: "test"))
        #expect(try await store.usage(account: StoreTestData.accountID(), limits: .init()).records == 0)
        try await store.close()
        #expect(FileManager.default.fileExists(atPath: folder + "/server.sqlite"))
    }

    @Test func anUnreachableDatabaseIsUnavailable() async throws {
        // Port 1 on loopback: nothing listens there, so every connection is refused.
        let url = try PostgresStoreURL(parsing: "postgres://sotto@127.0.0.1:1/sotto")
        let store = PostgresServerStore(url: url, logger: PostgresTestDatabase.logger, timeout: .seconds(2))
        let error = await #expect(throws: StoreError.self) { try await store.migrate() }
        #expect(error?.code == .unavailable)
        try await store.close()
    }
}
