import Core
import CoreTesting
import Foundation
import TUI
import Testing
import Wire

/// Ctrl-F searches every conversation's messages; Enter opens the hit with the message at the
/// top of the chat, marked.
@Suite struct SearchTests {
    init() { TestEnvironment.prepare() }

    @Test func typingSearchingAndJumpingThroughUpdate() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        #expect(Fixtures.type("<C-f>sour<CR>", into: &model) == [.search("sour")])
        guard case .search(let state)? = model.overlay else {
            Issue.record("no search overlay")
            return
        }
        #expect(state.query.text == "sour" && !state.isCurrent)
        let hits = [
            SearchHit(
                conversation: RecordID.test(100), title: "Bread recipes", messageID: .test(1), snippet: "…a sourdough…"),
            SearchHit(
                conversation: RecordID.test(100), title: "Bread recipes", messageID: .test(2), snippet: "sour starter"),
        ]
        _ = Update.update(&model, .service(.searchResults(query: "sour", hits)))
        // Results for another text are ignored once the query changed.
        _ = Update.update(&model, .service(.searchResults(query: "so", [])))
        guard case .search(let shown)? = model.overlay else { return }
        #expect(shown.results == hits && shown.isCurrent)
        Snapshot.assert(Snapshot.frame(AppView.render(model)), named: "search-100x30")

        let effects = Fixtures.type("<Down><CR>", into: &model)
        #expect(model.overlay == nil)
        #expect(model.current == RecordID.test(100))
        #expect(model.scrollTarget == .test(2) && model.searchMark == .test(2))
        #expect(
            effects
                == (model.transcripts[RecordID.test(100)] == nil
                    ? [.loadConversation(RecordID.test(100))] : []))
        // Editing the text asks again; Esc closes without moving.
        Fixtures.type("<C-f>x<Esc>", into: &model)
        #expect(model.overlay == nil && model.current == RecordID.test(100))
    }

    @Test func theRuntimeBringsTheFoundMessageIntoView() async throws {
        let id = DemoContent.longID
        let messages =
            (1...400).map { ChatMessage(id: .test($0), role: $0 % 2 == 1 ? .user : .assistant, text: "line \($0)") }
            + [ChatMessage(id: .test(401), role: .assistant, text: "the end")]
        var withNeedle = messages
        withNeedle[49].text = "the needle is here"
        let service = InMemoryChatService(
            conversations: [ConversationSummary(id: id, title: "Long one")], messages: [id: withNeedle])
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        for _ in 0..<200 where !backend.screen.text.contains("the end") {
            runtime.step()
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(!backend.screen.text.contains("needle"))
        backend.type("<C-f>NEEDLE<CR>")
        for _ in 0..<200 where !backend.screen.text.contains("Long one  the needle") {
            runtime.step()
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(backend.screen.text.contains("Search (1)"))
        backend.type("<CR>")
        for _ in 0..<50 { runtime.step() }
        let screen = backend.screen.text
        #expect(screen.contains("the needle is here"), "\(screen)")
        #expect(screen.contains("◀ found"))
        #expect(!screen.contains("the end"))
    }

    @Test func theHistoryBackedServiceSearchesDecryptedMessages() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-search-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID("search-account")),
            keys: TestRecordKeys(), device: .random())
        let session = ChatSession(history: history, sender: ScriptedSender(answer: "ok"), sync: nil)
        let first = try await session.startConversation(firstPrompt: "Trains")
        try await session.append(.user, "How fast is the Shinkansen?", to: first)
        try await session.append(.assistant, "Up to 320 km/h on the Tōhoku line.", to: first)
        let second = try await session.startConversation(firstPrompt: "Bread")
        try await session.append(.user, "A sourdough starter: how?", to: second)
        let service = CoreChatService(session: session, client: nil, serverLabel: "test")
        let hits = try await service.search("tohoku", limit: 10)
        #expect(hits.count == 1)
        #expect(hits.first?.conversation == first)
        #expect(try await service.messages(of: first)[1].id == hits.first?.messageID)
        #expect(hits.first?.snippet.contains("Tōhoku") == true)
        #expect(try await service.messages(of: first)[1].text.contains("Tōhoku"))
        #expect(try await service.search("nothing like this", limit: 10).isEmpty)
        #expect(try await service.search("o", limit: 2).count == 2)
    }

    @Test func snippetsFoldWhitespaceAndMarkCuts() {
        let text = String(repeating: "x", count: 50) + " the\nneedle  here " + String(repeating: "y", count: 100)
        let snippet = SearchHit.snippet(of: text, matching: "NEEDLE", width: 40)
        #expect(snippet?.hasPrefix("…") == true && snippet?.hasSuffix("…") == true)
        #expect(snippet?.contains("the needle here") == true)
        #expect(SearchHit.snippet(of: "short", matching: "absent") == nil)
        #expect(SearchHit.snippet(of: "café au lait", matching: "cafe") == "café au lait")
    }
}
