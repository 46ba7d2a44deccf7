import TUI
import Testing
import Wire

@Suite struct ViewTests {
    init() { TestEnvironment.prepare() }

    @Test func mainScreen80x24() {
        let screen = AppView.render(Fixtures.demoModel(size: Size(columns: 80, rows: 24)))
        #expect(screen.rowsFit())
        Snapshot.assert(Snapshot.frame(screen), named: "main-80x24")
    }

    @Test func mainScreenRolesShowWhereStylesGo() {
        let screen = AppView.render(Fixtures.demoModel(size: Size(columns: 80, rows: 24)))
        Snapshot.assert(screen.roleLines.joined(separator: "\n"), named: "main-80x24-roles")
    }

    @Test func codeBlocksAndCJK() {
        let swift = AppView.render(
            Fixtures.demoModel(size: Size(columns: 72, rows: 26), open: DemoContent.swiftID))
        Snapshot.assert(Snapshot.frame(swift), named: "code-72x26")
        let tokyo = AppView.render(
            Fixtures.demoModel(size: Size(columns: 50, rows: 20), open: DemoContent.tokyoID))
        #expect(tokyo.rowsFit())
        Snapshot.assert(Snapshot.frame(tokyo), named: "cjk-emoji-50x20")
    }

    @Test func minimumSizeHidesTheList() {
        let screen = AppView.render(Fixtures.demoModel(size: Layout.minimumSize))
        #expect(screen.rowsFit())
        #expect(!screen.text.contains("Conversations"))
        Snapshot.assert(Snapshot.frame(screen), named: "minimum-40x10")
    }

    @Test func belowTheMinimumSaysSo() {
        let screen = AppView.render(Fixtures.demoModel(size: Size(columns: 30, rows: 8)))
        #expect(screen.text.contains("terminal too small"))
        Snapshot.assert(Snapshot.frame(screen), named: "too-small-30x8")
    }

    @Test func helpAndPalette() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        Fixtures.type("<F1>", into: &model)
        Snapshot.assert(Snapshot.frame(AppView.render(model)), named: "help-80x24")
        Fixtures.type("<Esc><C-p>co", into: &model)
        Snapshot.assert(Snapshot.frame(AppView.render(model)), named: "palette-80x24")
    }

    @Test func statusBarStates() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 12))
        func statusLine() -> String { AppView.render(model).lines.last! }
        #expect(statusLine().contains("unlocked · DEV: simulated attestation · ✓ sev-snp 3f2a9c1e · 127.0.0.1:8443"))
        #expect(statusLine().contains("^P commands  F1 help"))
        let row = AppView.render(model).roleLines.last!
        let dev = statusLine().range(of: "DEV")!
        let column = statusLine().distance(from: statusLine().startIndex, to: dev.lowerBound)
        #expect(Array(row)[column] == Role.statusWarning.letter)

        model.status.attestation = .verified(platform: "tdx", measurement: "abcdef0123456789", simulated: false)
        model.status.lock = .locked
        #expect(statusLine().contains("locked · ✓ tdx abcdef01"))
        #expect(!statusLine().contains("DEV"))
        model.status.attestation = .failed(code: "SOTTO-ATTEST-MEASUREMENT")
        #expect(statusLine().contains("✗ refused SOTTO-ATTEST-MEASUREMENT"))

        Fixtures.type("hi<CR>", into: &model)
        let id = DemoContent.welcomeID
        _ = Update.update(&model, .service(.answerToken(id, "a ", time: 1)))
        _ = Update.update(&model, .service(.answerToken(id, "b ", time: 1.25)))
        #expect(statusLine().contains("4.0 tok/s"))
        #expect(AppView.render(model).text.contains("Assistant ●"))
    }

    @Test func emptyStateInvitesTyping() {
        var model = AppModel(size: Size(columns: 80, rows: 24))
        _ = Update.update(&model, .resize(Size(columns: 80, rows: 24)))
        let text = AppView.render(model).text
        #expect(text.contains("Start typing to ask."))
        #expect(text.contains("no conversations"))
    }

    @Test func scrollingShowsOnlyTheVisibleWindowOfALongChat() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24), open: DemoContent.longID)
        let cache = RenderCache()
        let first = AppView.render(model, cache: cache)
        #expect(first.buffer.text.contains("Answer 5000, with code and style."))
        #expect(cache.wrapCount < 20)
        Fixtures.type("<PgUp><PgUp>", into: &model)
        let scrolled = AppView.render(model, cache: cache)
        #expect(!scrolled.buffer.text.contains("Answer 5000,"))
        #expect(scrolled.buffer.text.contains("more below"))
        #expect(cache.wrapCount < 40)
        // Typing re-renders from the cache: nothing is wrapped again.
        let before = cache.wrapCount
        Fixtures.type("x", into: &model)
        _ = AppView.render(model, cache: cache)
        #expect(cache.wrapCount == before)
    }

    /// Scrolled up, the "more below" marker has the pane's last row to itself: no line of the
    /// conversation is drawn under it, and the line just above the view's bottom is whole.
    @Test func theMoreBelowMarkerCoversNoText() throws {
        let text = (1...40).map { "line \($0) " + String(repeating: "·", count: 12) + " END\($0)" }
            .joined(separator: "\n")
        var model = Fixtures.demoModel(
            size: Size(columns: 100, rows: 30),
            messages: [DemoContent.welcomeID: [ChatMessage(id: .test(1), role: .user, text: text)]])
        #expect(AppView.render(model).text.contains("END40"))
        for steps in 1...3 {
            Fixtures.type("<Up>", into: &model)
            let rows = AppView.render(model).lines
            let marker = try #require(rows.firstIndex { $0.contains("more below") })
            #expect(!rows[marker].contains("line ") && !rows[marker].contains("·"))
            // One blank line ends the message, so `steps` up shows line 41 - steps at the bottom.
            #expect(rows[marker - 1].contains("line \(41 - steps) ") && rows[marker - 1].contains("END\(41 - steps)"))
        }
        // At the top, the first line shows.
        Fixtures.type(String(repeating: "<PgUp>", count: 10), into: &model)
        #expect(AppView.render(model).text.contains("line 1 ·"))
    }

    @Test func scrollingPastTheTopStopsThere() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        model.scrollOffset = 500
        let frame = AppView.render(model, cache: RenderCache())
        #expect(frame.maxScroll != nil)
        #expect(frame.buffer.text.contains("What is Sotto?"))
    }

    @Test func everyThemeRendersTheSameText() {
        var texts: Set<String> = []
        for name in ShippedThemeNames.all {
            var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
            model.themeName = name
            texts.insert(AppView.render(model).text)
        }
        #expect(texts.count == 1)
    }
}
