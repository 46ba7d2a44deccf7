import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// A store that pages by record count only (as a test double wrapping another store does).
struct CountPagingStore: RecordStore {
    let inner = InMemoryServerStore()

    func push(_ records: [SyncRecord], account: AccountID, limits: StoreLimits) async throws -> [PushResult] {
        try await inner.push(records, account: account, limits: limits)
    }

    func pull(account: AccountID, after cursor: Int64, limit: Int) async throws -> RecordPage {
        try await inner.pull(account: account, after: cursor, limit: limit, maximumBytes: .max)
    }

    func usage(account: AccountID, limits: StoreLimits) async throws -> StorageUsage {
        try await inner.usage(account: account, limits: limits)
    }
}

/// The byte budget of a pull page, for stores that page by count only: their pages are cut to it.
@Suite struct PullPageBudgetTests {
    @Test func aCountPagingStoreGetsItsPagesCutToTheBudget() async throws {
        let store = CountPagingStore()
        let account = try AccountID(String(repeating: "ab", count: 16))
        let records = [1000, 1000, 5000].map {
            SyncRecord(id: .random(), kind: .conversation, version: 1, envelope: [UInt8](repeating: 1, count: $0))
        }
        let sequences = try await store.push(records, account: account, limits: StoreLimits()).map(\.sequence)
        let first = try await store.pull(account: account, after: 0, limit: 10, maximumBytes: 2500)
        #expect(first.records.map(\.id) == [records[0].id, records[1].id])
        #expect(first.more && first.cursor == sequences[1])
        let second = try await store.pull(account: account, after: first.cursor, limit: 10, maximumBytes: 2500)
        #expect(second.records.map(\.id) == [records[2].id])
        #expect(!second.more)
    }
}
