import Foundation
import Server
import Testing
import Wire

/// The schema's life: migrating an empty database, reopening, refusing a newer schema.
extension StoreConformanceTests {
    @Test(arguments: StoreKind.persistent) func dataSurvivesReopeningAndMigratingAgain(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let (account, credential) = try await Sample.createAccount(in: fixture.store)
            let record = Sample.record()
            let pushed = try await fixture.store.push([record], account: account.id, limits: Self.limits)[0]
            try await fixture.store.migrate()

            let reopened = try fixture.reopen()
            try await reopened.migrate()
            #expect(try await reopened.account(account.id) == account)
            #expect(try await reopened.credentials(of: account.id) == [credential])
            #expect(try await Self.pullAll(reopened, account.id) == [Self.stored(record, pushed.sequence)])
            // The sequence carries on from where the other store left it.
            let next = try await reopened.push([Sample.record()], account: account.id, limits: Self.limits)[0]
            #expect(next.sequence == pushed.sequence! + 1)
            try await reopened.close()
        }
    }

    @Test(arguments: StoreKind.persistent) func refusesASchemaNewerThanThisBuild(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            try await fixture.recordMigrationFromTheFuture()
            let reopened = try fixture.reopen()
            let error = await #expect(throws: StoreError.self) { try await reopened.migrate() }
            #expect(error?.code == .schemaTooNew)
            try await reopened.close()
        }
    }
}

/// What only the SQLite store has: its file.
@Suite struct SQLiteServerStoreTests {
    @Test func theFileIsPrivateAndLogged() async throws {
        try await StoreFixture.with(.sqlite) { fixture in
            let path = try #require(fixture.sqlitePath)
            _ = try await fixture.store.push(
                [StoreTestData.record()], account: StoreTestData.accountID(), limits: .init())
            for file in [path, path + "-wal"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: file)
                #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(file)")
            }
            let folder = (path as NSString).deletingLastPathComponent
            let folderMode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
            #expect(folderMode == 0o700)
        }
    }

    @Test func twoStoresOnOneFileShareTheSequence() async throws {
        try await StoreFixture.with(.sqlite) { fixture in
            // Two servers on one file: SQLite's file lock, not GRDB's queue, orders their pushes.
            let other = try fixture.reopen()
            try await other.migrate()
            let account = StoreTestData.accountID()
            let sequences = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for store in [fixture.store, other] {
                    group.addTask {
                        var out: [Int64] = []
                        for _ in 0..<20 {
                            let results = try await store.push(
                                [StoreTestData.record()], account: account, limits: .init())
                            out += results.compactMap(\.sequence)
                        }
                        return out
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(Set(sequences) == Set(1...40))
            try await other.close()
        }
    }

    @Test func anUnwritablePlaceIsUnavailable() throws {
        let error = #expect(throws: StoreError.self) { try SQLiteServerStore(path: "/proc/sotto/server.sqlite") }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("/proc/sotto/server.sqlite") == true)
    }
}
