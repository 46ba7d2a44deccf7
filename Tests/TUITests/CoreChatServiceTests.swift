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

    func chat(_ request: ChatRequest) -> ChatEventStream {
        requests.withLock { $0.append(request) }
        let events = self.events
        return ChatEventStream(
            batches: AsyncThrowingStream { continuation in
                continuation.yield(events)
                continuation.finish()
            })
    }
}

/// A chat turn whose answers break off after a few tokens on the calls in `breaking` (1 is
/// the first) and come in full on the others, as when the connection drops mid-answer.
final class BreakingSender: ChatSender {
    struct ConnectionLost: Error {}

    let breaking: Set<Int>
    let requests = Mutex<[ChatRequest]>([])

    init(breaking: Set<Int>) { self.breaking = breaking }

    func chat(_ request: ChatRequest) -> ChatEventStream {
        let call = requests.withLock {
            $0.append(request)
            return $0.count
        }
        let breaks = breaking.contains(call)
        return ChatEventStream(
            batches: AsyncThrowingStream { continuation in
                continuation.yield([.start(model: "scripted-model")])
                if breaks {
                    continuation.yield(["The capital", " of France", " is"].map { .token($0) })
                    continuation.finish(throwing: ConnectionLost())
                } else {
                    continuation.yield(["Paris,", " of course."].map { .token($0) })
                    continuation.yield([.end(reason: .stop, promptTokens: 1, completionTokens: 2)])
                    continuation.finish()
                }
            })
    }
}

/// A chat turn that sends the start of an answer, then waits until it is stopped.
final class StallingSender: ChatSender {
    private let cancelled = Mutex(false)

    func chat(_ request: ChatRequest) -> ChatEventStream {
        ChatEventStream(
            batches: AsyncThrowingStream { continuation in
                continuation.yield([.start(model: "scripted-model")])
                continuation.yield(["The capital", " of France", " is"].map { .token($0) })
                continuation.onTermination = { _ in self.cancelled.withLock { $0 = true } }
            })
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

    /// The answer's text.
    func collect(_ events: some AsyncSequence<ChatEvent, any Error>) async throws -> String {
        var text = ""
        for try await event in events { if case .token(let piece) = event { text += piece } }
        return text
    }

    /// A turn asking `text` in conversation `id`, and the id its prompt is stored under.
    func ask(_ text: String, in id: RecordID, instructions: String = "") -> (ChatTurn, RecordID) {
        let prompt = RecordID.random()
        return (ChatTurn(conversation: id, ask: .prompt(id: prompt, text: text), instructions: instructions), prompt)
    }

    @Test func aTurnIsSavedWithATitleFromThePrompt() async throws {
        let (service, session, sender, folder) = try makeService(answer: "Berlin is the capital.")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = RecordID.random()
        let (first, promptID) = ask("What is the capital of Germany? Tell me more", in: id, instructions: "Be brief.")
        #expect(try await collect(service.send(first)) == "Berlin is the capital.")

        let (list, _) = try await service.conversations()
        #expect(list.map(\.id) == [id])
        #expect(list.first?.title == "What is the capital of Germany? Tell me")
        let shown = try await service.messages(of: id)
        #expect(shown.map(\.text) == ["What is the capital of Germany? Tell me more", "Berlin is the capital."])
        // Stored under the ids the screen chose.
        #expect(shown.map(\.id) == [promptID, first.answer])
        #expect(sender.requests.withLock { $0.first?.messages.first } == .init(role: .system, content: "Be brief."))

        // The next turn sends the whole conversation; only the new prompt is added.
        _ = try await collect(service.send(ask("And of France?", in: id).0))
        let stored = try await session.messages(in: id)
        #expect(stored.map(\.record.role) == [.user, .assistant, .user, .assistant])
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) }?.count == 3)
    }

    /// A first turn that cannot be stored (a prompt past the largest record) leaves no
    /// conversation behind, in memory or in the cache, to sync to every device empty.
    @Test func aFirstTurnThatCannotBeStoredLeavesNoEmptyConversation() async throws {
        let keys = TestRecordKeys()
        let (_, session, sender, folder) = try makeService(answer: "never", keys: keys)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = RecordID.random()
        let huge = String(repeating: "a", count: RecordPadding.maximumPaddedByteCount + 1)
        await #expect(throws: RecordError.self) { _ = try await session.send(ask(huge, in: id).0) }
        #expect(await session.conversations().isEmpty)
        #expect(sender.requests.withLock { $0.isEmpty })
        let reopened = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID("tui-account")),
            keys: keys, device: .random())
        #expect(reopened.conversations.isEmpty)
        // The same conversation's first turn, storable, goes through whole.
        let (turn, prompt) = ask("A short question", in: id)
        _ = try await collect(try await session.send(turn))
        #expect(try await session.messages(in: id).map(\.id) == [prompt, turn.answer])
    }

    @Test func anErrorEventEndsTheStreamAndKeepsThePartialAnswerMarked() async throws {
        let (service, session, _, folder) = try makeService(answer: "partial", failWith: "SOTTO-BACKEND-FAILED")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var events: [ChatEvent] = []
        for try await event in try await service.send(ask("hi", in: .random()).0) { events.append(event) }
        #expect(events.contains(.error(code: "SOTTO-BACKEND-FAILED", message: "the model failed")))
        let conversation = try #require(await session.conversations().first)
        let stored = try await session.messages(in: conversation.id).map(\.record)
        #expect(stored.map(\.role) == [.user, .assistant])
        #expect(stored.map(\.interrupted) == [false, true])
        #expect(stored.last?.content == "partial")
    }

    /// Regenerating names the prompt to answer again: the conversation up to it is sent, and
    /// the new answer replaces the old one in what the conversation shows and sends next (the
    /// old one stays stored).
    @Test func regeneratingReplacesTheLastAnswer() async throws {
        let (service, session, sender, folder) = try makeService(answer: "second answer")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = RecordID.random()
        let (turn, prompt) = ask("hello", in: id)
        _ = try await collect(service.send(turn))
        let before = try await service.messages(of: id)
        #expect(before.map(\.text) == ["hello", "second answer"])
        let again = ChatTurn(conversation: id, ask: .again(prompt: prompt))
        _ = try await collect(service.send(again))
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == ["hello"])
        let after = try await service.messages(of: id)
        #expect(after.map(\.role) == [.user, .assistant])
        #expect(after.map(\.id) == [prompt, again.answer])
        #expect(try await session.messages(in: id).count == 2)
        // A next turn sends one answer, not both.
        _ = try await collect(service.send(ask("more", in: id).0))
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == ["hello", "second answer", "more"])
        // A prompt the history does not hold is refused, not guessed.
        await #expect(throws: CacheError.self) {
            _ = try await service.send(ChatTurn(conversation: id, ask: .again(prompt: .random())))
        }
    }

    /// The screen may lag the history (another device's turn arrived while it was busy): a
    /// regeneration answers the prompt it names, and a new prompt is stored after everything the
    /// history holds and replaces nothing.
    @Test func aNewPromptFromAStaleScreenReplacesNothing() async throws {
        let (service, session, sender, folder) = try makeService(answer: "an answer")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = RecordID.random()
        let (turn, first) = ask("first", in: id)
        _ = try await collect(service.send(turn))
        // Another device adds a turn; this screen has not reloaded yet.
        try await session.append(.user, "from elsewhere", to: id)
        // Ctrl-R on the stale screen regenerates the answer to its prompt, not the newest turn.
        _ = try await collect(service.send(ChatTurn(conversation: id, ask: .again(prompt: first))))
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == ["first"])
        let afterRetry = try await session.messages(in: id).map(\.record.content)
        // One answer to "first" (the new one, ordered by its time), the other turn untouched.
        #expect(afterRetry == ["first", "from elsewhere", "an answer"])
        _ = try await collect(service.send(ask("my next", in: id).0))
        let stored = try await session.messages(in: id).map(\.record.content)
        #expect(stored == ["first", "from elsewhere", "an answer", "my next", "an answer"])
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == Array(stored.dropLast()))
    }

    /// A new conversation's first send and a save of it (two effects, two tasks) may run in
    /// either order: the history gets one conversation, not two, and the prompt's title.
    @Test func aNewConversationIsCreatedOnceUnderConcurrentFirstUse() async throws {
        for _ in 0..<20 {
            let (service, session, _, folder) = try makeService(answer: "ok")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let id = RecordID.random()
            async let saved: Void = service.save(ConversationSummary(id: id, pinned: true))
            async let answered = collect(service.send(ask("hello", in: id).0))
            _ = try await (saved, answered)
            #expect(await session.conversations().count == 1)
            #expect(await session.conversation(id)?.title == "hello")
        }
    }

    @Test func renamePinAndDelete() async throws {
        let (service, session, _, folder) = try makeService(answer: "ok")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let id = RecordID.random()
        _ = try await collect(service.send(ask("hello", in: id).0))
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
        let id = RecordID.random()
        _ = try await collect(service.send(ask("hello", in: id).0))
        let work = RecordID.random()
        try await service.saveFolder(Folder(id: work, name: "Work", instructions: "Be brief."))
        try await service.saveFolder(Folder(id: work, name: "Office", instructions: "Be briefer."))
        let stored = try #require(await session.folders().first)
        #expect(await session.folders().count == 1)
        #expect(stored.id == work)
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

    /// An answer that broke off is stored, marked: asking on sends it as part of the
    /// conversation, and a later regeneration replaces only the answer to the prompt it names.
    @Test func anInterruptedAnswerOnScreenIsNotCountedAsStored() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tui-retry-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID("tui-account")),
            keys: TestRecordKeys(), device: .random())
        let sender = BreakingSender(breaking: [1])
        let session = ChatSession(history: history, sender: sender, sync: nil)
        let service = CoreChatService(session: session, client: nil, serverLabel: "local")
        let id = RecordID.random()
        let prompt = "Capital of France?"
        let partial = "The capital of France is"
        await #expect(throws: BreakingSender.ConnectionLost.self) {
            _ = try await collect(service.send(ask(prompt, in: id).0))
        }
        // The user asks on instead of retrying; the partial answer is part of what the model is sent.
        let (next, nextID) = ask("And of Spain?", in: id)
        _ = try await collect(service.send(next))
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == [prompt, partial, "And of Spain?"])
        // Ctrl-R: the last prompt answered again.
        _ = try await collect(service.send(ChatTurn(conversation: id, ask: .again(prompt: nextID))))
        #expect(sender.requests.withLock { $0.last?.messages.map(\.content) } == [prompt, partial, "And of Spain?"])
        #expect(
            try await service.messages(of: id).map(\.text) == [prompt, partial, "And of Spain?", "Paris, of course."])
        let stored = try await session.messages(in: id)
        #expect(stored.map(\.record.role) == [.user, .assistant, .user, .assistant])
        #expect(stored.map(\.record.interrupted) == [false, true, false, false])
    }
}
