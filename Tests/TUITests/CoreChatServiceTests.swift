import Core
import CoreTesting
import Foundation
import Synchronization
import TUI
import Testing
import Wire

/// A chat turn that answers from a script and remembers what it was asked.
final class ScriptedSender: ChatSender {
    let requests = Mutex<[ChatRequest]>([])
    let events: [ChatEvent]

    init(answer: String, failWith code: String? = nil) {
        var events: [ChatEvent] = [.start(model: "scripted-model")]
        events += answer.split(separator: " ", omittingEmptySubsequences: false).enumerated().map {
            .token(($0.offset == 0 ? "" : " ") + $0.element)
        }
        if let code { events.append(.error(code: code, message: "the model failed")) }
        events.append(.end(reason: .stop, promptTokens: 1, completionTokens: 1))
        self.events = events
    }

    func events(for request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        requests.withLock { $0.append(request) }
        let events = self.events
        return AsyncThrowingStream { continuation in
            for event in events { continuation.yield(event) }
            continuation.finish()
        }
    }
}

/// The TUI over the real history: prompts and answers land in the encrypted cache, titles come
/// from the first prompt, and the screen's conversations map to records.
@Suite struct CoreChatServiceTests {
    init() { TestEnvironment.prepare() }

    /// - Parameter keys: the record keys, kept by a test that reopens the history from its cache.
    func makeService(
        answer: String, failWith: String? = nil, keys: TestRecordKeys = TestRecordKeys()
    ) throws -> (CoreChatService, ChatSession, ScriptedSender, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sotto-tui-core-\(UUID().uuidString)"
        )
        .path
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID("tui-account")),
            keys: keys, device: .random())
        let sender = ScriptedSender(answer: answer, failWith: failWith)
        let session = ChatSession(history: history, sender: sender, sync: nil)
        return (CoreChatService(session: session, client: nil, serverLabel: "local"), session, sender, folder)
    }

    func collect(_ stream: AsyncThrowingStream<String, any Error>) async throws -> String {
        var text = ""
        for try await piece in stream { text += piece }
        return text
    }

    @Test func aTurnIsSavedWithATitleFromThePrompt() async throws {
        let (service, session, sender, folder) = try makeService(answer: "Berlin is the capital.")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = ConversationID("new-1")
        let first = [ChatMessage(id: 1, role: .user, text: "What is the capital of Germany? Tell me more")]
        #expect(try await collect(service.send(first, in: id, instructions: "Be brief.")) == "Berlin is the capital.")

        let (list, _) = try await service.conversations()
        #expect(list.map(\.id) == [id])
        #expect(list.first?.title == "What is the capital of Germany? Tell me…")
        #expect(try await service.messages(of: id).map(\.text) == [first[0].text, "Berlin is the capital."])
        #expect(sender.requests.withLock { $0.first?.messages.first } == .init(role: .system, content: "Be brief."))

        // The next turn sends the whole conversation; only the new prompt is added.
        let second =
            first + [
                ChatMessage(id: 2, role: .assistant, text: "Berlin is the capital."),
                ChatMessage(id: 3, role: .user, text: "And of France?"),
            ]
        _ = try await collect(service.send(second, in: id, instructions: ""))
        let stored = try await session.messages(in: try #require(session.conversations().first?.id))
        #expect(stored.map(\.record.role) == [.user, .assistant, .user, .assistant])
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) }?.count == 3)
    }

    @Test func anErrorEventEndsTheStreamAndSavesNoAnswer() async throws {
        let (service, session, _, folder) = try makeService(answer: "partial", failWith: "SOTTO-BACKEND-FAILED")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        await #expect(throws: ChatServiceError.self) {
            _ = try await collect(
                service.send([ChatMessage(id: 1, role: .user, text: "hi")], in: .init("new-1"), instructions: ""))
        }
        let conversation = try #require(await session.conversations().first)
        #expect(try await session.messages(in: conversation.id).map(\.record.role) == [.user])
    }

    /// Regenerating sends the conversation up to the last prompt, and the new answer replaces
    /// the old one in what the conversation shows and sends next (the old one stays stored).
    @Test func regeneratingReplacesTheLastAnswer() async throws {
        let (service, session, sender, folder) = try makeService(answer: "second answer")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = ConversationID("new-1")
        _ = try await collect(service.send([ChatMessage(id: 1, role: .user, text: "hello")], in: id, instructions: ""))
        let before = try await service.messages(of: id)
        #expect(before.map(\.text) == ["hello", "second answer"])
        // The screen drops the answer and asks again.
        _ = try await collect(service.send([ChatMessage(id: 1, role: .user, text: "hello")], in: id, instructions: ""))
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == ["hello"])
        let after = try await service.messages(of: id)
        #expect(after.map(\.role) == [.user, .assistant])
        let conversation = try #require(await session.conversations().first?.id)
        #expect(try await session.messages(in: conversation).count == 2)
        // A next turn sends one answer, not both.
        let next = after + [ChatMessage(id: 3, role: .user, text: "more")]
        _ = try await collect(service.send(next, in: id, instructions: ""))
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == ["hello", "second answer", "more"])
    }

    @Test func renamePinAndDelete() async throws {
        let (service, session, _, folder) = try makeService(answer: "ok")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = ConversationID("new-1")
        _ = try await collect(service.send([ChatMessage(id: 1, role: .user, text: "hello")], in: id, instructions: ""))
        try await service.save(ConversationSummary(id: id, title: "Renamed", pinned: true))
        let record = try #require(await session.conversations().first?.record)
        #expect(record.title == "Renamed" && record.pinned)
        try await service.delete(id)
        #expect(await session.conversations().isEmpty)
        #expect(try await service.conversations().conversations.isEmpty)
    }

    /// A folder created, renamed, filled and deleted through the service lands in the history
    /// as a record and then a tombstone; its conversation stays, outside any folder.
    @Test func aDeletedFolderLeavesItsConversationOutsideFolders() async throws {
        let keys = TestRecordKeys()
        let (service, session, _, folder) = try makeService(answer: "ok", keys: keys)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = ConversationID("new-1")
        _ = try await collect(service.send([ChatMessage(id: 1, role: .user, text: "hello")], in: id, instructions: ""))
        let work = FolderID("new-folder-1")
        try await service.saveFolder(Folder(id: work, name: "Work", instructions: "Be brief."))
        try await service.saveFolder(Folder(id: work, name: "Office", instructions: "Be briefer."))
        let stored = try #require(await session.folders().first)
        #expect(await session.folders().count == 1)
        #expect(stored.record.name == "Office" && stored.record.customInstructions == "Be briefer.")
        var summary = try #require(try await service.conversations().conversations.first)
        summary.folder = work
        try await service.save(summary)
        #expect(await session.conversations().first?.record.folderID == stored.id)
        #expect(try await service.conversations().conversations.first?.folder == work)

        try await service.deleteFolder(work)
        #expect(await session.folders().isEmpty)
        // Still named by the conversation (as after a sync from a device that moved it there):
        // listed without a folder.
        #expect(await session.conversations().first?.record.folderID == stored.id)
        let (listed, folders) = try await service.conversations()
        #expect(folders.isEmpty)
        #expect(listed.map(\.id) == [id] && listed.first?.folder == nil)
        // The screen saves each conversation it moved out.
        try await service.save(try #require(listed.first))

        // Reopened from its cache: the folder is gone (a deletion waiting to be pushed), the
        // conversation and its messages are kept, in no folder.
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID("tui-account")),
            keys: keys, device: .random())
        #expect(history.folders.isEmpty)
        #expect(try history.cache.record(stored.id) == nil)
        #expect(try history.pendingChanges().contains { $0.id == stored.id && $0.kind == .folder && $0.isTombstone })
        let conversation = try #require(history.conversationList.first)
        #expect(history.conversationList.count == 1)
        #expect(conversation.record.folderID == nil)
        #expect(try history.messages(in: conversation.id).map(\.record.content) == ["hello", "ok"])
    }

    @Test func theRuntimeShowsAnAnswerFromTheHistoryBackedService() async throws {
        let (service, session, _, folder) = try makeService(answer: "**Berlin**, of course.")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        backend.type("Capital of Germany?<CR>")
        var shown = false
        for _ in 0..<1000 where !shown {
            runtime.step()
            shown = backend.screen.text.contains("Berlin, of course.") && runtime.model.streaming.isEmpty
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(shown)
        let saved = try #require(await session.conversations().first)
        #expect(saved.record.title == "Capital of Germany?")
        #expect(try await session.messages(in: saved.id).count == 2)
    }
}
