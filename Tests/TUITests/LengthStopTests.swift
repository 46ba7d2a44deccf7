import Core
import CoreTesting
import Foundation
import Synchronization
import TUI
import Testing
import Wire

/// The first answer stops at the length limit; the next (a continuation) ends normally.
final class LengthLimitedSender: ChatSender {
    let requests = Mutex<[ChatRequest]>([])

    func chat(_ request: ChatRequest) -> ChatEventStream {
        let call = requests.withLock {
            $0.append(request)
            return $0.count
        }
        let events: [ChatEvent] =
            call == 1
            ? [.start(model: "m"), .token("One, two,"), .end(reason: .length, promptTokens: 5, completionTokens: 4)]
            : [.start(model: "m"), .token(" three."), .end(reason: .stop, promptTokens: 9, completionTokens: 2)]
        return ChatEventStream(
            batches: AsyncThrowingStream { continuation in
                continuation.yield(events)
                continuation.finish()
            })
    }
}

/// An answer the model stops at the length limit says so, and Ctrl-R continues it; the limit
/// is config.toml's `max_tokens`, sent with each request.
@Suite struct LengthStopTests {
    init() { TestEnvironment.prepare() }

    @Test func aLengthStopIsShownAndCtrlRContinuesTheAnswer() throws {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        let id = DemoContent.welcomeID
        Fixtures.type("Count<CR>", into: &model)
        _ = Update.update(&model, .service(.answerToken(id, "One, two,", time: 1)))
        _ = Update.update(&model, .service(.answerStoppedAtLength(id)))
        _ = Update.update(&model, .service(.answerFinished(id, time: 2)))
        let stopped = try #require(model.messages.last)
        #expect(stopped.stoppedAtLength && !stopped.interrupted)
        #expect(AppView.render(model).text.contains("(stopped at the length limit — Ctrl-R continues)"))

        let effects = Fixtures.type("<C-r>", into: &model)
        guard case .send(let turn)? = effects.first, case .continuation(let answer) = turn.ask else {
            Issue.record("no continuation: \(effects)")
            return
        }
        #expect(answer == stopped.id)
        #expect(model.messages.last?.text == "One, two,")
        #expect(model.messages.last?.id == turn.answer)
        _ = Update.update(&model, .service(.answerToken(id, " three.", time: 3)))
        _ = Update.update(&model, .service(.answerFinished(id, time: 4)))
        #expect(model.messages.last?.text == "One, two, three.")
        #expect(model.messages.last?.stoppedAtLength == false)
        #expect(!AppView.render(model).text.contains("length limit"))
    }

    @Test func theHistoryKeepsTheStopAndTheContinuationGoesOnFromTheCutAnswer() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-length-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + LocalCache.fileName
        let account = try AccountID("length-account")
        let keys = TestRecordKeys()
        let history = try HistoryStore(cache: LocalCache(path: path, account: account), keys: keys, device: .random())
        let sender = LengthLimitedSender()
        let session = ChatSession(history: history, sender: sender, sync: nil)
        let service = CoreChatService(session: session, client: nil, serverLabel: "local", maxTokens: 4)
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

        backend.type("Count to three<CR>")
        #expect(try await run { backend.screen.text.contains("length limit") && runtime.model.streaming.isEmpty })
        #expect(backend.screen.text.contains("(stopped at the length limit — Ctrl-R continues)"))
        let conversation = try #require(await session.conversations().first?.id)
        let stored = try await session.messages(in: conversation)
        #expect(stored.last?.record.stoppedAtLength == true)
        #expect(stored.last?.record.interrupted == false)

        backend.type("<C-r>")
        #expect(try await run { backend.screen.text.contains("One, two, three.") && runtime.model.streaming.isEmpty })
        #expect(!backend.screen.text.contains("length limit"))
        let requests = sender.requests.withLock { $0 }
        #expect(requests.map(\.maxTokens) == [4, 4])
        #expect(requests[0].continuesLast == nil)
        // The session reads progress events, so it asks for them.
        #expect(requests.allSatisfy { $0.progress == true })
        #expect(requests[1].continuesLast == true)
        #expect(requests[1].messages.map(\.content) == ["Count to three", "One, two,"])
        #expect(requests[1].messages.last?.role == .assistant)

        // After a restart: the whole answer, not stopped, with the cut one as its earlier version.
        let reopened = try HistoryStore(cache: LocalCache(path: path, account: account), keys: keys, device: .random())
        let again = CoreChatService(
            session: ChatSession(history: reopened, sender: sender, sync: nil), client: nil, serverLabel: "local")
        let messages = try await again.messages(of: conversation)
        #expect(messages.map(\.text) == ["Count to three", "One, two, three."])
        #expect(messages.last?.stoppedAtLength == false)
        #expect(messages.last?.versions.map(\.text) == ["One, two,", "One, two, three."])
        #expect(messages.last?.versions.first?.stoppedAtLength == true)
    }
}

/// While the model reads a long prompt, the waiting answer says how far it got (issue 20,
/// bug 4); the first token replaces the note.
@Suite struct ReadingProgressTests {
    init() { TestEnvironment.prepare() }

    @Test func theWaitingAnswerShowsTheReadingUntilItsFirstToken() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        let id = DemoContent.welcomeID
        Fixtures.type("A long paste<CR>", into: &model)
        #expect(!AppView.render(model).text.contains("reading"))
        _ = Update.update(&model, .service(.answerProgress(id, read: 1024, total: 4096)))
        #expect(AppView.render(model).text.contains("Assistant ● reading 4096 tokens… 25%"))
        _ = Update.update(&model, .service(.answerProgress(id, read: 4096, total: 4096)))
        #expect(AppView.render(model).text.contains("reading 4096 tokens… 100%"))
        _ = Update.update(&model, .service(.answerToken(id, "Sure.", time: 1)))
        let screen = AppView.render(model).text
        #expect(!screen.contains("reading"))
        #expect(screen.contains("Sure."))
        // A late progress event after the first token changes nothing.
        _ = Update.update(&model, .service(.answerProgress(id, read: 4096, total: 4096)))
        #expect(!AppView.render(model).text.contains("reading"))
    }
}

/// A banner cut at the screen's edge says F2 shows it whole, and F2 does (issue 20, bug 10).
@Suite struct BannerDetailsTests {
    init() { TestEnvironment.prepare() }

    @Test func f2ShowsTheWholeBanner() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        let message =
            "SOTTO-NET-CONNECT: cannot reach http://127.0.0.1:47391 (connection refused); is the local server running? Start sotto again, or check the log"
        _ = Update.update(&model, .service(.failed(message: message)))
        let screen = AppView.render(model).text
        #expect(screen.contains("F2 whole"))
        #expect(!screen.contains("check the log"))
        Fixtures.type("<F2>", into: &model)
        guard case .notice(let title, let lines)? = model.overlay else {
            Issue.record("no details")
            return
        }
        #expect(title == "Message")
        #expect(lines == [message])
        let details = AppView.render(model).text
        #expect(details.contains("check the log"))
        // A short banner is whole already: no hint.
        model.overlay = nil
        model.banner = "Copied the answer"
        #expect(!AppView.render(model).text.contains("F2 whole"))
    }
}
