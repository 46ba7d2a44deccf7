import TUI
import Testing

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
        #expect(arrived == [.loadConversations, .loadConversation(ConversationID("welcome"))])
        // The same generation again: nothing to reload.
        #expect(Update.update(&model, .service(.sync(SyncSnapshot(state: .syncing, generation: 1)))).isEmpty)
        #expect(model.status.sync == .syncing)
    }

    @Test func aStreamingConversationIsNotReloadedUnderItsAnswer() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        _ = Fixtures.type("hello<CR>", into: &model)
        let current = model.current
        #expect(current != nil && model.streaming[current!] != nil)
        let effects = Update.update(&model, .service(.sync(SyncSnapshot(state: .synced, generation: 4))))
        #expect(effects == [.loadConversations])
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
        // Two or three ticks and their answers (an unchanged sync state) at most.
        #expect(backend.presentCount - settled <= 3)
        #expect(runtime.model.status.sync == .idle)
    }
}
