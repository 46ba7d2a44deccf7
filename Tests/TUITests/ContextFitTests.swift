import Core
import CoreTesting
import Foundation
import TUI
import Testing
import Wire

/// A long paste, judged before sending against the context the server announced: the
/// composer says how much the draft and the conversation take, a history too long loses its
/// oldest turns with a note, and a message that cannot fit is refused saying by how much.
@Suite struct ContextFitTests {
    init() { TestEnvironment.prepare() }

    static let budget = ContextBudget(contextTokens: 1000, answerTokens: 200)

    func model(messages: [ChatMessage]) -> AppModel {
        let id = RecordID.test(40)
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30), open: id, messages: [id: messages])
        var status = DemoContent.status
        status.budget = Self.budget
        _ = Update.update(&model, .service(.status(status)))
        return model
    }

    @Test func aMessageThatCannotFitIsRefusedAndKept() {
        var model = model(messages: [])
        let paste = String(repeating: "a line of a long paste\n", count: 120)  // 2760 bytes, ~926 tokens
        _ = Update.update(&model, .paste(paste))
        let screen = AppView.render(model).text
        #expect(screen.contains("~926 of 800 tokens (draft 926) — too long"))
        let effects = Fixtures.type("<CR>", into: &model)
        #expect(effects.isEmpty)
        #expect(model.input.text == paste)
        #expect(model.messages.isEmpty)
        guard case .notice(let title, let lines)? = model.overlay else {
            Issue.record("no refusal shown")
            return
        }
        #expect(title == "Not sent: too long for the model")
        #expect(lines.joined(separator: " ").contains("This message is about 926 tokens; the model reads about 800"))
        #expect(lines.joined(separator: " ").contains("Shorten it by about 126 tokens"))
    }

    @Test func aHistoryTooLongLosesItsOldestTurnsWithANote() {
        let long = String(repeating: "x", count: 900)  // 306 tokens each
        var model = model(messages: [
            ChatMessage(id: .test(41), role: .user, text: long),
            ChatMessage(id: .test(42), role: .assistant, text: long),
            ChatMessage(id: .test(43), role: .user, text: "short"),
            ChatMessage(id: .test(44), role: .assistant, text: "short"),
        ])
        Fixtures.type(String(repeating: "y", count: 600), into: &model)
        #expect(AppView.render(model).text.contains("~834 of 800 tokens (draft 206) — too long"))
        let effects = Fixtures.type("<CR>", into: &model)
        guard case .send(let turn)? = effects.first else {
            Issue.record("not sent: \(effects)")
            return
        }
        #expect(turn.budget == Self.budget)
        #expect(model.banner == "The 2 oldest messages left out: the model reads about 222 of 800 tokens")
        #expect(model.overlay == nil)
    }

    /// The history's side: a prompt that cannot fit is refused before it is stored, and the
    /// oldest turns are left out of the request.
    @Test func theSessionRefusesBeforeStoringAndLeavesOutTheOldestTurns() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-fit-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID("fit-account")),
            keys: TestRecordKeys(), device: .random())
        let sender = NumberingSender()
        let session = ChatSession(history: history, sender: sender, sync: nil)
        let id = RecordID.random()
        let long = String(repeating: "x", count: 900)
        for try await _ in try await session.send(
            ChatTurn(conversation: id, ask: .prompt(id: .random(), text: long), budget: Self.budget))
        {}
        await #expect {
            try await session.send(
                ChatTurn(
                    conversation: id, ask: .prompt(id: .random(), text: String(repeating: "z", count: 2700)),
                    budget: Self.budget))
        } throws: { error in
            (error as? ChatTurnError)?.code == .tooLong && "\(error)".contains("shorten it by about")
        }
        #expect(try await session.messages(in: id).count == 2)
        for try await _ in try await session.send(
            ChatTurn(
                conversation: id, ask: .prompt(id: .random(), text: String(repeating: "y", count: 1500)),
                budget: Self.budget))
        {}
        let last = try #require(sender.requests.withLock { $0.last })
        // The first turn (prompt and answer) is left out; the new prompt goes alone.
        #expect(last.messages.map(\.content.count) == [1500])
    }
}
