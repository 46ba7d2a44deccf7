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

/// A chat turn whose answers break off after a few tokens on the calls in `breaking` (1 is
/// the first) and come in full on the others, as when the connection drops mid-answer.
final class BreakingSender: ChatSender {
    struct ConnectionLost: Error {}

    let breaking: Set<Int>
    let requests = Mutex<[ChatRequest]>([])

    init(breaking: Set<Int>) { self.breaking = breaking }

    func events(for request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        let call = requests.withLock {
            $0.append(request)
            return $0.count
        }
        let breaks = breaking.contains(call)
        return AsyncThrowingStream { continuation in
            continuation.yield(.start(model: "scripted-model"))
            if breaks {
                for piece in ["The capital", " of France", " is"] { continuation.yield(.token(piece)) }
                continuation.finish(throwing: ConnectionLost())
            } else {
                for piece in ["Paris,", " of course."] { continuation.yield(.token(piece)) }
                continuation.yield(.end(reason: .stop, promptTokens: 1, completionTokens: 2))
                continuation.finish()
            }
        }
    }
}

/// A chat turn that sends the start of an answer, then waits until it is stopped.
final class StallingSender: ChatSender {
    private let cancelled = Mutex(false)

    func events(for request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(.start(model: "scripted-model"))
            for piece in ["The capital", " of France", " is"] { continuation.yield(.token(piece)) }
            continuation.onTermination = { _ in self.cancelled.withLock { $0 = true } }
        }
    }

    /// Waits up to five seconds for the answer's stream to be stopped.
    func waitUntilCancelled() async -> Bool {
        for _ in 0..<500 {
            if cancelled.withLock({ $0 }) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
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
        #expect(list.first?.title == "What is the capital of Germany? Tell me")
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

    @Test func anErrorEventEndsTheStreamAndKeepsThePartialAnswerMarked() async throws {
        let (service, session, _, folder) = try makeService(answer: "partial", failWith: "SOTTO-BACKEND-FAILED")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        await #expect(throws: ChatServiceError.self) {
            _ = try await collect(
                service.send([ChatMessage(id: 1, role: .user, text: "hi")], in: .init("new-1"), instructions: ""))
        }
        let conversation = try #require(await session.conversations().first)
        let stored = try await session.messages(in: conversation.id).map(\.record)
        #expect(stored.map(\.role) == [.user, .assistant])
        #expect(stored.map(\.interrupted) == [false, true])
        #expect(stored.last?.content == "partial")
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
        _ = try await collect(
            service.send(
                [ChatMessage(id: 1, role: .user, text: "hello")], in: id, instructions: "", regenerating: true))
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

    /// The screen may lag the history (another device's turn arrived while it was busy): a new
    /// prompt is stored after everything the history holds and replaces nothing.
    @Test func aNewPromptFromAStaleScreenReplacesNothing() async throws {
        let (service, session, sender, folder) = try makeService(answer: "an answer")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = ConversationID("new-1")
        let first = ChatMessage(id: 1, role: .user, text: "first")
        _ = try await collect(service.send([first], in: id, instructions: ""))
        let shown = try await service.messages(of: id)
        // Another device adds a turn; this screen has not reloaded yet.
        let conversation = try #require(await session.conversations().first?.id)
        try await session.append(.user, "from elsewhere", to: conversation)
        // Ctrl-R on the stale screen regenerates the answer to its prompt, not the newest turn.
        _ = try await collect(service.send([first], in: id, instructions: "", regenerating: true))
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == ["first"])
        let afterRetry = try await session.messages(in: conversation).map(\.record.content)
        // One answer to "first" (the new one, ordered by its time), the other turn untouched.
        #expect(afterRetry == ["first", "from elsewhere", "an answer"])
        let stale = shown + [ChatMessage(id: 9, role: .user, text: "my next")]
        _ = try await collect(service.send(stale, in: id, instructions: ""))
        let stored = try await session.messages(in: conversation).map(\.record.content)
        #expect(stored == ["first", "from elsewhere", "an answer", "my next", "an answer"])
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == Array(stored.dropLast()))
    }

    /// A new conversation's first send saves its title and sends its prompt at once (two
    /// effects, two tasks): the history gets one conversation, not two.
    @Test func aNewConversationIsCreatedOnceUnderConcurrentFirstUse() async throws {
        for _ in 0..<20 {
            let (service, session, _, folder) = try makeService(answer: "ok")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let id = ConversationID("new-1")
            async let saved: Void = service.save(ConversationSummary(id: id, title: "Hello"))
            async let answered = collect(
                service.send([ChatMessage(id: 1, role: .user, text: "hello")], in: id, instructions: ""))
            _ = try await (saved, answered)
            #expect(await session.conversations().count == 1)
        }
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

    /// A broken-off answer stays on the screen, marked; Ctrl-R retries it in its place, and the
    /// history (read back from the cache file) holds the prompt and the one complete answer.
    @Test func aRetryReplacesTheInterruptedAnswerOnScreenAndInTheHistory() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tui-retry-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + LocalCache.fileName
        let account = try AccountID("tui-account")
        let keys = TestRecordKeys()
        let history = try HistoryStore(cache: LocalCache(path: path, account: account), keys: keys, device: .random())
        let sender = BreakingSender(breaking: [1])
        let session = ChatSession(history: history, sender: sender, sync: nil)
        let service = CoreChatService(session: session, client: nil, serverLabel: "local")
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        func run(until condition: () -> Bool) async throws -> Bool {
            for _ in 0..<1000 {
                runtime.step()
                if condition() { return true }
                try await Task.sleep(for: .milliseconds(5))
            }
            return false
        }

        backend.type("Capital of France?<CR>")
        #expect(
            try await run {
                backend.screen.text.contains("(interrupted — Ctrl-R retries)") && runtime.model.streaming.isEmpty
            })
        #expect(backend.screen.text.contains("The capital of France is"))
        #expect(backend.screen.text.contains("The answer broke off"))
        #expect(runtime.model.messages.map(\.text) == ["Capital of France?", "The capital of France is"])
        #expect(runtime.model.messages.last?.interrupted == true)
        // The partial answer is stored too, marked interrupted.
        let conversation = try #require(await session.conversations().first?.id)
        #expect(try await session.messages(in: conversation).map(\.record.interrupted) == [false, true])

        backend.type("<C-r>")
        #expect(try await run { backend.screen.text.contains("Paris, of course.") && runtime.model.streaming.isEmpty })
        #expect(!backend.screen.text.contains("The capital of France is"))
        #expect(!backend.screen.text.contains("interrupted"))
        #expect(!backend.screen.text.contains("broke off"))
        #expect(runtime.model.messages.map(\.text) == ["Capital of France?", "Paris, of course."])
        #expect(
            sender.requests.withLock { $0.map { $0.messages.map(\.content) } } == [
                ["Capital of France?"], ["Capital of France?"],
            ])

        // The retry replaced the partial answer: both are stored, the complete one shown.
        let reopened = try HistoryStore(cache: LocalCache(path: path, account: account), keys: keys, device: .random())
        let stored = try reopened.messages(in: conversation)
        #expect(
            stored.map(\.record.content) == ["Capital of France?", "The capital of France is", "Paris, of course."])
        #expect(stored.map(\.record.interrupted) == [false, true, false])
        #expect(stored[2].record.regenerationParent == stored[1].id)
        let shown = try await ChatSession(history: reopened, sender: sender, sync: nil).messages(in: conversation)
        #expect(shown.map(\.record.content) == ["Capital of France?", "Paris, of course."])
    }

    /// Esc stops an answer: what arrived is stored, marked interrupted, so after a restart it
    /// is still there, marked, and Ctrl-R retries it in its place. The Markdown export shows it
    /// as an interrupted answer (never two prompts in a row).
    @Test func aStoppedAnswerSurvivesARestartAndIsRetriedThere() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tui-stop-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + LocalCache.fileName
        let account = try AccountID("tui-account")
        let keys = TestRecordKeys()
        func start(_ sender: any ChatSender) throws -> (Runtime, InMemoryBackend, ChatSession) {
            let history = try HistoryStore(
                cache: LocalCache(path: path, account: account), keys: keys, device: .random())
            let session = ChatSession(history: history, sender: sender, sync: nil)
            let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
            let service = CoreChatService(session: session, client: nil, serverLabel: "local")
            return (Runtime(backend: backend, service: service, themes: .shipped()), backend, session)
        }
        func run(_ runtime: Runtime, until condition: () -> Bool) async throws -> Bool {
            for _ in 0..<1000 {
                runtime.step()
                if condition() { return true }
                try await Task.sleep(for: .milliseconds(5))
            }
            return false
        }

        let stalling = StallingSender()
        let (first, screen, session) = try start(stalling)
        screen.type("Capital of France?<CR>")
        #expect(try await run(first) { screen.screen.text.contains("The capital of France is") })
        screen.type("<Esc>")
        #expect(try await run(first) { first.model.streaming.isEmpty && screen.screen.text.contains("(interrupted") })
        // The stop reaches the sender, and the partial answer is stored once it does.
        #expect(await stalling.waitUntilCancelled())
        let conversation = try #require(await session.conversations().first?.id)
        var stored: [MessageRecord] = []
        for _ in 0..<200 {
            stored = try await session.messages(in: conversation).map(\.record)
            if stored.count == 2 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(stored.map(\.content) == ["Capital of France?", "The capital of France is"])
        #expect(stored.map(\.interrupted) == [false, true])
        let markdown = try await session.markdown(of: conversation)
        #expect(
            markdown.contains(
                "## You\n\nCapital of France?\n\n## Assistant\n\nThe capital of France is\n\n_(interrupted)_"))
        await session.close()

        // A restart: the conversation opens with the partial answer, marked.
        let (second, again, reopened) = try start(BreakingSender(breaking: []))
        // The first conversation opens by itself.
        #expect(
            try await run(second) {
                again.screen.text.contains("The capital of France is")
                    && again.screen.text.contains("(interrupted — Ctrl-R retries)")
            })
        again.type("<C-r>")
        #expect(
            try await run(second) { again.screen.text.contains("Paris, of course.") && second.model.streaming.isEmpty })
        #expect(!again.screen.text.contains("The capital of France is"))
        let shown = try await reopened.messages(in: conversation).map(\.record)
        #expect(shown.map(\.content) == ["Capital of France?", "Paris, of course."])
        #expect(shown.map(\.interrupted) == [false, false])
    }

    /// The screen sends the broken-off answer it still shows; the service must not count it as
    /// stored, or the next regeneration would add a second answer instead of replacing one.
    @Test func anInterruptedAnswerOnScreenIsNotCountedAsStored() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tui-retry-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID("tui-account")),
            keys: TestRecordKeys(), device: .random())
        let sender = BreakingSender(breaking: [1])
        let session = ChatSession(history: history, sender: sender, sync: nil)
        let service = CoreChatService(session: session, client: nil, serverLabel: "local")
        let id = ConversationID("new-1")
        let prompt = ChatMessage(id: 1, role: .user, text: "Capital of France?")
        await #expect(throws: BreakingSender.ConnectionLost.self) {
            _ = try await collect(service.send([prompt], in: id, instructions: ""))
        }
        // The user asks on instead of retrying; the partial answer, stored and on the screen,
        // is part of what the model is sent.
        let partial = ChatMessage(id: 2, role: .assistant, text: "The capital of France is", interrupted: true)
        let next = ChatMessage(id: 3, role: .user, text: "And of Spain?")
        _ = try await collect(service.send([prompt, partial, next], in: id, instructions: ""))
        #expect(
            sender.requests.withLock { $0.last?.messages.map(\.content) } == [prompt.text, partial.text, next.text])
        // Ctrl-R: the screen drops what follows the last prompt and asks again.
        _ = try await collect(service.send([prompt, partial, next], in: id, instructions: "", regenerating: true))
        #expect(
            sender.requests.withLock { $0.last?.messages.map(\.content) } == [prompt.text, partial.text, next.text])
        #expect(
            try await service.messages(of: id).map(\.text) == [
                prompt.text, partial.text, next.text, "Paris, of course.",
            ])
        let conversation = try #require(await session.conversations().first?.id)
        let stored = try await session.messages(in: conversation)
        #expect(stored.map(\.record.role) == [.user, .assistant, .user, .assistant])
        #expect(stored.map(\.record.interrupted) == [false, true, false, false])
    }
}
