import Core
import CoreTesting
import Foundation
import Synchronization
import TUI
import Testing
import Wire

/// Answers numbered by call ("Answer 1", "Answer 2", …), remembering what each was asked.
final class NumberingSender: ChatSender {
    let requests = Mutex<[ChatRequest]>([])

    func chat(_ request: ChatRequest) -> ChatEventStream {
        let call = requests.withLock {
            $0.append(request)
            return $0.count
        }
        return ChatEventStream(
            batches: AsyncThrowingStream { continuation in
                continuation.yield([
                    .start(model: "scripted-model"), .token("Answer"), .token(" \(call)"),
                    .end(reason: .stop, promptTokens: 1, completionTokens: 2),
                ])
                continuation.finish()
            })
    }
}

/// Regenerate keeps the answers it replaces as versions: "answer 2 of 3" on screen, Alt-, and
/// Alt-. step through them, and the version shown is what the model reads next and what an
/// export writes, with the others as alternatives.
@Suite struct AnswerVersionTests {
    init() { TestEnvironment.prepare() }

    let size = Size(columns: 80, rows: 24)

    @Test func regenerateKeepsTheOldAnswerAsAVersionAndTheKeysStepThroughThem() {
        let id = RecordID.test(7)
        let (prompt, first) = (RecordID.test(8), RecordID.test(9))
        var model = Fixtures.demoModel(
            size: size, open: id,
            messages: [
                id: [
                    ChatMessage(id: prompt, role: .user, text: "Name a colour"),
                    ChatMessage(id: first, role: .assistant, text: "Blue."),
                ]
            ])
        #expect(!AppView.render(model).text.contains("answer 1 of"))
        #expect(Fixtures.type("<A-,>", into: &model).isEmpty)
        #expect(model.banner == "No other version of an answer here (Ctrl-R makes one)")

        let effects = Fixtures.type("<C-r>", into: &model)
        guard case .send(let turn)? = effects.first else {
            Issue.record("no regeneration: \(effects)")
            return
        }
        // While the new version streams, the keys leave it alone.
        _ = Update.update(&model, .service(.answerToken(id, "Green.", time: 1)))
        Fixtures.type("<A-,>", into: &model)
        #expect(model.messages.last?.id == turn.answer)
        _ = Update.update(&model, .service(.answerFinished(id, time: 2)))
        #expect(model.messages.map(\.text) == ["Name a colour", "Green."])
        #expect(AppView.render(model).text.contains("Assistant · answer 2 of 2"))

        Fixtures.type("<A-,>", into: &model)
        #expect(model.messages.map(\.text) == ["Name a colour", "Blue."])
        #expect(model.messages.last?.id == first)
        let screen = AppView.render(model).text
        #expect(screen.contains("answer 1 of 2"))
        #expect(screen.contains("Blue.") && !screen.contains("Green."))
        // The first stays first.
        Fixtures.type("<A-,>", into: &model)
        #expect(model.messages.last?.id == first)

        // What the model reads next and what an export writes is the version shown.
        let export = Update.perform(&model, .export)
        #expect(export == [.export(id, showing: [first])])
        let next = Fixtures.type("Why?<CR>", into: &model)
        guard case .send(let nextTurn)? = next.first else {
            Issue.record("no send: \(next)")
            return
        }
        #expect(nextTurn.shownVersions == [first])
        _ = Update.update(&model, .service(.answerFinished(id, time: 3)))

        // Alt-. shows the newer version again.
        Fixtures.type("<A-.>", into: &model)
        #expect(model.messages[1].text == "Green.")
        #expect(model.messages[1].versionNumber == 2)
    }

    @Test func aThirdVersionFollowsEveryVersionAndStartsShown() {
        let id = RecordID.test(7)
        var model = Fixtures.demoModel(
            size: size, open: id,
            messages: [
                id: [
                    ChatMessage(id: .test(8), role: .user, text: "Name a colour"),
                    ChatMessage(
                        id: .test(9), role: .assistant, text: "Blue.",
                        later: [ChatMessage(id: .test(10), role: .assistant, text: "Green.")]),
                ]
            ])
        #expect(AppView.render(model).text.contains("answer 1 of 2"))
        Fixtures.type("<C-r>", into: &model)
        _ = Update.update(&model, .service(.answerToken(id, "Red.", time: 1)))
        _ = Update.update(&model, .service(.answerFinished(id, time: 2)))
        #expect(model.messages.last?.versions.map(\.text) == ["Blue.", "Green.", "Red."])
        #expect(model.messages.last?.versionNumber == 3)
        #expect(AppView.render(model).text.contains("answer 3 of 3"))
        Fixtures.type("<A-,><A-,>", into: &model)
        #expect(model.messages.last?.text == "Blue.")
        #expect(model.banner == "Answer 1 of 3")
    }

    /// Through the real history: versions survive a restart, the one shown goes into the next
    /// request, and the export writes it with the others marked as alternatives.
    @Test func theHistoryKeepsVersionsAndTheExportMarksAlternatives() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-versions-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + LocalCache.fileName
        let account = try AccountID("versions-account")
        let keys = TestRecordKeys()
        let history = try HistoryStore(cache: LocalCache(path: path, account: account), keys: keys, device: .random())
        let sender = NumberingSender()
        let session = ChatSession(history: history, sender: sender, sync: nil)
        let service = CoreChatService(session: session, client: nil, serverLabel: "local", exportDirectory: folder)
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
        func idle(showing text: String) async throws -> Bool {
            try await run { backend.screen.text.contains(text) && runtime.model.streaming.isEmpty }
        }

        backend.type("Name a colour<CR>")
        #expect(try await idle(showing: "Answer 1"))
        backend.type("<C-r>")
        #expect(try await idle(showing: "answer 2 of 2"))
        backend.type("<C-r>")
        #expect(try await idle(showing: "answer 3 of 3"))
        #expect(backend.screen.text.contains("Answer 3"))
        backend.type("<A-,>")
        #expect(try await run { backend.screen.text.contains("answer 2 of 3") })
        #expect(backend.screen.text.contains("Answer 2") && !backend.screen.text.contains("Answer 3"))

        let conversation = try #require(await session.conversations().first?.id)
        let versions = try await session.answerVersions(in: conversation)
        let line = try #require(versions.values.first)
        #expect(line.map(\.record.content) == ["Answer 1", "Answer 2", "Answer 3"])
        let path2 = try await service.exportMarkdown(conversation, showing: [line[1].id])
        let markdown = try String(contentsOfFile: path2, encoding: .utf8)
        #expect(markdown.contains("## Assistant (answer 2 of 3)\n\nAnswer 2\n\n"))
        #expect(markdown.contains("### Alternative answer 1 of 3\n\nAnswer 1\n\n"))
        #expect(markdown.contains("### Alternative answer 3 of 3\n\nAnswer 3\n\n"))
        #expect(markdown.components(separatedBy: "## Assistant").count == 2)
        // Without a choice, the current version is the one written.
        let latest = try await session.markdown(of: conversation)
        #expect(latest.contains("## Assistant (answer 3 of 3)\n\nAnswer 3\n\n"))

        // The next prompt goes with the version on screen.
        backend.type("Why that one?<CR>")
        #expect(try await idle(showing: "Answer 4"))
        #expect(
            sender.requests.withLock { $0.last?.messages.map(\.content) }
                == ["Name a colour", "Answer 2", "Why that one?"])

        // After a restart, the versions are read back from the cache: the current one shown.
        let reopened = try HistoryStore(cache: LocalCache(path: path, account: account), keys: keys, device: .random())
        let again = CoreChatService(
            session: ChatSession(history: reopened, sender: sender, sync: nil), client: nil, serverLabel: "local")
        let messages = try await again.messages(of: conversation)
        #expect(messages.map(\.text) == ["Name a colour", "Answer 3", "Why that one?", "Answer 4"])
        #expect(messages[1].versions.map(\.text) == ["Answer 1", "Answer 2", "Answer 3"])
        #expect(messages[1].versionNumber == 3)
    }
}
