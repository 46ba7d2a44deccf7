import TUI
import Testing
import Wire

@Suite struct UpdateTests {
    let size = Size(columns: 100, rows: 30)

    @Test func startingLoadsStatusAndConversations() {
        #expect(Update.start() == [.loadStatus, .loadConversations])
        var model = AppModel(size: size)
        let effects = Update.update(
            &model, .service(.conversationsLoaded(DemoContent.conversations, folders: DemoContent.folders)))
        #expect(model.current == DemoContent.welcomeID)
        #expect(effects == [.loadConversation(DemoContent.welcomeID)])
    }

    @Test func theListPutsPinnedFirstAndFoldersCollapse() {
        var model = Fixtures.demoModel(size: size)
        let titles = { (model: AppModel) in
            model.listRows.map { row -> String in
                switch row {
                case .section(let title): "## " + title
                case .folder(let folder, let count, let collapsed):
                    (collapsed ? "+ " : "- ") + folder.name + " \(count)"
                case .conversation(let summary, let depth): String(repeating: " ", count: depth) + summary.title
                }
            }
        }
        #expect(
            titles(model) == [
                "## Pinned", "Welcome to Sotto", "- Work 2", " Swift concurrency", " A very long chat (10,000)",
                "- Travel 1", " 東京の旅行 🗼", "## Conversations", "Bread recipes",
            ])
        Fixtures.type("<Tab><Down>", into: &model)
        #expect(model.listSelection == 2)
        Fixtures.type("<CR>", into: &model)
        #expect(titles(model)[2] == "+ Work 2")
        #expect(titles(model).count == 7)
    }

    @Test func slashFiltersAsYouType() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("<Tab>/swi", into: &model)
        #expect(model.filter == "swi")
        #expect(model.listRows.count == 1)
        let effects = Fixtures.type("<CR>", into: &model)
        #expect(model.current == DemoContent.swiftID)
        #expect(effects == [.loadConversation(DemoContent.swiftID)])
        #expect(model.filter == nil)
        #expect(model.focus == .input)
    }

    @Test func openingAConversationClearsItsUnreadMark() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("<Tab>/東京<CR>", into: &model)
        #expect(model.current == DemoContent.tokyoID)
        #expect(model.currentSummary?.unread == false)
    }

    @Test func streamingAppendsTokensAndMeasuresSpeed() {
        var model = Fixtures.demoModel(size: size)
        let sent = Fixtures.type("hi<CR>", into: &model)
        let id = DemoContent.welcomeID
        #expect(sent.count == 1)
        #expect(model.streaming[id] != nil)
        for (i, token) in ["Hello ", "there ", "friend"].enumerated() {
            _ = Update.update(&model, .service(.answerToken(id, token, time: 10 + Double(i) * 0.5)))
        }
        #expect(model.messages.last?.text == "Hello there friend")
        #expect(model.streaming[id]?.tokensPerSecond == 2)
        #expect(Fixtures.type("more<CR>", into: &model).isEmpty)
        #expect(model.banner == "Wait for the answer, or press Esc to stop it")
        _ = Update.update(&model, .service(.answerFinished(id, time: 12)))
        #expect(model.streaming.isEmpty)
        // The hint no longer applies once the answer has ended.
        #expect(model.banner == nil)
        // Nor once it is stopped.
        Fixtures.type("<C-u>again<CR>", into: &model)
        Fixtures.type("more<CR>", into: &model)
        #expect(model.banner == "Wait for the answer, or press Esc to stop it")
        Fixtures.type("<Esc>", into: &model)
        #expect(model.streaming.isEmpty)
        #expect(model.banner == nil)
    }

    @Test func escStopsTheAnswerAndKeepsItMarked() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("hi<CR>", into: &model)
        let id = DemoContent.welcomeID
        _ = Update.update(&model, .service(.answerToken(id, "partial", time: 1)))
        #expect(Fixtures.type("<Esc>", into: &model) == [.stop(id)])
        #expect(model.messages.last?.interrupted == true)
        #expect(model.messages.last?.text == "partial")
        _ = Update.update(&model, .service(.answerToken(id, " late", time: 2)))
        #expect(model.messages.last?.text == "partial")
    }

    @Test func aBrokenAnswerKeepsItsTextAndCanBeRegenerated() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("hi<CR>", into: &model)
        let id = DemoContent.welcomeID
        _ = Update.update(&model, .service(.answerToken(id, "half", time: 1)))
        _ = Update.update(&model, .service(.answerFailed(id, message: "connection lost")))
        #expect(model.messages.last?.interrupted == true)
        #expect(model.banner == "connection lost")
        let effects = Fixtures.type("<C-r>", into: &model)
        guard case .send(let turn)? = effects.first, case .again(let prompt) = turn.ask else {
            Issue.record("no resend: \(effects)")
            return
        }
        #expect(model.messages.first { $0.id == prompt }?.text == "hi")
        #expect(model.messages.last?.id == turn.answer)
        #expect(model.messages.last?.text == "")
    }

    /// The retry replaces the partial answer: one prompt, one answer, nothing marked.
    @Test func ctrlRRetriesAnInterruptedAnswerInItsPlace() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24), open: DemoContent.recipesID)
        let id = DemoContent.recipesID
        let before = model.messages
        Fixtures.type("hi<CR>", into: &model)
        _ = Update.update(&model, .service(.answerToken(id, "half an ans", time: 1)))
        _ = Update.update(&model, .service(.answerFailed(id, message: "The answer broke off: connection lost")))
        let screen = AppView.render(model).text
        #expect(screen.contains("half an ans"))
        #expect(screen.contains("(interrupted — Ctrl-R retries)"))

        let effects = Fixtures.type("<C-r>", into: &model)
        #expect(effects.count == 1)
        guard case .send(let turn)? = effects.first, turn.conversation == id, case .again(let prompt) = turn.ask
        else {
            Issue.record("no retry: \(effects)")
            return
        }
        let shown = model.messages.dropLast()
        #expect(prompt == shown.last?.id)
        #expect(shown.map(\.text) == before.map(\.text) + ["hi"])
        #expect(!shown.contains { $0.interrupted })
        _ = Update.update(&model, .service(.answerToken(id, "A whole answer.", time: 2)))
        _ = Update.update(&model, .service(.answerFinished(id, time: 3)))
        #expect(model.messages.map(\.text) == before.map(\.text) + ["hi", "A whole answer."])
        #expect(!model.messages.contains { $0.interrupted })
        #expect(!AppView.render(model).text.contains("interrupted"))
    }

    /// The history holds complete answers only: reloading a conversation must not take the
    /// partial one off the screen.
    @Test func aReloadKeepsTheInterruptedAnswerOnScreen() {
        var model = Fixtures.demoModel(size: size, open: DemoContent.recipesID)
        let id = DemoContent.recipesID
        let before = model.messages
        Fixtures.type("hi<CR>", into: &model)
        _ = Update.update(&model, .service(.answerToken(id, "partial", time: 1)))
        _ = Update.update(&model, .service(.answerFailed(id, message: "connection lost")))
        let stored = before + [model.messages[before.count]]
        _ = Update.update(&model, .service(.conversationLoaded(id, stored)))
        #expect(model.messages.map(\.text) == stored.map(\.text) + ["partial"])
        #expect(model.messages.last?.interrupted == true)
        // A history that moved on (an answer stored since) wins.
        let answered = stored + [ChatMessage(id: .test(99), role: .assistant, text: "done")]
        _ = Update.update(&model, .service(.conversationLoaded(id, answered)))
        #expect(model.messages == answered)
    }

    @Test func ctrlEEditsTheInputInTheEditor() {
        var model = Fixtures.demoModel(size: size)
        #expect(Fixtures.type("draft<C-j>two<C-e>", into: &model) == [.editInEditor("draft\ntwo")])
        _ = Update.update(&model, .editorFinished(.success("draft\ntwo\nthree\n")))
        #expect(model.input.text == "draft\ntwo\nthree")
        #expect(model.input.cursor == model.input.characters.count)
        // Only one trailing newline is the editor's; CRLF becomes LF.
        _ = Update.update(&model, .editorFinished(.success("a\r\nb\n\n")))
        #expect(model.input.text == "a\nb\n")

        _ = Update.update(&model, .editorFinished(.failure(.exited(editor: "$EDITOR", status: 1))))
        #expect(model.input.text == "a\nb\n")
        #expect(model.banner == "$EDITOR exited with status 1; the input is unchanged")
        _ = Update.update(&model, .editorFinished(.failure(.noEditor)))
        #expect(model.banner == "no editor: set $EDITOR or $VISUAL")
    }

    @Test func ctrlEWorksFromTheListAndThePaletteButNotUnderAnOverlay() {
        var model = Fixtures.demoModel(size: size)
        #expect(Fixtures.type("<Tab><C-e>", into: &model) == [.editInEditor("")])
        #expect(model.focus == .input)
        #expect(Fixtures.type("x<C-p>editor<CR>", into: &model) == [.editInEditor("x")])
        Fixtures.type("<F1>", into: &model)
        #expect(Fixtures.type("<C-e>", into: &model).isEmpty)
        #expect(model.overlay == nil)
    }

    @Test func anAnswerInAnotherConversationMarksItUnread() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("hi<CR>", into: &model)
        Fixtures.type("<C-n>", into: &model)
        let welcome = DemoContent.welcomeID
        _ = Update.update(&model, .service(.answerFinished(welcome, time: 1)))
        #expect(model.conversations.first { $0.id == welcome }?.unread == true)
    }

    @Test func thePaletteFiltersAndRunsActions() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("<C-p>", into: &model)
        #expect(model.overlay == .palette(query: "", selection: 0))
        #expect(Update.paletteMatches("").count == AppAction.allCases.count)
        Fixtures.type("them", into: &model)
        #expect(Update.paletteMatches("them") == [.switchTheme])
        Fixtures.type("<CR>", into: &model)
        #expect(model.overlay == nil)
        #expect(model.themeName == "light")
    }

    @Test func deletingAsksFirst() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("<Tab>d", into: &model)
        #expect(model.overlay == .confirmDelete(DemoContent.welcomeID))
        #expect(Fixtures.type("n", into: &model).isEmpty)
        #expect(model.conversations.count == 5)
        Fixtures.type("d", into: &model)
        let effects = Fixtures.type("y", into: &model)
        #expect(effects.contains(.delete(DemoContent.welcomeID)))
        #expect(model.conversations.count == 4)
        #expect(model.current != DemoContent.welcomeID)
    }

    @Test func pinRenameAndMove() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("<Tab><Down><Down>p", into: &model)
        #expect(model.conversations.first { $0.id == DemoContent.swiftID }?.pinned == true)
        Fixtures.type("<Tab>", into: &model)
        Fixtures.type("<C-p>rename<CR>", into: &model)
        let effects = Fixtures.type("<BS><BS><BS><BS><BS>Hi<CR>", into: &model)
        #expect(model.currentSummary?.title == "Welcome to Hi")
        #expect(effects == [.save(model.currentSummary!)])
    }

    /// The rename field edits as a shell's line does: Ctrl-U clears it, Ctrl-W takes a word,
    /// the arrows and Ctrl-A/E move; a title longer than the box scrolls so its end (where the
    /// cursor is) stays in view.
    @Test func theRenameFieldEditsAndScrollsLikeALine() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("<C-p>rename<CR><C-u>", into: &model)
        guard case .rename(_, let cleared)? = model.overlay else {
            Issue.record("no rename overlay")
            return
        }
        #expect(cleared.text.isEmpty)
        let long = "A very long title about the history of the Shinkansen and its rivals"
        Fixtures.type(long + "<C-w><C-a>X<C-e>!", into: &model)
        guard case .rename(_, let editor)? = model.overlay else {
            Issue.record("no rename overlay")
            return
        }
        #expect(editor.text == "X" + long.dropLast("rivals".count) + "!")
        let screen = AppView.render(model).lines.joined(separator: "\n")
        #expect(screen.contains("its !▏"))
        #expect(!screen.contains("XA very"))
        // Home shows the start, with the cursor before it.
        Fixtures.type("<Home>", into: &model)
        let start = AppView.render(model).lines.joined(separator: "\n")
        #expect(start.contains("▏XA very long"))
        Fixtures.type("<CR>", into: &model)
        #expect(model.currentSummary?.title == "X" + long.dropLast("rivals".count) + "!")
    }

    /// An automatic title is the prompt's first words, without a "…" of its own.
    @Test func anAutomaticTitleStoresNoEllipsis() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("<C-n>", into: &model)
        let effects = Fixtures.type(
            "How fast does the Shinkansen run between Tokyo and Osaka on a weekday?<CR>", into: &model)
        #expect(model.currentSummary?.title == "How fast does the Shinkansen run between Tokyo")
        // The turn stores it, as the history titles an untitled conversation: no save of its own.
        #expect(!effects.contains { if case .save = $0 { true } else { false } })
    }

    /// A dialog wraps its sentence inside its box rather than cutting it.
    @Test func theDeleteDialogShowsItsWholeSentence() {
        var model = Fixtures.demoModel(size: size)
        model.conversations[model.conversations.firstIndex { $0.id == DemoContent.welcomeID }!].title =
            "Welcome to Sotto, the private assistant"
        Fixtures.type("<C-p>delete<CR>", into: &model)
        #expect(model.overlay == .confirmDelete(DemoContent.welcomeID))
        let screen = AppView.render(model).lines.joined(separator: "\n")
        #expect(screen.contains("Delete “Welcome to Sotto, the private"))
        #expect(screen.contains("assistant”? Its history goes too."))
        #expect(screen.contains("y / Enter: delete"))
    }

    @Test func helpOpensWithF1AndAnyKeyClosesIt() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("<F1>", into: &model)
        #expect(model.overlay == .help)
        Fixtures.type("x", into: &model)
        #expect(model.overlay == nil)
        #expect(model.input.text == "")
        Fixtures.type("<Tab>?", into: &model)
        #expect(model.overlay == .help)
    }

    @Test func copyingSendsTheTextToTheClipboard() {
        var model = Fixtures.demoModel(size: size, open: DemoContent.swiftID)
        let effects = Update.perform(&model, .copyCodeBlock)
        guard case .copyToClipboard(let code)? = effects.first else {
            Issue.record("nothing copied")
            return
        }
        #expect(code.hasPrefix("actor Counter {"))
    }

    @Test func quitStopsAnswersAndQuits() {
        var model = Fixtures.demoModel(size: size)
        Fixtures.type("hi<CR>", into: &model)
        #expect(Fixtures.type("<C-q>", into: &model) == [.stop(DemoContent.welcomeID), .quit])
        #expect(model.quitting)
    }

    @Test func everyActionHasATitleAndTheIssuesShortcuts() {
        #expect(AppAction.newConversation.shortcut == "Ctrl-N")
        #expect(AppAction.search.shortcut == "Ctrl-F")
        #expect(AppAction.stop.shortcut == "Esc")
        #expect(AppAction.quit.shortcut == "Ctrl-Q")
        #expect(AppAction.editInEditor.shortcut == "Ctrl-E")
        #expect(Update.paletteMatches("edit input") == [.editInEditor])
        #expect(Set(AppAction.allCases.map(\.title)).count == AppAction.allCases.count)
    }
}
