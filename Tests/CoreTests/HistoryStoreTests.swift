import Core
import CoreTesting
import Foundation
import GRDB
import Synchronization
import Testing
import Wire

/// The encrypted local cache and the decrypted history over it.
@Suite struct HistoryStoreTests {
    let folder: String
    let account = try! AccountID("account-1")
    let keys = TestRecordKeys()
    let device = DeviceID.random()
    let clock = ManualWallClock()

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    var path: String { folder + "/" + LocalCache.fileName }

    func open() throws -> HistoryStore {
        try HistoryStore(cache: LocalCache(path: path, account: account), keys: keys, device: device, wallClock: clock)
    }

    func conversation(_ title: String) -> ConversationRecord {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return ConversationRecord(
            title: title, modelSettings: ModelSettings(model: "m", temperature: 0.5), createdAt: now, updatedAt: now,
            clock: HLCTimestamp(wall: 0, counter: 0, device: device))
    }

    func message(_ content: String, in id: RecordID) -> MessageRecord {
        MessageRecord(
            conversationID: id, role: .user, content: content, time: Date(timeIntervalSince1970: 1_800_000_000),
            clock: HLCTimestamp(wall: 0, counter: 0, device: device))
    }

    @Test func recordsSurviveReopeningAndDecryptOnlyWhenAsked() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let c1 = RecordID.random()
        let c2 = RecordID.random()
        let f1 = RecordID.random()
        var m1: [RecordID] = []
        do {
            let store = try open()
            #expect(store.conversations.isEmpty)
            try store.save(folder: FolderRecord(name: "Work", order: .between(nil, nil), clock: store.tick()), id: f1)
            var first = conversation("first")
            first.folderID = f1
            try store.save(conversation: first, id: c1)
            try store.save(conversation: conversation("second"), id: c2)
            for i in 0..<5 { m1.append(try store.append(message: message("hello \(i)", in: c1))) }
            try store.append(message: message("other", in: c2))
            try store.save(profile: ProfileRecord(preferences: ["theme": "dark"], clock: store.tick()), id: .random())
            #expect(try store.messages(in: c1).map { $0.id } == m1)
        }
        let store = try open()
        #expect(store.corrupt.isEmpty)
        #expect(store.conversations[c1]?.title == "first")
        #expect(store.conversations[c1]?.folderID == f1)
        #expect(store.conversations[c1]?.modelSettings.temperature == 0.5)
        #expect(store.folders[f1]?.name == "Work")
        #expect(store.profile?.record.preferences == ["theme": "dark"])
        let messages = try store.messages(in: c1)
        #expect(messages.map { $0.id } == m1)
        #expect(messages.map { $0.record.content } == (0..<5).map { "hello \($0)" })
        #expect(try store.messages(in: c2).map { $0.record.content } == ["other"])
        // The clock resumed after every reading it found.
        let allClocks = store.conversations.values.map(\.clock) + messages.map { $0.record.clock }
        #expect(allClocks.allSatisfy { store.tick() > $0 })
    }

    @Test func messagesAreDecryptedOnlyForTheConversationAskedFor() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let c1 = RecordID.random()
        let c2 = RecordID.random()
        do {
            let store = try open()
            try store.save(conversation: conversation("one"), id: c1)
            try store.save(conversation: conversation("two"), id: c2)
            for i in 0..<4 { try store.append(message: message("\(i)", in: c1)) }
            for i in 0..<3 { try store.append(message: message("\(i)", in: c2)) }
        }
        let counting = CountingKeys(keys)
        let store = try HistoryStore(
            cache: LocalCache(path: path, account: account), keys: counting, device: device, wallClock: clock)
        #expect(counting.count(.conversation) == 2)
        #expect(counting.count(.message) == 0)
        #expect(try store.messages(in: c2).count == 3)
        #expect(counting.count(.message) == 3)
        // Once decrypted, a conversation's messages are served from memory.
        #expect(try store.messages(in: c2).count == 3)
        #expect(counting.count(.message) == 3)
    }

    @Test func localChangesBumpTheVersionOnlyOncePerPush() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try open()
        let id = RecordID.random()
        try store.save(conversation: conversation("a"), id: id)
        try store.save(conversation: conversation("b"), id: id)
        #expect(try store.cache.record(id)?.version == 1)
        #expect(try store.cache.record(id)?.syncState == .pending)
        // Pretend the push succeeded, then change it again.
        var pushed = try #require(try store.cache.record(id))
        pushed.syncState = .synced
        try store.cache.write([pushed])
        let reopened = try open()
        try reopened.save(conversation: conversation("c"), id: id)
        #expect(try reopened.cache.record(id)?.version == 2)
        #expect(try reopened.cache.pendingRecords().count == 1)
    }

    @Test func lastWriterWinsByClockThenDevice() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try open()
        let id = RecordID.random()
        clock.set(1_800_000_000_000)
        try store.save(conversation: conversation("local"), id: id)
        let codec = RecordCodec(account: account, keys: keys)
        let other = DeviceID.random()
        func remote(_ title: String, wall: UInt64, version: UInt64) throws -> CachedRecord {
            var r = conversation(title)
            r.clock = HLCTimestamp(wall: wall, counter: 0, device: other)
            return CachedRecord(
                id: id, kind: .conversation, version: version, parent: nil,
                envelope: try codec.seal(.conversation(r), id: id, version: version), syncState: .synced)
        }
        // An older edit from another device loses; ours is re-sealed above the server's version.
        #expect(try store.merge(remote: remote("stale", wall: 1_700_000_000_000, version: 3)) == false)
        #expect(store.conversations[id]?.title == "local")
        #expect(try store.cache.record(id)?.version == 4)
        #expect(try store.cache.record(id)?.syncState == .pending)
        // A later one wins and is stored as the server's copy.
        #expect(try store.merge(remote: remote("newer", wall: 1_900_000_000_000, version: 5)) == true)
        #expect(store.conversations[id]?.title == "newer")
        #expect(try store.cache.record(id)?.syncState == .synced)
        // Our next edit orders after the one received, even with our wall clock behind.
        let edited = try store.save(conversation: conversation("mine again"), id: id)
        #expect(edited.clock.wall == 1_900_000_000_000)
        #expect(try store.cache.record(id)?.version == 6)
        // Equal readings: the larger device id wins, the same on every device.
        let tie = RecordPayload.resolve(
            local: .profile(
                ProfileRecord(
                    clock: HLCTimestamp(wall: 1, counter: 0, device: try DeviceID(String(repeating: "00", count: 16))))),
            remote: .profile(
                ProfileRecord(
                    clock: HLCTimestamp(wall: 1, counter: 0, device: try DeviceID(String(repeating: "ff", count: 16)))))
        )
        #expect(tie.clock.device.description == String(repeating: "ff", count: 16))
        // Messages never change: a differing copy of one we hold is ignored.
        let m = try store.append(message: message("original", in: id))
        let forged = CachedRecord(
            id: m, kind: .message, version: 1, parent: id,
            envelope: try codec.seal(.message(message("changed", in: id)), id: m, version: 1), syncState: .synced)
        #expect(try store.merge(remote: forged) == false)
        #expect(try open().messages(in: id).map { $0.record.content } == ["original"])
    }

    @Test func ourOwnCopyPulledBackBecomesTheServersCopy() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try open()
        let id = RecordID.random()
        try store.save(conversation: conversation("pushed"), id: id)
        var echoed = try #require(try store.cache.record(id))
        #expect(echoed.syncState == .pending)
        echoed.syncState = .synced
        #expect(try store.merge(remote: echoed) == false)
        #expect(try store.cache.record(id) == echoed)
        #expect(try store.cache.pendingRecords().isEmpty)
        #expect(store.conversations[id]?.title == "pushed")
    }

    /// A folder deleted here becomes a tombstone to push; one deleted on another device goes
    /// when its tombstone is pulled. Either way the conversations in it stay.
    @Test func deletingAFolderKeepsItsConversations() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let here = RecordID.random()
        let there = RecordID.random()
        let inside = RecordID.random()
        do {
            let store = try open()
            for id in [here, there] {
                try store.save(folder: FolderRecord(name: "F", order: .between(nil, nil), clock: store.tick()), id: id)
            }
            var record = conversation("inside")
            record.folderID = here
            try store.save(conversation: record, id: inside)
            try store.append(message: message("kept", in: inside))
            try store.delete(folder: here)
            #expect(store.folders[here] == nil)
            #expect(try store.cache.record(here) == nil)
            #expect(try store.pendingChanges().contains { $0.id == here && $0.kind == .folder && $0.isTombstone })
        }
        let store = try open()
        #expect(store.folders.keys.sorted() == [there])
        #expect(store.conversations[inside]?.title == "inside")
        #expect(try store.messages(in: inside).map(\.record.content) == ["kept"])

        var pushed = try #require(try store.cache.record(there))
        pushed.syncState = .synced
        try store.cache.write([pushed])
        let seal = try RecordCodec(account: account, keys: keys).sealDeletion(id: there, kind: .folder, version: 2)
        let outcome = try store.apply(
            remote: [SyncRecord(id: there, kind: .folder, version: 2, envelope: nil, deletion: seal.bytes)])
        #expect(outcome.changed == 1)
        #expect(store.folders.isEmpty)
        #expect(try open().folders.isEmpty)
        #expect(store.conversations[inside] != nil)
    }

    @Test func corruptRecordsAreSkippedReportedAndKept() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let good = RecordID.random()
        let badMAC = RecordID.random()
        let badJSON = RecordID.random()
        let badShape = RecordID.random()
        let moved = RecordID.random()
        let goodMessage: RecordID
        do {
            let store = try open()
            try store.save(conversation: conversation("good"), id: good)
            try store.save(conversation: conversation("will be damaged"), id: badMAC)
            goodMessage = try store.append(message: message("fine", in: good))
        }
        let cache = try LocalCache(path: path, account: account)
        let codec = RecordCodec(account: account, keys: keys)
        // A flipped ciphertext byte.
        var damaged = try #require(try cache.record(badMAC))
        var bytes = damaged.envelope.bytes
        bytes[60] ^= 0x40
        damaged.envelope = try RecordEnvelope(bytes: bytes)
        // Authentic ciphertext whose plaintext is not a conversation: a message sealed as one.
        let wrongPayload = try RecordEnvelope.seal(
            Array("{\"not\":\"a conversation\"}".utf8),
            context: RecordContext(account: account, recordID: badJSON, kind: .conversation, version: 1),
            key: try keys.key(id: keys.currentKeyID, kind: .conversation, recordID: badJSON), keyID: keys.currentKeyID)
        // A message whose sealed conversation differs from its parent column.
        let elsewhere = try codec.seal(.message(message("sneaky", in: .random())), id: moved, version: 1)
        try cache.write([
            damaged,
            CachedRecord(
                id: badJSON, kind: .conversation, version: 1, parent: nil, envelope: wrongPayload, syncState: .synced),
            CachedRecord(id: moved, kind: .message, version: 1, parent: good, envelope: elsewhere, syncState: .synced),
        ])
        // A row whose envelope does not even parse, written behind the cache's back.
        let pool = try DatabasePool(path: path)
        try pool.write {
            try $0.execute(
                sql:
                    "INSERT INTO record (id, kind, version, parent, envelope, sync_state) VALUES (?, 1, 1, NULL, ?, 0)",
                arguments: [Data(badShape.bytes), Data([9, 9, 9])])
        }

        let store = try open()
        #expect(Set(store.conversations.keys) == [good])
        #expect(try store.messages(in: good).map { $0.id } == [goodMessage])
        let report = Dictionary(uniqueKeysWithValues: store.corrupt.map { ($0.id, $0.code) })
        #expect(report[badMAC] == .authenticationFailed)
        #expect(report[badJSON] == .invalidPayload)
        #expect(report[badShape] == .unsupportedVersion)
        #expect(report[moved] == .invalidPayload)
        #expect(store.corrupt.count == 4)
        // Kept for inspection: nothing was deleted.
        #expect(try cache.record(badMAC) == damaged)
        #expect(try cache.count(of: .conversation) == 4)
    }

    @Test func recordsUnderAnUnknownKeyAreReportedNotLost() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = RecordID.random()
        try open().save(conversation: conversation("kept"), id: id)
        let otherKeys = TestRecordKeys()
        let store = try HistoryStore(
            cache: LocalCache(path: path, account: account), keys: otherKeys, device: device, wallClock: clock)
        #expect(store.conversations.isEmpty)
        #expect(store.corrupt == [CorruptRecord(id: id, kind: .conversation, code: .unknownKey)])
        #expect(try open().conversations[id]?.title == "kept")
    }

    @Test func theCacheBelongsToOneAccount() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try LocalCache(path: path, account: account)
        let error = #expect(throws: CacheError.self) {
            _ = try LocalCache(path: self.path, account: try AccountID("someone-else"))
        }
        #expect(error?.code == .accountMismatch)
        let unopenable = #expect(throws: CacheError.self) {
            _ = try LocalCache(path: "/proc/no/such/cache.sqlite", account: account)
        }
        #expect(unopenable?.code == .openFailed)
    }

    /// Two processes of one device hold the same cache: one pushes a conversation the other
    /// then changes. The change goes out at the version after the pushed one, never at the
    /// version the second process last saw (which the server already holds).
    @Test func aChangeFollowsTheVersionAnotherProcessPushed() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = RecordID.random()
        let first = try open()
        try first.save(conversation: conversation("draft"), id: id)
        let second = try open()
        try second.save(conversation: conversation("second's edit"), id: id)
        // The first process syncs: the server accepts version 1 (the second's copy, now in the cache).
        try first.markPushed([(id, 1)])
        try second.save(conversation: conversation("second's next edit"), id: id)
        let held = try #require(try LocalCache(path: path, account: account).record(id))
        #expect(held.version == 2)
        #expect(held.syncState == .pending)
    }

    @Test func theCacheIsWALAndPrivate() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try open()
        try store.save(conversation: conversation("x"), id: .random())
        let pool = try DatabasePool(path: path)
        #expect(try pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let migrations = try pool.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations == ["v1 records", "v2 sync", "v3 record rowid", "v4 repair"])
    }

    /// Nothing a user wrote reaches the disk in the clear: not in the database, its log or its
    /// shared-memory file, whether the log is checkpointed or not.
    @Test func canaryNeverReachesTheDisk() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let canary = "CANARY-\(UUID().uuidString)"
        let store = try open()
        let id = RecordID.random()
        var c = conversation("title \(canary)")
        c.modelSettings.systemPrompt = "prompt \(canary)"
        try store.save(conversation: c, id: id)
        for i in 0..<50 {
            try store.append(
                message: message("message \(i) \(canary) " + String(repeating: "y", count: i * 100), in: id))
        }
        try store.save(
            folder: FolderRecord(
                name: "folder \(canary)", customInstructions: canary, order: .between(nil, nil), clock: store.tick()),
            id: .random())
        try store.save(profile: ProfileRecord(preferences: ["name": canary], clock: store.tick()), id: .random())
        func scan() throws {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            #expect(files.contains(LocalCache.fileName + "-wal"))
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file))
                #expect(data.range(of: Data(canary.utf8)) == nil, "canary found in \(file)")
                #expect(data.range(of: Data("CANARY-".utf8)) == nil, "canary prefix found in \(file)")
            }
        }
        try scan()
        try store.cache.checkpoint()
        try scan()
        #expect(try open().messages(in: id).count == 50)
    }
}

/// Counts the keys asked for, by kind.
final class CountingKeys: RecordKeyProvider {
    let inner: TestRecordKeys
    private let counts = Mutex<[RecordKind: Int]>([:])

    init(_ inner: TestRecordKeys) { self.inner = inner }

    var currentKeyID: RecordKeyID { inner.currentKeyID }

    func key(id keyID: RecordKeyID, kind: RecordKind, recordID: RecordID) throws -> SecureBytes {
        counts.withLock { $0[kind, default: 0] += 1 }
        return try inner.key(id: keyID, kind: kind, recordID: recordID)
    }

    func count(_ kind: RecordKind) -> Int { counts.withLock { $0[kind, default: 0] } }
}
