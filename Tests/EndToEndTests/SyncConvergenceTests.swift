import Core
import CoreTesting
import Foundation
import Server
import ServerTesting
import Synchronization
import Testing
import Wire

/// A record store reached in-process, as the sync engine reaches the server: it can lose a
/// request before the store sees it, or lose the answer after the store applied it.
final class StoreSyncTransport: SyncTransport {
    enum Failure { case none, beforeApply, afterApply }

    let store: any RecordStore
    let account: AccountID
    let limits: StoreLimits
    private let plan: Mutex<[Failure]> = Mutex([])
    private let pages = Mutex(0)

    /// Pull pages served so far.
    var pagesServed: Int { pages.withLock { $0 } }

    init(store: any RecordStore, account: AccountID, limits: StoreLimits = StoreLimits()) {
        self.store = store
        self.account = account
        self.limits = limits
    }

    /// The fate of the next calls, in order; afterwards calls succeed.
    func schedule(_ failures: [Failure]) { plan.withLock { $0 = failures } }

    private func next() -> Failure { plan.withLock { $0.isEmpty ? .none : $0.removeFirst() } }

    func push(_ request: PushRequest) async throws -> PushResponse {
        let failure = next()
        if failure == .beforeApply { throw SyncError(.unavailable, "connection lost") }
        let results = try await store.push(request.records, account: account, limits: limits)
        if failure == .afterApply { throw SyncError(.unavailable, "answer lost") }
        return PushResponse(results: results, usage: try await store.usage(account: account, limits: limits))
    }

    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        if next() != .none { throw SyncError(.unavailable, "connection lost") }
        let page = try await store.pull(
            account: account, after: cursor, limit: limit, maximumBytes: limits.maximumPageBytes)
        pages.withLock { $0 += 1 }
        return PullResponse(records: page.records, cursor: page.cursor, more: page.more)
    }
}

/// A deterministic generator (SplitMix64), so a failing sequence can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One device: its own folder, cache, clock and device id; the account's keys.
final class SyncedDevice {
    let folder: String
    let account: AccountID
    let keys: TestRecordKeys
    let device = DeviceID.random()
    let wallClock: ManualWallClock
    let transport: StoreSyncTransport
    var history: HistoryStore

    init(
        account: AccountID, keys: TestRecordKeys, store: any RecordStore, start: UInt64,
        limits: StoreLimits = StoreLimits()
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-sync-\(UUID().uuidString)").path
        self.account = account
        self.keys = keys
        wallClock = ManualWallClock(start)
        transport = StoreSyncTransport(store: store, account: account, limits: limits)
        history = try Self.open(folder: folder, account: account, keys: keys, device: device, clock: wallClock)
    }

    static func open(
        folder: String, account: AccountID, keys: TestRecordKeys, device: DeviceID, clock: ManualWallClock
    ) throws -> HistoryStore {
        try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: account), keys: keys, device: device,
            wallClock: clock)
    }

    /// A restart: the history reopened from the cache file.
    func reopen() throws {
        history = try Self.open(folder: folder, account: account, keys: keys, device: device, clock: wallClock)
    }

    func sync() async throws -> SyncReport { try await SyncEngine(transport: transport, pageSize: 7).sync(history) }

    /// What a user sees: every conversation and its messages.
    func snapshot() throws -> [RecordID: (ConversationRecord, [RecordID: MessageRecord])] {
        var out: [RecordID: (ConversationRecord, [RecordID: MessageRecord])] = [:]
        for (id, conversation) in history.conversations {
            var messages: [RecordID: MessageRecord] = [:]
            for (messageID, message) in try history.messages(in: id) { messages[messageID] = message }
            out[id] = (conversation, messages)
        }
        return out
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

/// Sync converges: devices that edit concurrently, go offline, lose requests or answers and
/// restart end with identical decrypted histories once sync quiesces. The server side is the
/// real SQLite store in a temporary folder.
@Suite struct SyncConvergenceTests {
    let account = try! AccountID("sync-account")

    /// A fresh server store; removed with its folder when the test ends.
    final class TemporaryStore {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sotto-sync-server-\(UUID().uuidString)"
        )
        .path
        let store: SQLiteServerStore

        init() throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            store = try SQLiteServerStore(path: folder + "/" + SQLiteServerStore.fileName)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }
    }

    func conversation(_ title: String, at millis: UInt64) -> ConversationRecord {
        let time = Date(timeIntervalSince1970: Double(millis) / 1000)
        return ConversationRecord(
            title: title, createdAt: time, updatedAt: time,
            clock: HLCTimestamp(wall: 0, counter: 0, device: try! DeviceID(bytes: [UInt8](repeating: 0, count: 16))))
    }

    func assertSameHistory(_ devices: [SyncedDevice], _ context: String) throws {
        let reference = try devices[0].snapshot()
        for device in devices.dropFirst() {
            let other = try device.snapshot()
            #expect(Set(other.keys) == Set(reference.keys), "conversations differ (\(context))")
            for (id, (conversation, messages)) in reference {
                guard let (otherConversation, otherMessages) = other[id] else { continue }
                #expect(otherConversation == conversation, "conversation \(id) differs (\(context))")
                #expect(otherMessages == messages, "messages of \(id) differ (\(context))")
            }
        }
    }

    @Test(arguments: 1...12)
    func randomOperationSequencesConverge(seed: UInt64) async throws {
        var random = SeededGenerator(state: seed)
        let server = try TemporaryStore()
        let store = server.store
        try await store.migrate()
        let keys = TestRecordKeys()
        let devices = try (0..<3).map {
            try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000 + UInt64($0) * 7)
        }
        for step in 0..<80 {
            let device = devices[Int.random(in: 0..<devices.count, using: &random)]
            device.wallClock.set(device.wallClock.millisecondsSince1970() + UInt64.random(in: 1...5000, using: &random))
            let known = device.history.conversations.keys.sorted()
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<20:
                try device.history.save(
                    conversation: conversation("c\(step)", at: device.wallClock.millisecondsSince1970()),
                    id: .random())
            case 20..<50 where !known.isEmpty:
                let id = known[Int.random(in: 0..<known.count, using: &random)]
                try device.history.append(
                    message: MessageRecord(
                        conversationID: id, role: .user, content: "m\(step)", time: Date(),
                        clock: device.history.tick()))
            case 50..<62 where !known.isEmpty:
                let id = known[Int.random(in: 0..<known.count, using: &random)]
                var record = device.history.conversations[id]!
                record.title = "renamed \(step)"
                record.pinned.toggle()
                try device.history.save(conversation: record, id: id)
            case 62..<67 where !known.isEmpty:
                try device.history.delete(conversation: known[Int.random(in: 0..<known.count, using: &random)])
            case 67..<72:
                try device.reopen()
            default:
                // A sync that may lose requests or answers on the way.
                let failures: [StoreSyncTransport.Failure] = (0..<3).map { _ in
                    [.none, .none, .beforeApply, .afterApply][Int.random(in: 0..<4, using: &random)]
                }
                device.transport.schedule(failures)
                do { _ = try await device.sync() } catch let error as SyncError where error.code.isTransient {}
            }
        }
        for device in devices { device.transport.schedule([]) }
        for _ in 0..<2 {
            for device in devices { _ = try await device.sync() }
        }
        for device in devices {
            #expect(try device.history.pendingChanges().isEmpty, "seed \(seed): a change was never pushed")
        }
        try assertSameHistory(devices, "seed \(seed)")
        // A fresh device restoring from the server sees the same history.
        let fresh = try SyncedDevice(account: account, keys: keys, store: store, start: 1_900_000_000_000)
        _ = try await fresh.sync()
        try assertSameHistory([devices[0], fresh], "seed \(seed), fresh device")
        // And every device survives a restart with the same view.
        for device in devices { try device.reopen() }
        try assertSameHistory(devices, "seed \(seed), after restart")
    }

    /// Large messages reach another device through pull pages capped in bytes: the sync engine
    /// follows `more` and the cursor over pages shorter than its page size.
    @Test func largeMessagesSyncOverPagesCappedInBytes() async throws {
        let server = try TemporaryStore()
        let store = server.store
        try await store.migrate()
        let keys = TestRecordKeys()
        let limits = StoreLimits(maximumPageBytes: 100_000)
        let a = try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000, limits: limits)
        let b = try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000, limits: limits)
        let id = RecordID.random()
        try a.history.save(conversation: conversation("large", at: 1_800_000_000_000), id: id)
        for index in 0..<5 {
            try a.history.append(
                message: MessageRecord(
                    conversationID: id, role: .user, content: String(repeating: "\(index) large ", count: 8_000),
                    time: Date(), clock: a.history.tick()))
        }
        _ = try await a.sync()
        let report = try await b.sync()
        #expect(report.pulled == 6)
        // Each message's envelope is over half the budget: a page apiece.
        #expect(b.transport.pagesServed >= 5)
        try assertSameHistory([a, b], "large messages")
    }

    @Test func anOfflineDeviceCatchesUpAndItsDeletionWins() async throws {
        let server = try TemporaryStore()
        let store = server.store
        try await store.migrate()
        let keys = TestRecordKeys()
        let a = try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000)
        let b = try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000)
        let id = RecordID.random()
        try a.history.save(conversation: conversation("shared", at: 1), id: id)
        _ = try await a.sync()
        let restored = try await b.sync()
        #expect(restored.pulled == 1 && restored.changed == 1)
        // B goes offline and deletes; A keeps writing and renames.
        try b.history.delete(conversation: id)
        a.wallClock.set(1_800_000_100_000)
        try a.history.append(
            message: MessageRecord(
                conversationID: id, role: .user, content: "later", time: Date(), clock: a.history.tick()))
        var renamed = a.history.conversations[id]!
        renamed.title = "renamed while B was away"
        try a.history.save(conversation: renamed, id: id)
        _ = try await a.sync()
        // B reconnects: it pulls A's changes, its deletion moves above them and wins everywhere.
        let back = try await b.sync()
        #expect(back.pulled >= 2 && back.pushed >= 1)
        _ = try await a.sync()
        #expect(a.history.conversations[id] == nil && b.history.conversations[id] == nil)
        #expect(try a.history.pendingChanges().isEmpty && b.history.pendingChanges().isEmpty)
    }

    @Test(arguments: [true, false])
    func aPushConflictGoesToTheLaterClock(laterWins: Bool) async throws {
        let server = try TemporaryStore()
        let store = server.store
        try await store.migrate()
        let keys = TestRecordKeys()
        let a = try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000)
        let b = try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000)
        let id = RecordID.random()
        try a.history.save(conversation: conversation("first", at: 1), id: id)
        _ = try await a.sync()
        _ = try await b.sync()
        // Both rename; B's clock is later or earlier than A's. A pushes first.
        a.wallClock.set(1_800_000_050_000)
        b.wallClock.set(laterWins ? 1_800_000_090_000 : 1_800_000_010_000)
        var fromA = a.history.conversations[id]!
        fromA.title = "A's title"
        try a.history.save(conversation: fromA, id: id)
        var fromB = b.history.conversations[id]!
        fromB.title = "B's title"
        try b.history.save(conversation: fromB, id: id)
        _ = try await a.sync()
        // B pushes without pulling first: the server answers with A's copy.
        var report = SyncReport()
        try await SyncEngine(transport: b.transport).push(from: b.history, report: &report)
        #expect(report.conflicts == 1)
        #expect(try b.history.pendingChanges().isEmpty)
        _ = try await a.sync()
        _ = try await b.sync()
        let expected = laterWins ? "B's title" : "A's title"
        #expect(a.history.conversations[id]?.title == expected)
        #expect(b.history.conversations[id]?.title == expected)
    }

    @Test func aSyncCutShortResumesWithoutLossOrDuplicates() async throws {
        let server = try TemporaryStore()
        let store = server.store
        try await store.migrate()
        let keys = TestRecordKeys()
        let a = try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000)
        let id = RecordID.random()
        try a.history.save(conversation: conversation("many", at: 1), id: id)
        for n in 0..<40 {
            try a.history.append(
                message: MessageRecord(
                    conversationID: id, role: .assistant, content: "answer \(n)", time: Date(), clock: a.history.tick())
            )
        }
        // The answer to the push is lost after the server stored it: the retry is accepted as is.
        a.transport.schedule([.none, .afterApply])
        await #expect(throws: SyncError.self) { _ = try await a.sync() }
        #expect(try a.history.pendingChanges().count == 41)
        let retried = try await a.sync()
        #expect(try a.history.pendingChanges().isEmpty)
        #expect(retried.conflicts == 0)
        let usage = try await store.usage(account: account, limits: StoreLimits())
        #expect(usage.records == 41)
        // A device whose pull is cut after some pages resumes from its stored cursor.
        let b = try SyncedDevice(account: account, keys: keys, store: store, start: 1_800_000_000_000)
        b.transport.schedule([.none, .none, .beforeApply])
        await #expect(throws: SyncError.self) { _ = try await b.sync() }
        let cursor = try b.history.cache.syncCursor()
        #expect(cursor > 0)
        let rest = try await b.sync()
        #expect(rest.pulled == 41 - 14)
        #expect(try b.history.messages(in: id).count == 40)
    }
}
