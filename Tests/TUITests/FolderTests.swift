import Core
import CoreTesting
import Foundation
import TUI
import Testing
import Wire

/// A new folder with instructions, from the palette: the conversations moved into it send
/// those instructions as their system prompt, and the folder is saved to the history.
@Suite struct FolderTests {
    init() { TestEnvironment.prepare() }

    @Test func aNewFolderFromThePaletteCarriesItsInstructions() async throws {
        let (service, session, sender, folder) = try CoreChatServiceTests().makeService(answer: "ok")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var model = AppModel(size: Size(columns: 100, rows: 30))
        _ = Update.update(&model, .service(.conversationsLoaded([], folders: [])))
        var effects = Fixtures.type("<C-p>new folder<CR>Work<Tab>Answer in one line.", into: &model)
        guard case .newFolder(let state)? = model.overlay else {
            Issue.record("no new-folder overlay")
            return
        }
        #expect(state.name.text == "Work" && state.instructions.text == "Answer in one line.")
        Snapshot.assert(Snapshot.frame(AppView.render(model)), named: "new-folder-100x30")
        effects = Fixtures.type("<CR>", into: &model)
        let created = try #require(model.folders.first)
        #expect(created.name == "Work" && created.instructions == "Answer in one line.")
        #expect(effects == [.saveFolder(created)])
        try await service.saveFolder(created)

        // A conversation moved into it sends the instructions.
        effects = Fixtures.type("hello<CR>", into: &model)
        let id = try #require(model.current)
        for case .send(let sent, let messages, _) in effects {
            _ = try await CoreChatServiceTests().collect(service.send(messages, in: sent, instructions: ""))
        }
        _ = Update.update(&model, .service(.answerFinished(id, time: 1)))
        effects = Fixtures.type("<Tab>m", into: &model)
        #expect(model.conversations.first?.folder == created.id)
        for case .save(let summary) in effects { try await service.save(summary) }
        effects = Fixtures.type("<Tab>again<CR>", into: &model)
        var instructions: String?
        for case .send(let sent, let messages, let text) in effects {
            instructions = text
            _ = try await CoreChatServiceTests().collect(service.send(messages, in: sent, instructions: text))
        }
        #expect(instructions == "Answer in one line.")
        #expect(
            sender.requests.withLock { $0.last?.messages.first } == .init(role: .system, content: "Answer in one line.")
        )

        // Stored: the folder record and the conversation in it.
        let folders = await session.folders()
        #expect(folders.map(\.record.name) == ["Work"])
        #expect(folders.first?.record.customInstructions == "Answer in one line.")
        #expect(await session.conversations().first?.record.folderID == folders.first?.id)
        let (listed, listedFolders) = try await service.conversations()
        #expect(listedFolders.map(\.id) == [created.id])
        #expect(listed.first?.folder == created.id)
    }
}
