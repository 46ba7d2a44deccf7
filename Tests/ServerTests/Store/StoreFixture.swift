import Foundation
import GRDB
import Server
import ServerTesting
import Testing
import Wire

/// The store implementations the conformance suite runs against: the two the server ships,
/// and the in-memory one the server's other tests use, so a fake that drifts from the
/// contract fails here rather than letting those tests pass on behaviour no real store has.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres, memory

    var testDescription: String { rawValue }

    /// The kinds to test here: PostgreSQL only with a database to test on, or under CI, where
    /// its absence must fail (`PostgresTestDatabase`).
    static let tested: [StoreKind] =
        PostgresTestDatabase.isConfigured || PostgresTestDatabase.isCI ? allCases : [.sqlite, .memory]

    /// The kinds whose data outlives the store object: the schema's life is tested on these.
    static let persistent = tested.filter { $0 != .memory }
}

/// A fresh, migrated store of one kind with data of its own, and what the suite needs to
/// reopen it or tamper with it.
struct StoreFixture: Sendable {
    let kind: StoreKind
    let store: any ServerStore
    private let place: Place

    private enum Place: Sendable {
        case sqlite(folder: String)
        case postgres(PostgresTestDatabase)
        case memory
    }

    /// Runs `body` on a fresh store of `kind` and removes its data afterwards, even on failure.
    static func with(_ kind: StoreKind, _ body: (StoreFixture) async throws -> Void) async throws {
        let fixture = try await make(kind)
        do {
            try await body(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }

    private static func make(_ kind: StoreKind) async throws -> StoreFixture {
        switch kind {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sotto-server-store-\(UUID().uuidString)"
            ).path
            let store = try SQLiteServerStore(path: folder + "/" + SQLiteServerStore.fileName)
            try await store.migrate()
            return StoreFixture(kind: kind, store: store, place: .sqlite(folder: folder))
        case .postgres:
            let database = try await PostgresTestDatabase.make()
            let store = try database.openStore()
            try await store.migrate()
            return StoreFixture(kind: kind, store: store, place: .postgres(database))
        case .memory:
            return StoreFixture(kind: kind, store: InMemoryServerStore(), place: .memory)
        }
    }

    /// A second store on the same data, not yet migrated (the in-memory store: itself).
    func reopen() throws -> any ServerStore {
        switch place {
        case .sqlite(let folder): try SQLiteServerStore(path: folder + "/" + SQLiteServerStore.fileName)
        case .postgres(let database): try database.openStore()
        case .memory: store
        }
    }

    /// Records a migration this build does not know, as a newer server would have.
    func recordMigrationFromTheFuture() async throws {
        switch place {
        case .sqlite(let folder):
            let queue = try DatabaseQueue(path: folder + "/" + SQLiteServerStore.fileName)
            try await queue.write {
                try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999 from the future')")
            }
            try queue.close()
        case .postgres(let database):
            try await database.recordMigrationFromTheFuture()
        case .memory:
            Issue.record("the in-memory store has no schema")
        }
    }

    /// The SQLite file, for the checks only it has.
    var sqlitePath: String? {
        if case .sqlite(let folder) = place { return folder + "/" + SQLiteServerStore.fileName }
        return nil
    }

    private func tearDown() async {
        try? await store.close()
        switch place {
        case .sqlite(let folder): try? FileManager.default.removeItem(atPath: folder)
        case .postgres(let database): await database.drop()
        case .memory: break
        }
    }
}
