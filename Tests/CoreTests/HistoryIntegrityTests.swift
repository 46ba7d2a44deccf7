import Core
import CoreTesting
import Foundation
import Testing
import Wire

/// What a pulled page may not do to the history: delete without the owner's seal, replace a
/// copy with an older one, or hide a record the authenticated index names.
@Suite struct HistoryIntegrityTests {
    let root: String
    let account = try! AccountID("account-1")
    let keys = TestRecordKeys()

    init() throws {
        root =
            FileManager.default.temporaryDirectory.appendingPathComponent("sotto-integrity-\(UUID().uuidString)")
            .path
    }

    func open(_ name: String, keys: TestRecordKeys? = nil) throws -> HistoryStore {
        try HistoryStore(
            cache: LocalCache(path: root + "/" + name + "/" + LocalCache.fileName, account: account),
            keys: keys ?? self.keys, device: .random(), wallClock: ManualWallClock())
    }

    var codec: RecordCodec { RecordCodec(account: account, keys: keys) }

    func conversation(_ title: String, _ store: HistoryStore) -> ConversationRecord {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return ConversationRecord(title: title, createdAt: now, updatedAt: now, clock: store.tick())
    }

    /// Everything `store` would push, as the server then holds it (marked pushed).
    func push(_ store: HistoryStore) throws -> [SyncRecord] {
        let pending = try store.pendingChanges()
        try store.markPushed(pending.map { ($0.id, $0.version) })
        return pending
    }

    /// A record id in index bucket `bucket`.
    func id(inBucket bucket: UInt8) -> RecordID { try! RecordID(bytes: [bucket] + SecureRandom.bytes(15)) }

    @Test func aDeletionNeedsItsOwnersSealForThatVersion() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let writer = try open("writer")
        let id = RecordID.random()
        try writer.save(conversation: conversation("kept", writer), id: id)
        let store = try open("reader")
        #expect(try store.apply(remote: try push(writer)).changed == 1)

        let otherAccount = RecordCodec(account: try AccountID("account-2"), keys: keys)
        let forgeries: [[UInt8]?] = [
            nil,
            try codec.sealDeletion(id: id, kind: .conversation, version: 3).bytes,
            try codec.sealDeletion(id: .random(), kind: .conversation, version: 2).bytes,
            try codec.sealDeletion(id: id, kind: .folder, version: 2).bytes,
            try otherAccount.sealDeletion(id: id, kind: .conversation, version: 2).bytes,
            try RecordCodec(account: account, keys: TestRecordKeys()).sealDeletion(
                id: id, kind: .conversation, version: 2
            ).bytes,
            // The record's own live envelope offered as the seal.
            try codec.seal(.conversation(conversation("kept", writer)), id: id, version: 2).bytes,
        ]
        for seal in forgeries {
            let outcome = try store.apply(
                remote: [SyncRecord(id: id, kind: .conversation, version: 2, envelope: nil, deletion: seal)])
            #expect(outcome.integrity.unsealedDeletions == [id])
            #expect(outcome.changed == 0)
            #expect(store.conversations[id]?.title == "kept")
        }
        #expect(try open("reader").conversations[id]?.title == "kept")

        let sealed = try codec.sealDeletion(id: id, kind: .conversation, version: 2)
        let outcome = try store.apply(
            remote: [SyncRecord(id: id, kind: .conversation, version: 2, envelope: nil, deletion: sealed.bytes)])
        #expect(outcome.integrity.isClean && outcome.changed == 1)
        #expect(store.conversations[id] == nil)
    }

    @Test func deletionsMadeHereAreSealedAndOldCachedOnesStayApplied() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try open("device")
        let deleted = RecordID.random()
        let pendingOld = RecordID.random()
        try store.save(conversation: conversation("to delete", store), id: deleted)
        _ = try push(store)
        try store.delete(conversation: deleted)
        // Tombstones an older build wrote: one pulled (synced), one still to push; neither has a seal.
        var legacy = CacheChange()
        legacy.tombstones = [
            CachedTombstone(id: pendingOld, kind: .folder, version: 4, syncState: .pending)
        ]
        try store.cache.apply(legacy)

        let pending = try store.pendingChanges()
        #expect(pending.count == 2)
        for tombstone in pending {
            let seal = try RecordEnvelope(bytes: try #require(tombstone.deletion).bytes)
            #expect(RecordDeletion.hasShape(seal.bytes))
            try codec.verifyDeletion(seal, id: tombstone.id, kind: tombstone.kind, version: tombstone.version)
        }
        _ = try push(store)

        // A tombstone pulled before seals existed stays applied, and the server sending it
        // again (as it holds it) raises nothing.
        let pulledOld = RecordID.random()
        var old = CacheChange()
        old.tombstones = [CachedTombstone(id: pulledOld, kind: .conversation, version: 2, syncState: .synced)]
        try store.cache.apply(old)
        let reopened = try open("device")
        let outcome = try reopened.apply(
            remote: [SyncRecord(id: pulledOld, kind: .conversation, version: 2, envelope: nil)])
        #expect(outcome.integrity.isClean)
        #expect(try reopened.cache.tombstone(pulledOld)?.version == 2)
        #expect(reopened.conversations[deleted] == nil)
    }

    @Test func anOlderCopyNeverReplacesTheOneHeld() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let writer = try open("writer")
        let id = RecordID.random()
        try writer.save(conversation: conversation("one", writer), id: id)
        let v1 = try push(writer)
        var two = conversation("two", writer)
        try writer.save(conversation: two, id: id)
        let v2 = try push(writer)
        two.title = "three"
        try writer.save(conversation: two, id: id)
        let v3 = try push(writer)
        #expect(v3.map(\.version) == [3])

        let store = try open("reader")
        _ = try store.apply(remote: v2)
        #expect(store.conversations[id]?.title == "two")
        var outcome = try store.apply(remote: v1)
        #expect(outcome.integrity.rolledBack == [id])
        #expect(store.conversations[id]?.title == "two")
        #expect(try store.cache.record(id)?.version == 2)

        // Even when the copy held here no longer opens, an older one does not take its place.
        var damaged = try #require(try store.cache.record(id))
        var bytes = damaged.envelope.bytes
        bytes[bytes.count - 1] ^= 1
        damaged.envelope = try RecordEnvelope(bytes: bytes)
        try store.cache.write([damaged])
        outcome = try store.apply(remote: v1)
        #expect(outcome.integrity.rolledBack == [id])
        #expect(try store.cache.record(id)?.envelope == damaged.envelope)

        // A newer copy still goes in; a deletion held here is not undone by an older live copy.
        outcome = try store.apply(remote: v3)
        #expect(outcome.integrity.isClean)
        #expect(store.conversations[id]?.title == "three")
        let seal = try codec.sealDeletion(id: id, kind: .conversation, version: 4)
        _ = try store.apply(remote: [
            SyncRecord(id: id, kind: .conversation, version: 4, envelope: nil, deletion: seal.bytes)
        ])
        outcome = try store.apply(remote: v3)
        #expect(outcome.integrity.rolledBack == [id])
        #expect(store.conversations[id] == nil)
    }

    @Test func theIndexNamesEveryPushedVersionAndShowsWhatIsMissing() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let writer = try open("writer")
        let id = RecordID.random()
        try writer.save(conversation: conversation("indexed", writer), id: id)
        let messages = try (0..<3).map { n in
            try writer.append(
                message: MessageRecord(
                    conversationID: id, role: .user, content: "m\(n)", time: Date(), clock: writer.tick()))
        }
        let records = try push(writer)
        try writer.updateIndex()
        let buckets = try writer.pendingChanges()
        #expect(buckets.allSatisfy { $0.kind == .index && IndexBucket.isBucket($0.id) })
        var named: [RecordID: UInt64] = [:]
        for bucket in buckets {
            let envelope = try RecordEnvelope(bytes: try #require(bucket.envelope).bytes)
            named.merge(try codec.openIndex(envelope, id: bucket.id, version: bucket.version).entries) { max($0, $1) }
        }
        #expect(named == Dictionary(uniqueKeysWithValues: ([id] + messages).map { ($0, UInt64(1)) }))
        _ = try push(writer)
        try writer.updateIndex()
        #expect(try writer.pendingChanges().isEmpty)
        #expect(try writer.checkIndex(changed: true).isEmpty)

        // A device that receives the index but not two of the records knows which.
        let reader = try open("reader")
        let withheld = Set(messages.prefix(2))
        _ = try reader.apply(remote: records.filter { !withheld.contains($0.id) } + buckets)
        #expect(Set(try reader.checkIndex(changed: true)) == withheld)
        #expect(Set(try reader.checkIndex(changed: false)) == withheld)
        _ = try reader.apply(remote: records.filter { withheld.contains($0.id) })
        #expect(try reader.checkIndex(changed: false).isEmpty)
        // Opened again, it checks the whole index once.
        #expect(try open("reader").checkIndex(changed: false).isEmpty)
    }

    @Test func twoDevicesUpdatingOneBucketKeepEachOthersEntries() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try open("first")
        let second = try open("second")
        let a = id(inBucket: 7)
        let b = id(inBucket: 7)
        try first.save(conversation: conversation("a", first), id: a)
        try second.save(conversation: conversation("b", second), id: b)
        for device in [first, second] {
            _ = try push(device)
            try device.updateIndex()
        }
        // The first bucket reaches the server; the second device's push of its own conflicts
        // and takes in the server's copy.
        let server = try push(first)
        #expect(server.map(\.id) == [IndexBucket.ids[7]])
        let outcome = try second.apply(remote: server)
        #expect(outcome.indexChanged && outcome.integrity.isClean)
        let merged = try #require(try second.pendingChanges().first { $0.id == IndexBucket.ids[7] })
        #expect(merged.version == 2)
        let envelope = try RecordEnvelope(bytes: try #require(merged.envelope).bytes)
        #expect(try codec.openIndex(envelope, id: merged.id, version: 2).entries == [a: 1, b: 1])
    }
}
