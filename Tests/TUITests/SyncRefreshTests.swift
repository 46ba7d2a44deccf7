import Core
import CoreTesting
import Foundation
import Synchronization
import Testing
import Wire

@testable import TUI

/// Another device's changes arrive by background sync while the screen is open: the runtime
/// asks how sync is doing every second, and when a pass changed the history, the list and
/// the open conversation are reloaded.
@Suite struct SyncRefreshTests {
    init() { TestEnvironment.prepare() }

    @Test func aSyncThatChangedTheHistoryReloadsTheListAndTheOpenConversation() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        #expect(Update.update(&model, .tick) == [.pollSync])
        let quiet = Update.update(&model, .service(.sync(SyncSnapshot(state: .synced, generation: 0))))
        #expect(quiet.isEmpty)
        #expect(model.status.sync == .synced)
        let arrived = Update.update(&model, .service(.sync(SyncSnapshot(state: .synced, generation: 1))))
        #expect(arrived == [.loadConversations, .loadConversation(DemoContent.welcomeID)])
        // The same generation again: nothing to reload.
        #expect(Update.update(&model, .service(.sync(SyncSnapshot(state: .syncing, generation: 1)))).isEmpty)
        #expect(model.status.sync == .syncing)
    }

    /// A server caught withholding, rolling back or forging deletions is said on the screen
    /// once as a banner, and stays in the status bar while the session lasts.
    @Test func anIntegrityWarningIsShownAndStays() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        #expect(!AppView.render(model).text.contains("history integrity"))
        let warning = "SOTTO-SYNC-INTEGRITY: the server withheld 1 record(s) another device saved"
        _ = Update.update(
            &model, .service(.sync(SyncSnapshot(state: .synced, generation: 0, integrityWarning: warning))))
        #expect(model.banner == warning)
        #expect(AppView.render(model).text.contains("history integrity"))
        model.banner = nil
        _ = Update.update(
            &model, .service(.sync(SyncSnapshot(state: .synced, generation: 0, integrityWarning: warning))))
        #expect(model.banner == nil)
        #expect(AppView.render(model).text.contains("history integrity"))
    }

    @Test func aStreamingConversationIsReloadedOnceItsAnswerEnds() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        _ = Fixtures.type("hello<CR>", into: &model)
        let current = try! #require(model.current)
        #expect(model.streaming[current] != nil)
        let effects = Update.update(&model, .service(.sync(SyncSnapshot(state: .synced, generation: 4))))
        #expect(effects == [.loadConversations])
        #expect(Update.update(&model, .service(.answerFinished(current, time: 1))) == [.loadConversation(current)])
        #expect(Update.update(&model, .service(.answerFinished(current, time: 2))).isEmpty)
    }

    /// Transcripts loaded earlier may be out of date after a sync: forgotten, so opening one
    /// loads it again (except one holding an interrupted answer, which exists only here).
    @Test func otherLoadedTranscriptsAreForgottenAfterASync() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        let tokyo = DemoContent.tokyoID
        let swift = DemoContent.swiftID
        model.transcripts[tokyo] = DemoContent.messages()[tokyo]
        model.transcripts[swift] = DemoContent.messages()[swift]
        model.transcripts[swift]![1].interrupted = true
        _ = Update.update(&model, .service(.sync(SyncSnapshot(state: .synced, generation: 1))))
        #expect(model.transcripts[tokyo] == nil)
        #expect(model.transcripts[swift] != nil)
    }

    /// A reload keeps the highlighted row on the same conversation when the order changes,
    /// keeps unread marks, and leaves a conversation deleted elsewhere.
    @Test func aReloadKeepsTheSelectionAndUnreadMarks() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        _ = Fixtures.type("<Tab>", into: &model)
        let rows = model.listRows
        let recipes = DemoContent.recipesID
        model.listSelection = try! #require(rows.firstIndex { $0.conversationID == recipes })
        var reordered = model.conversations.filter { $0.id != recipes }
        let moved = try! #require(model.conversations.first { $0.id == recipes })
        reordered.insert(moved, at: 1)
        for index in reordered.indices { reordered[index].unread = false }
        _ = Update.update(&model, .service(.conversationsLoaded(reordered, folders: model.folders)))
        #expect(model.listRows[model.listSelection].conversationID == recipes)
        #expect(model.conversations.first { $0.id == DemoContent.tokyoID }?.unread == true)

        // The open conversation was deleted on another device: it closes, and nothing else
        // opens in its place (a draft must not go to a conversation the user did not choose).
        let open = try! #require(model.current)
        let effects = Update.update(
            &model, .service(.conversationsLoaded(reordered.filter { $0.id != open }, folders: model.folders)))
        #expect(model.current == nil)
        #expect(model.transcripts[open] == nil)
        #expect(effects.isEmpty)
        #expect(model.banner == "This conversation was deleted on another device")
    }

    /// A new conversation with nothing sent yet lives only on the screen: a reload keeps it.
    @Test func aReloadKeepsANewConversationNotYetSaved() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        _ = Fixtures.type("<C-n>", into: &model)
        let fresh = model.current
        let loaded = model.conversations.filter { $0.id != fresh }
        _ = Update.update(&model, .service(.conversationsLoaded(loaded, folders: model.folders)))
        #expect(model.conversations.contains { $0.id == fresh })
        #expect(model.current == fresh)
        #expect(model.conversations.count == loaded.count + 1)
    }

    /// Ticks ask the service; they do not redraw the screen by themselves.
    @Test func ticksDoNotRedrawAnIdleScreen() async throws {
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let runtime = Runtime(backend: backend, service: InMemoryChatService(), themes: .shipped())
        for _ in 0..<50 {
            runtime.step()
            try await Task.sleep(for: .milliseconds(10))
        }
        let settled = backend.presentCount
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < .milliseconds(2500) {
            runtime.step()
            try await Task.sleep(for: .milliseconds(10))
        }
        // Two ticks, answered with an unchanged sync state: not one frame.
        #expect(backend.presentCount == settled)
        #expect(runtime.model.status.sync == .idle)
    }
}

/// The real chat session under the screen: an idle screen pulls every 30 seconds (asked
/// through its once-a-second poll), and a pass that changed the history moves the generation.
@Suite struct SyncPollTests {
    /// Counts pulls and answers each with what it is given (once).
    final class CountingTransport: SyncTransport {
        let pulls = Mutex(0)
        let pending = Mutex<[SyncRecord]>([])

        func push(_ request: PushRequest) async throws -> PushResponse {
            PushResponse(
                results: request.records.enumerated().map {
                    PushResult(id: $0.element.id, status: .accepted, sequence: Int64($0.offset + 1), current: nil)
                }, usage: StorageUsage(records: 0, bytes: 0, maximumRecords: 1000, maximumBytes: 1 << 20))
        }

        func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
            pulls.withLock { $0 += 1 }
            let records = pending.withLock { records in
                defer { records = [] }
                return records
            }
            return PullResponse(records: records, cursor: cursor + Int64(records.count), more: false)
        }
    }

    @Test func anIdleSessionPullsWhenDueAndCountsChangingPasses() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-poll-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let account = try AccountID("poll-account")
        let keys = TestRecordKeys()
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: account), keys: keys,
            device: .random())
        let transport = CountingTransport()
        let session = ChatSession(
            history: history, sender: ScriptedSender(answer: "ok"), sync: SyncEngine(transport: transport))
        // Before the first pass has ended, nothing is due.
        await session.syncIfDue(every: .zero)
        #expect(transport.pulls.withLock { $0 } == 0)
        await session.scheduleSync()
        await session.waitForBackgroundSync()
        #expect(transport.pulls.withLock { $0 } == 1)
        #expect(await session.historyGeneration == 0, "nothing arrived")
        await session.syncIfDue(every: .seconds(3600))
        await session.waitForBackgroundSync()
        #expect(transport.pulls.withLock { $0 } == 1, "not due yet")

        // Another device's conversation waits on the server; the next due pass brings it.
        let other = try HistoryStore(
            cache: LocalCache(path: folder + "/other.sqlite", account: account), keys: keys, device: .random())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let id = RecordID.random()
        try other.save(
            conversation: ConversationRecord(
                title: "from elsewhere", modelSettings: ModelSettings(model: "m", temperature: 0.5), createdAt: now,
                updatedAt: now, clock: other.tick()), id: id)
        let change = try #require(try other.pendingChanges().first)
        transport.pending.withLock { $0 = [change] }
        await session.syncIfDue(every: .zero)
        await session.waitForBackgroundSync()
        #expect(transport.pulls.withLock { $0 } == 2)
        #expect(await session.historyGeneration == 1)
        #expect(await session.conversations().map(\.record.title) == ["from elsewhere"])
    }
}
