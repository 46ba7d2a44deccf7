import Core
import CoreTesting
import Foundation
import TUI
import Testing
import Wire

/// Folders as the user organises them: a new folder with instructions from the palette (its
/// conversations send them as their system prompt), the move-to-folder picker, renaming and
/// deleting a folder (its conversations move out and stay).
@Suite struct FolderTests {
    init() { TestEnvironment.prepare() }

    /// Instructions are multi-line text: Ctrl-J adds a line, a long line wraps instead of
    /// running off the box, the view scrolls with the cursor, and Ctrl-E edits them in
    /// $EDITOR (issue 20, bug 8).
    @Test func folderInstructionsGetAMultiLineEditor() {
        var model = AppModel(size: Size(columns: 100, rows: 30))
        _ = Update.update(&model, .service(.conversationsLoaded([], folders: [])))
        let long = "Answer as a careful reviewer who reads every line of the code twice before saying anything."
        Fixtures.type("<C-p>new folder<CR>Review<Tab>\(long)<C-j>Second line.<C-j><C-j>Fourth line.", into: &model)
        guard case .folderForm(let form)? = model.overlay else {
            Issue.record("no folder form")
            return
        }
        #expect(form.instructions.text == long + "\nSecond line.\n\nFourth line.")
        var screen = AppView.render(model).text
        #expect(screen.contains("twice before saying anything."))
        #expect(screen.contains("Fourth line.▏"))
        Snapshot.assert(Snapshot.frame(AppView.render(model)), named: "folder-instructions-100x30")

        // More lines than the box shows: it follows the cursor, and says what is hidden.
        Fixtures.type("<C-j>5<C-j>6<C-j>7<C-j>8", into: &model)
        screen = AppView.render(model).text
        #expect(screen.contains("8▏") && screen.contains("↑ "))
        #expect(!screen.contains("Answer as a careful"))
        Fixtures.type("<Up><Up><Up><Up><Up><Up><Up>", into: &model)
        screen = AppView.render(model).text
        #expect(screen.contains("Answer as a careful") && screen.contains(" ↓"))

        // Ctrl-E hands the instructions to $EDITOR and takes the edited text back.
        let effects = Fixtures.type("<C-e>", into: &model)
        #expect(effects == [.editInEditor(long + "\nSecond line.\n\nFourth line.\n5\n6\n7\n8")])
        _ = Update.update(&model, .editorFinished(.success("Be brief.\nCite sources.\n")))
        guard case .folderForm(let edited)? = model.overlay else {
            Issue.record("the form closed")
            return
        }
        #expect(edited.instructions.text == "Be brief.\nCite sources.")
        #expect(model.input.text.isEmpty)
        let created = Fixtures.type("<CR>", into: &model)
        #expect(model.folders.first?.instructions == "Be brief.\nCite sources.")
        #expect(created.count == 1)
    }

    @Test func aNewFolderFromThePaletteCarriesItsInstructions() async throws {
        let (service, session, sender, folder) = try CoreChatServiceTests().makeService(answer: "ok")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var model = AppModel(size: Size(columns: 100, rows: 30))
        _ = Update.update(&model, .service(.conversationsLoaded([], folders: [])))
        var effects = Fixtures.type("<C-p>new folder<CR>Work<Tab>Answer in one line.", into: &model)
        guard case .folderForm(let state)? = model.overlay else {
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
        for case .send(let turn) in effects { _ = try await CoreChatServiceTests().collect(service.send(turn)) }
        _ = Update.update(&model, .service(.answerFinished(id, time: 1)))
        effects = Fixtures.type("<Tab>mwork<CR>", into: &model)
        #expect(model.conversations.first?.folder == created.id)
        for case .save(let summary) in effects { try await service.save(summary) }
        effects = Fixtures.type("<Tab>again<CR>", into: &model)
        var instructions: String?
        for case .send(let turn) in effects {
            instructions = turn.instructions
            _ = try await CoreChatServiceTests().collect(service.send(turn))
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

    // MARK: - Moving with the picker

    /// The demo with the list focused on `title` (rows: Pinned, Welcome, Work, Swift, long,
    /// Travel, Tokyo, Conversations, Bread recipes).
    func listModel(selecting title: String) -> AppModel {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        Fixtures.type("<Tab>", into: &model)
        model.listSelection = model.listRows.firstIndex {
            switch $0 {
            case .conversation(let summary, _): summary.title == title
            case .folder(let folder, _, _): folder.name == title
            case .section: false
            }
        }!
        return model
    }

    func folder(of model: AppModel, _ id: RecordID) -> RecordID? {
        model.conversations.first { $0.id == id }?.folder
    }

    @Test func thePickerMovesTheConversationAndSavesIt() throws {
        var model = listModel(selecting: "Bread recipes")
        var effects = Fixtures.type("m", into: &model)
        #expect(effects.isEmpty)
        guard case .folderPicker(let picker)? = model.overlay else {
            Issue.record("no folder picker")
            return
        }
        // "No folder" and every folder, the current one highlighted.
        #expect(picker.choices(from: model.folders).map(\.name) == ["No folder", "Work", "Travel"])
        #expect(picker.selection == 0 && picker.conversation == DemoContent.recipesID)
        Fixtures.type("<Down>", into: &model)
        Snapshot.assert(Snapshot.frame(AppView.render(model)), named: "folder-picker-80x24")

        effects = Fixtures.type("<CR>", into: &model)
        #expect(model.overlay == nil)
        #expect(folder(of: model, DemoContent.recipesID) == DemoContent.workID)
        let moved = try #require(model.conversations.first { $0.id == DemoContent.recipesID })
        #expect(effects == [.save(moved)])
        #expect(model.banner == "Moved to “Work”")
        // The selection followed it into the folder.
        #expect(model.listRows[model.listSelection] == .conversation(moved, depth: 1))

        // Out again: the picker starts on its folder; "No folder" is one up.
        effects = Fixtures.type("m<Up><CR>", into: &model)
        #expect(folder(of: model, DemoContent.recipesID) == nil)
        #expect(effects.count == 1)
        // Choosing the folder it is in changes nothing.
        #expect(Fixtures.type("m<CR>", into: &model).isEmpty)
    }

    @Test func escapeLeavesTheConversationWhereItWas() {
        var model = listModel(selecting: "Swift concurrency")
        let effects = Fixtures.type("m<Down><Esc>", into: &model)
        #expect(effects.isEmpty)
        #expect(model.overlay == nil)
        #expect(folder(of: model, DemoContent.swiftID) == DemoContent.workID)
    }

    @Test func typingFiltersTheFolders() {
        var model = listModel(selecting: "Swift concurrency")
        Fixtures.type("mtr", into: &model)
        guard case .folderPicker(let picker)? = model.overlay else {
            Issue.record("no folder picker")
            return
        }
        #expect(picker.choices(from: model.folders).map(\.name) == ["Travel"])
        #expect(picker.selection == 0)
        // Nothing matches: Enter keeps the picker open and moves nothing.
        #expect(Fixtures.type("x<CR>", into: &model).isEmpty)
        #expect(model.overlay != nil)
        #expect(AppView.render(model).text.contains("no folder matches “trx”"))
        let effects = Fixtures.type("<BS><CR>", into: &model)
        #expect(effects.count == 1)
        #expect(folder(of: model, DemoContent.swiftID) == DemoContent.travelID)
        // "no" finds the way out of folders.
        Fixtures.type("mno<CR>", into: &model)
        #expect(folder(of: model, DemoContent.swiftID) == nil)
    }

    @Test func withoutFoldersThePickerSaysHowToMakeOne() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        model.folders = []
        #expect(Fixtures.type("<C-p>move to folder<CR>", into: &model).isEmpty)
        #expect(model.overlay == nil)
        #expect(model.banner?.contains("New folder with instructions") == true)
    }

    // MARK: - Renaming and deleting folders

    @Test func renamingAFolderChangesItsNameAndInstructions() throws {
        var model = listModel(selecting: "Work")
        Fixtures.type("r", into: &model)
        guard case .folderForm(let form)? = model.overlay else {
            Issue.record("no folder form")
            return
        }
        #expect(form.folder == DemoContent.workID)
        #expect(form.name.text == "Work" && form.instructions.text == "Answer briefly.")
        let effects = Fixtures.type("<BS><BS><BS><BS>Office<Tab> Use a list.<CR>", into: &model)
        let renamed = Folder(id: DemoContent.workID, name: "Office", instructions: "Answer briefly. Use a list.")
        #expect(effects == [.saveFolder(renamed)])
        #expect(model.folders.first == renamed)
        #expect(model.overlay == nil)

        // Its conversations send the new instructions.
        #expect(model.listRows[model.listSelection] == .folder(renamed, count: 2, collapsed: false))
        let sent = Fixtures.type("<Down><CR>hello<CR>", into: &model)
        #expect(model.current == DemoContent.swiftID)
        #expect(
            sent.contains { if case .send(let turn) = $0 { turn.instructions == renamed.instructions } else { false } })
    }

    @Test func thePaletteEditsTheOpenConversationsFolder() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24), open: DemoContent.tokyoID)
        Fixtures.type("<C-p>edit folder<CR>", into: &model)
        guard case .folderForm(let form)? = model.overlay else {
            Issue.record("no folder form")
            return
        }
        #expect(form.folder == DemoContent.travelID && form.name.text == "Travel")
        // An empty name is not saved: the name field takes the keys again.
        var effects = Fixtures.type("<BS><BS><BS><BS><BS><BS><Tab><CR>", into: &model)
        #expect(effects.isEmpty)
        guard case .folderForm(let emptied)? = model.overlay else {
            Issue.record("the form closed")
            return
        }
        #expect(emptied.field == 0)
        effects = Fixtures.type("<Esc>", into: &model)
        #expect(effects.isEmpty && model.overlay == nil)
        #expect(model.folders.map(\.name) == ["Work", "Travel"])
    }

    @Test func deletingAFolderAsksThenMovesItsConversationsOut() throws {
        var model = listModel(selecting: "Work")
        #expect(Fixtures.type("d", into: &model).isEmpty)
        #expect(model.overlay == .confirmDeleteFolder(DemoContent.workID))
        let text = AppView.render(model).text
        #expect(text.contains("Delete folder “Work”?"))
        #expect(text.contains("Its 2 conversations move out of it; they are not deleted."))
        Snapshot.assert(Snapshot.frame(AppView.render(model)), named: "delete-folder-80x24")

        let effects = Fixtures.type("y", into: &model)
        #expect(model.overlay == nil)
        #expect(model.folders.map(\.id) == [DemoContent.travelID])
        #expect(model.conversations.count == DemoContent.conversations.count)
        #expect(folder(of: model, DemoContent.swiftID) == nil && folder(of: model, DemoContent.longID) == nil)
        #expect(folder(of: model, DemoContent.tokyoID) == DemoContent.travelID)
        let movedOut = model.conversations.filter { [DemoContent.swiftID, DemoContent.longID].contains($0.id) }
        #expect(effects == movedOut.map { .save($0) } + [.deleteFolder(DemoContent.workID)])
        #expect(model.listRows.allSatisfy { if case .folder(let f, _, _) = $0 { f.name != "Work" } else { true } })
        #expect(model.listRows[model.listSelection].isSelectableRow)
    }

    @Test func anyOtherKeyKeepsTheFolder() {
        var model = listModel(selecting: "Travel")
        let effects = Fixtures.type("dn", into: &model)
        #expect(effects.isEmpty)
        #expect(model.overlay == nil)
        #expect(model.folders.map(\.name) == ["Work", "Travel"])
        #expect(folder(of: model, DemoContent.tokyoID) == DemoContent.travelID)
    }

    @Test func thePaletteDeletesTheOpenConversationsFolderOrSaysThereIsNone() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24), open: DemoContent.swiftID)
        Fixtures.type("<C-p>delete folder<CR>", into: &model)
        #expect(model.overlay == .confirmDeleteFolder(DemoContent.workID))
        Fixtures.type("<Esc>", into: &model)

        // "Welcome" is in no folder.
        model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        #expect(Fixtures.type("<C-p>delete folder<CR>", into: &model).isEmpty)
        #expect(model.overlay == nil)
        #expect(model.banner?.hasPrefix("No folder here") == true)
        Fixtures.type("<C-p>edit folder<CR>", into: &model)
        #expect(model.overlay == nil)
    }

    @Test func dAndROnAConversationRowStillActOnTheConversation() {
        var model = listModel(selecting: "Swift concurrency")
        Fixtures.type("d", into: &model)
        #expect(model.overlay == .confirmDelete(DemoContent.swiftID))
        Fixtures.type("<Esc>r", into: &model)
        guard case .rename(let id, _)? = model.overlay else {
            Issue.record("no rename overlay")
            return
        }
        #expect(id == DemoContent.swiftID)
    }

    @Test func theInMemoryServiceMovesConversationsOutOfADeletedFolder() async throws {
        let service = DemoContent.service(tokenDelay: .zero)
        try await service.deleteFolder(DemoContent.workID)
        let (conversations, folders) = try await service.conversations()
        #expect(folders.map(\.id) == [DemoContent.travelID])
        #expect(conversations.count == DemoContent.conversations.count)
        #expect(conversations.allSatisfy { $0.folder != DemoContent.workID })
    }
}

extension ConversationListRow {
    var isSelectableRow: Bool {
        if case .section = self { return false }
        return true
    }
}
