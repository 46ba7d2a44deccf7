import Foundation
import Server
import Testing
import Wire

/// The records half of the contract: push, pull, limits, and one account never touching another's.
extension StoreConformanceTests {
    static let limits = StoreLimits()

    /// Every record of `account`, paging with `limit`.
    static func pullAll(
        _ store: any ServerStore, _ account: AccountID, after cursor: Int64 = 0, limit: Int = 1000
    )
        async throws -> [SyncRecord]
    {
        var cursor = cursor
        var out: [SyncRecord] = []
        while true {
            let page = try await store.pull(account: account, after: cursor, limit: limit)
            out += page.records
            cursor = page.cursor
            if !page.more { return out }
        }
    }

    static func stored(_ record: SyncRecord, _ sequence: Int64?) -> SyncRecord {
        var copy = record
        copy.sequence = sequence
        return copy
    }

    @Test(arguments: StoreKind.tested) func storesNewRecordsUnderIncreasingSequences(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let records = [
                Sample.record(kind: .conversation), Sample.record(kind: .message, size: 1100),
                Sample.record(kind: .folder), Sample.record(kind: .profile), Sample.record(kind: .message, size: nil),
            ]
            let results = try await store.push(records, account: account, limits: Self.limits)
            #expect(results.map(\.id) == records.map(\.id))
            #expect(results.allSatisfy { $0.status == .accepted && $0.current == nil })
            let sequences = results.compactMap(\.sequence)
            #expect(sequences.count == records.count)
            #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 })
            #expect(sequences.first! >= 1)

            let pulled = try await Self.pullAll(store, account)
            #expect(pulled == zip(records, sequences).map { Self.stored($0, $1) })
            let usage = try await store.usage(account: account, limits: Self.limits)
            #expect(usage.records == 4)
            #expect(usage.bytes == 300 + 1100 + 300 + 300)
            #expect(usage.maximumRecords == Self.limits.maximumRecords)
            #expect(usage.maximumBytes == Self.limits.maximumBytes)
            #expect(try await store.push([], account: account, limits: Self.limits).isEmpty)
        }
    }

    @Test(arguments: StoreKind.tested) func updatesRetriesAndConflicts(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let v1 = Sample.record()
            let first = try await store.push([v1], account: account, limits: Self.limits)[0]
            let v2 = Sample.next(v1, size: 1100)
            let second = try await store.push([v2], account: account, limits: Self.limits)[0]
            #expect(second.status == .accepted)
            #expect(second.sequence! > first.sequence!)
            let current = Self.stored(v2, second.sequence)

            // A retried push: same version, same bytes, accepted again with the same sequence.
            let retry = try await store.push([v2], account: account, limits: Self.limits)[0]
            #expect(retry == PushResult(id: v1.id, status: .accepted, sequence: second.sequence, current: nil))

            // Same version with other bytes, an old version, a skipped version, a tombstone of
            // the stored version: each a conflict carrying the server's copy.
            var otherBytes = v2
            otherBytes.envelope = Base64Bytes(Sample.bytes(1100))
            var tombstoneOfStored = v2
            tombstoneOfStored.envelope = nil
            let skipped = Sample.next(Sample.next(v2))
            let results = try await store.push(
                [otherBytes, v1, skipped, tombstoneOfStored], account: account, limits: Self.limits)
            for result in results {
                #expect(result == PushResult(id: v1.id, status: .conflict, sequence: nil, current: current))
            }
            // A sequence is spent only on a stored change.
            let v3 = Sample.next(v2)
            let third = try await store.push([v3], account: account, limits: Self.limits)[0]
            #expect(third.sequence == second.sequence! + 1)
            #expect(try await Self.pullAll(store, account) == [Self.stored(v3, third.sequence)])
            #expect(try await store.usage(account: account, limits: Self.limits).bytes == 300)
        }
    }

    @Test(arguments: StoreKind.tested) func aNewRecordStartsAtVersionOne(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            for version: UInt64 in [0, 2, UInt64.max] {
                let record = Sample.record(version: version)
                let result = try await store.push([record], account: account, limits: Self.limits)[0]
                #expect(result == PushResult(id: record.id, status: .conflict, sequence: nil, current: nil))
            }
            #expect(try await Self.pullAll(store, account).isEmpty)
            // A record created and deleted before its first push arrives as a tombstone.
            let tombstone = Sample.record(size: nil)
            #expect(try await store.push([tombstone], account: account, limits: Self.limits)[0].status == .accepted)
            #expect(try await store.usage(account: account, limits: Self.limits).records == 0)
        }
    }

    @Test(arguments: StoreKind.tested) func nothingFollowsATombstone(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let v1 = Sample.record(kind: .folder)
            _ = try await store.push([v1], account: account, limits: Self.limits)
            let tombstone = Sample.next(v1, size: nil)
            let deleted = try await store.push([tombstone], account: account, limits: Self.limits)[0]
            #expect(deleted.status == .accepted)
            #expect(
                try await store.usage(account: account, limits: Self.limits)
                    == StorageUsage(
                        records: 0, bytes: 0, maximumRecords: Self.limits.maximumRecords,
                        maximumBytes: Self.limits.maximumBytes))
            let retry = try await store.push([tombstone], account: account, limits: Self.limits)[0]
            #expect(retry == deleted)

            let current = Self.stored(tombstone, deleted.sequence)
            for after in [Sample.next(tombstone), Sample.next(tombstone, size: nil)] {
                let result = try await store.push([after], account: account, limits: Self.limits)[0]
                #expect(result == PushResult(id: v1.id, status: .conflict, sequence: nil, current: current))
            }
            #expect(try await Self.pullAll(store, account) == [current])
        }
    }

    @Test(arguments: StoreKind.tested) func aTombstoneKeepsItsDeletionSeal(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let v1 = Sample.record(kind: .message)
            let unsealed = Sample.record(kind: .folder)
            _ = try await store.push([v1, unsealed], account: account, limits: Self.limits)
            var tombstone = Sample.next(v1, size: nil)
            tombstone.deletion = Base64Bytes(Sample.bytes(RecordEnvelope.minimumByteCount))
            let deleted = try await store.push(
                [tombstone, Sample.next(unsealed, size: nil)], account: account, limits: Self.limits)
            #expect(deleted.allSatisfy { $0.status == .accepted })
            // The seal costs no quota, and comes back as pushed; a tombstone without one stays without.
            #expect(try await store.usage(account: account, limits: Self.limits).records == 0)
            let pulled = try await Self.pullAll(store, account)
            #expect(pulled.map(\.deletion) == [tombstone.deletion, nil])
            #expect(pulled.allSatisfy { $0.isTombstone })
            // A retry with another seal of the same deletion is the same push; the first seal stays.
            var again = tombstone
            again.deletion = Base64Bytes(
                Sample.sameKey(as: tombstone.deletion?.bytes, Sample.bytes(RecordEnvelope.minimumByteCount)))
            #expect(try await store.push([again], account: account, limits: Self.limits)[0].status == .accepted)
            #expect(try await Self.pullAll(store, account).first?.deletion == tombstone.deletion)
        }
    }

    @Test(arguments: StoreKind.tested) func aMessageChangesOnlyToItsTombstone(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let message = Sample.record(kind: .message)
            let first = try await store.push([message], account: account, limits: Self.limits)[0]
            let edited = try await store.push([Sample.next(message)], account: account, limits: Self.limits)[0]
            #expect(
                edited
                    == PushResult(
                        id: message.id, status: .conflict, sequence: nil, current: Self.stored(message, first.sequence))
            )
            let deleted = try await store.push([Sample.next(message, size: nil)], account: account, limits: Self.limits)
            #expect(deleted[0].status == .accepted)
        }
    }

    @Test(arguments: StoreKind.tested) func aRecordNeverChangesKind(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let conversation = Sample.record(kind: .conversation)
            let first = try await store.push([conversation], account: account, limits: Self.limits)[0]
            let current = Self.stored(conversation, first.sequence)
            var sameBytes = conversation
            sameBytes.kind = .folder
            var nextVersion = Sample.next(conversation)
            nextVersion.kind = .profile
            var deletion = Sample.next(conversation, size: nil)
            deletion.kind = .message
            for pushed in [sameBytes, nextVersion, deletion] {
                let result = try await store.push([pushed], account: account, limits: Self.limits)[0]
                #expect(result == PushResult(id: conversation.id, status: .conflict, sequence: nil, current: current))
            }
        }
    }

    /// A page stops before the envelope that would take it over its byte budget, but always
    /// holds its first record, so paging through records larger than the budget advances.
    @Test(arguments: StoreKind.tested) func pullPagesAreCappedInBytes(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let records = [
                Sample.record(size: 1000), Sample.record(size: 1000), Sample.record(size: 1000),
                Sample.record(size: 5000), Sample.record(size: 1000), Sample.record(kind: .message, size: nil),
                Sample.record(size: 1000),
            ]
            _ = try await store.push(records, account: account, limits: Self.limits)
            var cursor: Int64 = 0
            var pages: [[RecordID]] = []
            while true {
                let page = try await store.pull(account: account, after: cursor, limit: 1000, maximumBytes: 2500)
                #expect(!page.records.isEmpty)
                pages.append(page.records.map(\.id))
                cursor = page.cursor
                if !page.more { break }
            }
            let ids = records.map(\.id)
            #expect(pages == [[ids[0], ids[1]], [ids[2]], [ids[3]], [ids[4], ids[5], ids[6]]])
            // The record limit still applies within the byte budget.
            let two = try await store.pull(account: account, after: 0, limit: 2, maximumBytes: 1 << 20)
            #expect(two.records.map(\.id) == [ids[0], ids[1]] && two.more)
            // A budget below the first envelope still returns it.
            let one = try await store.pull(account: account, after: 0, limit: 1000, maximumBytes: 1)
            #expect(one.records.map(\.id) == [ids[0]] && one.more)
        }
    }

    @Test(arguments: StoreKind.tested) func pullsPagesInSequenceOrder(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let records = (0..<25).map { _ in Sample.record() }
            let results = try await store.push(records, account: account, limits: Self.limits)
            let last = results.last!.sequence!

            let page1 = try await store.pull(account: account, after: 0, limit: 10)
            #expect(page1.records.map(\.id) == records[0..<10].map(\.id))
            #expect(page1.more)
            #expect(page1.cursor == results[9].sequence)
            let page2 = try await store.pull(account: account, after: page1.cursor, limit: 10)
            #expect(page2.records.map(\.id) == records[10..<20].map(\.id))
            let page3 = try await store.pull(account: account, after: page2.cursor, limit: 10)
            #expect(page3.records.map(\.id) == records[20..<25].map(\.id))
            #expect(!page3.more)
            #expect(page3.cursor == last)
            let exact = try await store.pull(account: account, after: results[14].sequence!, limit: 10)
            #expect(exact.records.count == 10 && !exact.more)

            // Nothing new: the request's cursor comes back.
            #expect(
                try await store.pull(account: account, after: last, limit: 10)
                    == RecordPage(
                        records: [], cursor: last, more: false))
            // A changed record moves to the end, once, in its latest copy.
            let changed = Sample.next(records[3])
            let sequence = try await store.push([changed], account: account, limits: Self.limits)[0].sequence
            #expect(try await Self.pullAll(store, account, after: last) == [Self.stored(changed, sequence)])
            let everything = try await Self.pullAll(store, account, limit: 7)
            #expect(everything.count == 25)
            #expect(everything.last == Self.stored(changed, sequence))
            #expect(Set(everything.map(\.id)).count == 25)
        }
    }

    @Test(arguments: StoreKind.tested) func accountsNeverSeeEachOthersRecords(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let alice = Sample.accountID()
            let bob = Sample.accountID()
            let shared = RecordID.random()
            let aliceRecord = Sample.record(shared, size: 1100)
            let bobRecord = Sample.record(shared)
            let aliceResult = try await store.push([aliceRecord], account: alice, limits: Self.limits)[0]
            // Bob's version 1 of the same id is his own new record, not a conflict with Alice's.
            let bobResult = try await store.push([bobRecord], account: bob, limits: Self.limits)[0]
            #expect(bobResult.status == .accepted)
            // Bob deleting and updating his copy leaves Alice's as it was.
            _ = try await store.push([Sample.next(bobRecord, size: nil)], account: bob, limits: Self.limits)
            _ = try await store.push([Sample.record()], account: bob, limits: Self.limits)

            #expect(try await Self.pullAll(store, alice) == [Self.stored(aliceRecord, aliceResult.sequence)])
            #expect(try await Self.pullAll(store, bob).allSatisfy { $0.envelope != aliceRecord.envelope })
            #expect(try await store.usage(account: alice, limits: Self.limits).bytes == 1100)
            #expect(try await store.usage(account: bob, limits: Self.limits).bytes == 300)
            // Each account counts its own sequences.
            let next = try await store.push([Sample.record()], account: alice, limits: Self.limits)[0]
            #expect(next.sequence == aliceResult.sequence! + 1)
            #expect(try await Self.pullAll(store, Sample.accountID()).isEmpty)
        }
    }

    @Test(arguments: StoreKind.tested) func anOversizedEnvelopeStoresNothing(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let limits = StoreLimits(maximumEnvelopeBytes: 4096)
            let fits = Sample.record(size: 4096)
            let tooBig = Sample.record(size: 4097)
            let error = await #expect(throws: StoreError.self) {
                try await store.push([fits, tooBig], account: account, limits: limits)
            }
            #expect(error?.code == .tooLarge)
            // Sizes and the id, never the bytes.
            #expect(error?.message.contains(tooBig.id.description) == true)
            #expect(error?.message.contains(Hex.encode(tooBig.envelope!.bytes.prefix(8))) == false)
            let pulled = try await Self.pullAll(store, account)
            #expect(pulled.isEmpty)
            let retried = try await store.push([fits], account: account, limits: limits)
            #expect(retried[0].status == .accepted)
        }
    }

    @Test(arguments: StoreKind.tested) func theRecordQuotaStoresNothingPastIt(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let limits = StoreLimits(maximumRecords: 3)
            let three = (0..<3).map { _ in Sample.record() }
            let error = await #expect(throws: StoreError.self) {
                try await store.push(three + [Sample.record()], account: account, limits: limits)
            }
            #expect(error?.code == .quotaExceeded)
            #expect(try await Self.pullAll(store, account).isEmpty)
            #expect(try await store.usage(account: account, limits: limits).records == 0)

            let stored = try await store.push(three, account: account, limits: limits)
            #expect(stored.allSatisfy { $0.status == .accepted })
            await #expect(throws: StoreError.self) {
                try await store.push([Sample.record()], account: account, limits: limits)
            }
            // Updates and tombstones don't add records; a deletion makes room.
            _ = try await store.push(
                [Sample.next(three[0]), Sample.next(three[1], size: nil)], account: account, limits: limits)
            #expect(try await store.push([Sample.record()], account: account, limits: limits)[0].status == .accepted)
            #expect(try await store.usage(account: account, limits: limits).records == 3)
            // The failed pushes spent no sequence.
            #expect(try await Self.pullAll(store, account).map(\.sequence) == [3, 4, 5, 6])
        }
    }

    @Test(arguments: StoreKind.tested) func theByteQuotaStoresNothingPastIt(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let limits = StoreLimits(maximumBytes: 2000)
            let small = Sample.record(size: 1000)
            _ = try await store.push([small], account: account, limits: limits)
            // Growing a record past the quota fails; the stored copy stays.
            let grown = Sample.next(small, size: 2001)
            let error = await #expect(throws: StoreError.self) {
                try await store.push([Sample.record(size: 10), grown], account: account, limits: limits)
            }
            #expect(error?.code == .quotaExceeded)
            #expect(try await store.usage(account: account, limits: limits).bytes == 1000)
            #expect(try await Self.pullAll(store, account).map(\.id) == [small.id])
            #expect(
                try await store.push([Sample.record(size: 1000)], account: account, limits: limits)[0].status
                    == .accepted)
            #expect(try await store.usage(account: account, limits: limits).bytes == 2000)

            // A quota lowered below what is stored still lets the account delete.
            let lowered = StoreLimits(maximumBytes: 500)
            let deleted = try await store.push([Sample.next(small, size: nil)], account: account, limits: lowered)
            #expect(deleted[0].status == .accepted)
            #expect(try await store.usage(account: account, limits: lowered).bytes == 1000)
        }
    }

    @Test(arguments: StoreKind.tested) func concurrentPushesKeepSequencesInCommitOrder(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let writers = 6
            let pushesEach = 8
            // A reader pulls while the writers push: with sequences in commit order, a cursor
            // it stored never skips a change that commits later.
            let reader = Task {
                var cursor: Int64 = 0
                var seen: [RecordID: UInt64] = [:]
                for _ in 0..<200 {
                    let page = try await store.pull(account: account, after: cursor, limit: 5)
                    for record in page.records { seen[record.id] = record.version }
                    cursor = page.cursor
                    try await Task.sleep(for: .milliseconds(2))
                }
                return (cursor, seen)
            }
            let pushed = try await withThrowingTaskGroup(of: [(SyncRecord, PushResult)].self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        var out: [(SyncRecord, PushResult)] = []
                        var own = Sample.record()
                        for push in 0..<pushesEach {
                            if push > 0 { own = Sample.next(own) }
                            let batch = [own, Sample.record()]
                            let results = try await store.push(batch, account: account, limits: Self.limits)
                            out += zip(batch, results).map { ($0, $1) }
                        }
                        return out
                    }
                }
                return try await group.reduce(into: [(SyncRecord, PushResult)]()) { $0 += $1 }
            }
            #expect(pushed.allSatisfy { $0.1.status == .accepted })
            let sequences = pushed.compactMap { $0.1.sequence }
            #expect(Set(sequences).count == writers * pushesEach * 2)
            #expect(Set(sequences) == Set(1...Int64(writers * pushesEach * 2)))

            var (cursor, seen) = try await reader.value
            // The reader catches up from its cursor and ends with every record's latest version.
            for record in try await Self.pullAll(store, account, after: cursor, limit: 5) {
                seen[record.id] = record.version
                cursor = max(cursor, record.sequence!)
            }
            var latest: [RecordID: UInt64] = [:]
            for (record, _) in pushed { latest[record.id] = max(latest[record.id] ?? 0, record.version) }
            #expect(seen == latest)
            #expect(cursor == Int64(writers * pushesEach * 2))
        }
    }
}

extension StoreConformanceTests {
    @Test(arguments: StoreKind.tested) func appliesAPushInOrder(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            // A record created, changed and deleted between two pushes travels as three versions.
            let v1 = Sample.record()
            let v2 = Sample.next(v1)
            let v3 = Sample.next(v2, size: nil)
            let results = try await store.push([v1, v2, v3, v2], account: account, limits: Self.limits)
            #expect(results.map(\.status) == [.accepted, .accepted, .accepted, .conflict])
            #expect(results.compactMap(\.sequence) == [1, 2, 3])
            #expect(results[3].current == Self.stored(v3, 3))
            #expect(try await Self.pullAll(store, account) == [Self.stored(v3, 3)])
        }
    }
}
