import Core
import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// A chat turn that is never taken: these tests only sync.
private struct NoChat: ChatSender {
    func chat(_ request: ChatRequest) -> ChatEventStream {
        ChatEventStream(batches: AsyncThrowingStream { $0.finish(throwing: SyncError(.unavailable, "no chat here")) })
    }
}

/// History the server cannot silently delete, drop or roll back: the real server on a
/// loopback port over a real SQLite store that misbehaves on command (`HostileServerStore`),
/// two devices with their own data folders, real account keys and the real sync engine over
/// libcurl. What the store does wrong is ignored, reported, and never stops the devices.
@Suite(.serialized) struct HostileServerTests {
    /// The server, its store and two devices of one account.
    final class World {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-hostile-\(UUID().uuidString)")
            .path
        let store: HostileServerStore
        let server: LiveServer
        var a: (history: HistoryStore, sync: SyncEngine)!
        var b: (history: HistoryStore, sync: SyncEngine)!
        var unlockedB: Unlocked!

        init() async throws {
            try FileManager.default.createDirectory(atPath: root + "/server", withIntermediateDirectories: true)
            let logger = LogCapture().logger()
            store = HostileServerStore(
                wrapping: try SQLiteServerStore(path: root + "/server/" + SQLiteServerStore.fileName))
            try await store.migrate()
            // The origins the devices' clientDataJSON names: where this server listens.
            let origins = OriginAllowList.loopbackListener()
            let accounts = AccountService(
                store: store, settings: AccountSettings(rpID: "localhost", origins: origins), logger: logger)
            let records = RecordService(store: store, sessions: accounts, logger: logger)
            server = try await LiveServer.start(
                gateway: try LiveServer.makeGateway(backend: ScriptedBackend(), logger: logger),
                accounts: AccountEndpoints(accounts: accounts, records: records), logger: logger)
            origins.serverListens(host: "127.0.0.1", port: server.port)
            let passkey = root + "/passkey"
            _ = try await session("a").register(authenticator: Self.software(passkey))
            a = try Self.device(root + "/a", try await session("a").unlock())
            unlockedB = try await session("b").login(authenticator: Self.software(passkey))
            b = try Self.device(root + "/b", unlockedB)
        }

        /// A device's history opened again from its cache (for a session that owns it).
        static func reopen(_ folder: String, _ unlocked: Unlocked) throws -> HistoryStore {
            try HistoryStore(
                cache: LocalCache(
                    path: folder + "/" + LocalCache.fileName, account: try AccountID(unlocked.keys.accountID)),
                keys: try AccountRecordKeys(unlocked.keys), device: try DeviceID.load(dataFolder: folder))
        }

        static func software(_ path: String) -> SoftwareAuthenticator {
            SoftwareAuthenticator(path: path, passphrase: SecureBytes(copying: Array("pw".utf8)), parameters: .minimum)
        }

        func session(_ device: String) -> AccountSession {
            AccountSession(dataFolder: root + "/" + device, server: server.url) { passkey in
                Self.software(passkey.softwarePasskeyPath ?? "")
            }
        }

        static func device(_ folder: String, _ unlocked: Unlocked) throws -> (HistoryStore, SyncEngine) {
            let history = try HistoryStore(
                cache: LocalCache(
                    path: folder + "/" + LocalCache.fileName, account: try AccountID(unlocked.keys.accountID)),
                keys: try AccountRecordKeys(unlocked.keys), device: try DeviceID.load(dataFolder: folder))
            let token = try #require(unlocked.state.session).token
            // Small pages, so a pull spans several and the index is checked only after the last.
            let engine = SyncEngine(
                transport: HTTPSyncTransport(serverURL: unlocked.state.server, http: CurlHTTPClient()) { token },
                pageSize: 3)
            return (history, engine)
        }

        /// Saves a conversation with `messages` messages on `history`; returns the ids.
        func write(
            _ history: HistoryStore, title: String, messages: Int = 1
        ) throws -> (conversation: RecordID, messages: [RecordID]) {
            let id = RecordID.random()
            let now = Date()
            let clock = history.tick()
            try history.save(
                conversation: ConversationRecord(title: title, createdAt: now, updatedAt: now, clock: clock), id: id)
            let ids = try (0..<messages).map { n in
                try history.append(
                    message: MessageRecord(
                        conversationID: id, role: .user, content: "message \(n)", time: now, clock: clock))
            }
            return (id, ids)
        }

        func stop() async {
            await server.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    @Test func anHonestServerRaisesNoWarningAndEveryDeviceConverges() async throws {
        let world = try await World()
        let kept = try world.write(world.a.history, title: "kept", messages: 4)
        let gone = try world.write(world.a.history, title: "deleted", messages: 2)
        let first = try await world.a.sync.sync(world.a.history)
        #expect(first.integrity.isClean && first.integrity.warning == nil)
        // The pushes went into the index: its buckets are on the server.
        let indexed = IndexBucket.ids.filter { !world.store.pushedCopies(of: $0).isEmpty }
        #expect(!indexed.isEmpty)

        let pulled = try await world.b.sync.sync(world.b.history)
        #expect(pulled.integrity.isClean, "\(pulled.integrity)")
        #expect(world.b.history.conversations[kept.conversation]?.title == "kept")
        #expect(try world.b.history.messages(in: kept.conversation).count == 4)

        // A sealed deletion goes through, and a change made on B reaches A, all without warnings.
        try world.a.history.delete(conversation: gone.conversation)
        var renamed = try #require(world.b.history.conversations[kept.conversation])
        renamed.title = "renamed on b"
        try world.b.history.save(conversation: renamed, id: kept.conversation)
        for device in [world.a!, world.b!, world.a!, world.b!] {
            let report = try await device.sync.sync(device.history)
            #expect(report.integrity.isClean, "\(report.integrity)")
        }
        #expect(world.b.history.conversations[gone.conversation] == nil)
        #expect(try world.b.history.contains(gone.messages[0]))
        #expect(try world.b.history.cache.record(gone.messages[0]) == nil)
        #expect(world.a.history.conversations[kept.conversation]?.title == "renamed on b")
        // The server holds each tombstone with its seal.
        let tombstone = try #require(world.store.pushedCopies(of: gone.conversation).last)
        #expect(tombstone.isTombstone && tombstone.deletion != nil)
        await world.stop()
    }

    @Test func aForgedOrUnsealedTombstoneDeletesNothingAndIsReported() async throws {
        let world = try await World()
        let target = try world.write(world.a.history, title: "keep me", messages: 2)
        let other = try world.write(world.a.history, title: "really deleted")
        _ = try await world.a.sync.sync(world.a.history)
        _ = try await world.b.sync.sync(world.b.history)
        #expect(world.b.history.conversations[target.conversation] != nil)

        // A real, sealed deletion: its seal is genuine, but for another record.
        try world.a.history.delete(conversation: other.conversation)
        _ = try await world.a.sync.sync(world.a.history)
        let genuine = try #require(world.store.pushedCopies(of: other.conversation).last?.deletion).bytes
        world.store.inject([
            // No seal at all, as the server could always send before.
            SyncRecord(id: target.conversation, kind: .conversation, version: 2, envelope: nil),
            // Another record's genuine seal.
            SyncRecord(id: target.messages[0], kind: .message, version: 2, envelope: nil, deletion: genuine),
            // A seal of the right shape made up by the server.
            SyncRecord(
                id: target.messages[1], kind: .message, version: 2, envelope: nil,
                deletion: [1] + SecureRandom.bytes(RecordEnvelope.minimumByteCount - 1)),
        ])
        let session = ChatSession(
            history: try World.reopen(world.root + "/b", world.unlockedB), sender: NoChat(), sync: world.b.sync)
        let report = try #require(try await session.syncNow())

        #expect(
            Set(report.integrity.unsealedDeletions)
                == [target.conversation, target.messages[0], target.messages[1]])
        let warning = try #require(report.integrity.warning)
        #expect(warning.code == .integrity && warning.code.rawValue == "SOTTO-SYNC-INTEGRITY")
        #expect(warning.message.contains("3 deletion(s) no device of yours made"), "\(warning.message)")
        // The full screen reads the same warning from the session.
        #expect(await session.syncIntegrity.warning?.code == .integrity)
        // Nothing was deleted; the genuine deletion still applied.
        let titles = await session.conversations().map(\.record.title)
        #expect(titles == ["keep me"])
        #expect(try await session.messages(in: target.conversation).map(\.id).sorted() == target.messages.sorted())

        // The next pass brings nothing new: no new events, the session keeps what it saw.
        let calm = try #require(try await session.syncNow())
        #expect(calm.integrity.isClean)
        #expect(await session.syncIntegrity.unsealedDeletions.count == 3)
        await world.stop()
    }

    @Test func aWithheldRecordIsDetectedAndTheDeviceKeepsWorkingOffline() async throws {
        let world = try await World()
        let first = try world.write(world.a.history, title: "first", messages: 3)
        _ = try await world.a.sync.sync(world.a.history)
        // The server keeps one message from every other device.
        world.store.withhold([first.messages[1]])
        let report = try await world.b.sync.sync(world.b.history)
        #expect(report.integrity.withheld == [first.messages[1]], "\(report.integrity)")
        #expect(report.integrity.warning?.message.contains("withheld 1 record(s)") == true)
        #expect(try world.b.history.messages(in: first.conversation).count == 2)

        // It stays reported on later passes while still missing (the index is not pulled again).
        let again = try await world.b.sync.sync(world.b.history)
        #expect(again.integrity.withheld == [first.messages[1]])

        // Device B goes on: it writes, and with the server gone its history still opens.
        let offline = try world.write(world.b.history, title: "written on b")
        await world.server.stop()
        await #expect(throws: (any Error).self) { try await world.b.sync.sync(world.b.history) }
        #expect(world.b.history.conversations[offline.conversation]?.title == "written on b")
        #expect(try world.b.history.messages(in: first.conversation).count == 2)
        try? FileManager.default.removeItem(atPath: world.root)
    }

    @Test func anOldVersionReplayedIsNotAppliedAndIsReported() async throws {
        let world = try await World()
        let written = try world.write(world.a.history, title: "version one")
        _ = try await world.a.sync.sync(world.a.history)
        var record = try #require(world.a.history.conversations[written.conversation])
        record.title = "version two"
        try world.a.history.save(conversation: record, id: written.conversation)
        _ = try await world.a.sync.sync(world.a.history)
        _ = try await world.b.sync.sync(world.b.history)
        #expect(world.b.history.conversations[written.conversation]?.title == "version two")

        // The server replays the first copy it kept, and an older copy of an index bucket.
        let old = try #require(world.store.pushedCopies(of: written.conversation).first)
        #expect(old.version == 1)
        let bucket = try #require(
            IndexBucket.ids.first { world.store.pushedCopies(of: $0).count > 1 }.flatMap {
                world.store.pushedCopies(of: $0).first
            })
        world.store.inject([old, bucket])
        let report = try await world.b.sync.sync(world.b.history)
        #expect(Set(report.integrity.rolledBack) == [written.conversation, bucket.id], "\(report.integrity)")
        #expect(report.integrity.warning?.message.contains("older copy of 2 record(s)") == true)
        #expect(world.b.history.conversations[written.conversation]?.title == "version two")
        #expect(try world.b.history.cache.record(written.conversation)?.version == 2)
        #expect(try world.b.history.cache.record(bucket.id).map { $0.version > bucket.version } == true)

        // Reopened from its cache, the device still holds the newer copy.
        #expect(try world.b.history.cache.record(written.conversation)?.syncState == .synced)
        await world.stop()
    }
}
