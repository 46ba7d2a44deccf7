import Foundation
import TUI
import Testing
import Wire

/// Copying one message or one code block: the Ctrl-Y picker, through `update`, on screen,
/// and through the real binary's OSC 52 into tmux's clipboard.
@Suite struct CopyTests {
    init() { TestEnvironment.prepare() }

    @Test func codeBlocksAreFoundWithTheirLanguage() {
        let text = "intro\n```swift\nlet a = 1\n  let b = 2\n```\nmiddle\n  ```\nplain\n```\n```sh\nunclosed"
        let blocks = CopyPicker.codeBlocks(in: text)
        #expect(blocks.map(\.language) == ["swift", "", "sh"])
        #expect(blocks.map(\.code) == ["let a = 1\n  let b = 2", "plain", "unclosed"])
        #expect(CopyPicker.codeBlocks(in: "no code here").isEmpty)
    }

    @Test func thePickerListsMessagesNewestFirstEachWithItsCodeBlocks() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30), open: DemoContent.swiftID)
        #expect(Fixtures.type("<C-y>", into: &model).isEmpty)
        guard case .copy(let picker) = model.overlay else {
            Issue.record("Ctrl-Y opens the copy picker")
            return
        }
        #expect(picker.items.map(\.kind) == [.message(.assistant), .codeBlock(language: "swift"), .message(.user)])
        // Down to the code block, Enter copies just the code.
        let effects = Fixtures.type("<Down><CR>", into: &model)
        let code = CopyPicker.codeBlocks(in: DemoContent.messages()[DemoContent.swiftID]![1].text)[0].code
        #expect(effects == [.copyToClipboard(code)])
        #expect(code.hasPrefix("actor Counter {") && code.hasSuffix("\"done\")"))
        #expect(model.overlay == nil)
        #expect(model.banner == "Copied the code block")
        // The prompt, from the end of the list.
        _ = Fixtures.type("<C-y><End>", into: &model)
        #expect(
            Fixtures.type("<CR>", into: &model) == [
                .copyToClipboard(DemoContent.messages()[DemoContent.swiftID]![0].text)
            ])
        #expect(model.banner == "Copied the prompt")
        // Esc copies nothing.
        _ = Fixtures.type("<C-y>", into: &model)
        #expect(Fixtures.type("<Esc>", into: &model).isEmpty)
        #expect(model.overlay == nil)
    }

    @Test func anEmptyConversationHasNothingToCopy() {
        var model = Fixtures.demoModel(size: Size(columns: 100, rows: 30))
        _ = Fixtures.type("<C-n><C-y>", into: &model)
        #expect(model.overlay == nil)
        #expect(model.banner == "Nothing to copy yet")
    }

    @Test func snapshot() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24), open: DemoContent.swiftID)
        _ = Fixtures.type("<C-y><Down>", into: &model)
        Snapshot.assert(Snapshot.frame(AppView.render(model)), named: "copy-80x24")
    }

    /// The real binary writes OSC 52; tmux (with set-clipboard on) takes it into its buffer.
    @Test(.enabled(if: TmuxTests.available, "needs tmux and a built sotto (swift build --build-tests)"))
    func theCodeBlockReachesTheTerminalsClipboard() async throws {
        let session = try TmuxTests.Session()
        defer { session.stop() }
        try session.start(columns: 100, rows: 30)
        try await session.waitFor("Welcome to Sotto")
        _ = try session.tmux(["set-option", "-g", "set-clipboard", "on"])
        // Open "Swift concurrency" through search.
        try session.keys("C-f")
        try session.type("actor Counter")
        try session.keys("Enter")
        try await session.waitFor("Search (")
        try session.keys("Enter")
        // The hit's conversation is open (the results list shows "actor Counter" too).
        try await session.waitFor("◀ found")
        try session.keys("C-y")
        try await session.waitFor("Copy (3)")
        try session.keys("Down")
        try session.keys("Enter")
        try await session.waitFor("Copied the code block")
        var buffer = ""
        for _ in 0..<40 {
            buffer = (try? session.tmux(["show-buffer"])) ?? ""
            if buffer.contains("actor Counter") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(buffer.hasPrefix("actor Counter {"))
        #expect(buffer.contains("print(await counter.increment(), \"done\")"))
        #expect(!buffer.contains("```"))
    }
}
