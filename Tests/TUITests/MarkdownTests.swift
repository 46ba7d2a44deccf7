import TUI
import Testing

@Suite struct MarkdownTests {
    init() { TestEnvironment.prepare() }

    func spans(_ markdown: String, width: Int = 40) -> [[Span]] {
        MarkdownRenderer.render(markdown, width: width).map(\.spans)
    }

    /// Found by the Markdown fuzz target: a fence line longer than the width made a language
    /// label line past it.
    @Test func aLongFenceLabelIsCutToTheWidth() {
        let lines = MarkdownRenderer.render(String(repeating: "`", count: 120) + "\ncode", width: 96)
        #expect(lines.allSatisfy { $0.width <= 96 })
        #expect(lines.first?.plainText.hasSuffix("…") == true)
        #expect(MarkdownRenderer.render("```swift\nlet x = 1\n```", width: 40).first?.plainText == " swift")
    }

    @Test func headingsAreBoldAndStripped() {
        let lines = MarkdownRenderer.render("# Title\n## Sub", width: 20)
        #expect(lines.map(\.plainText) == ["Title", "Sub"])
        #expect(lines[0].spans[0].role == .heading)
        #expect(lines[0].spans[0].attributes.contains(.bold))
        #expect(lines[0].spans[0].attributes.contains(.underline))
        #expect(!lines[1].spans[0].attributes.contains(.underline))
    }

    @Test func inlineEmphasisAndCode() {
        let line = spans("a **bold** and *it* and `x+1` end")[0]
        #expect(line.map(\.text) == ["a ", "bold", " and ", "it", " and ", "x+1", " end"])
        #expect(line[1].attributes == .bold)
        #expect(line[3].attributes == .italic)
        #expect(line[5].role == .inlineCode)
    }

    @Test func unclosedMarkersShowAsWritten() {
        #expect(MarkdownRenderer.render("2 * 3 = 6 and **half", width: 40).map(\.plainText) == ["2 * 3 = 6 and **half"])
        #expect(MarkdownRenderer.render("snake_case_name", width: 40).map(\.plainText) == ["snake_case_name"])
    }

    @Test func listsAndQuotes() {
        let lines = MarkdownRenderer.render("- one\n- two long item here\n1. first\n> said", width: 12)
        #expect(lines.map(\.plainText) == ["• one", "• two long", "  item here", "1. first", "│ said"])
        #expect(lines[0].spans[0].role == .listBullet)
        #expect(lines[4].spans[1].role == .quote)
        #expect(lines[4].spans[1].attributes.contains(.italic))
    }

    @Test func codeBlocksHaveABackgroundAndColours() {
        let markdown = "```swift\nlet s = \"hi\" // note\n```\nafter"
        let lines = MarkdownRenderer.render(markdown, width: 30)
        #expect(lines.map(\.plainText) == [" swift", " let s = \"hi\" // note", "after"])
        #expect(lines[1].fillRole == .codeBlock)
        let roles = Dictionary(lines[1].spans.map { ($0.text, $0.role) }, uniquingKeysWith: { a, _ in a })
        #expect(roles["let"] == .codeKeyword)
        #expect(roles["\"hi\""] == .codeString)
        #expect(roles["// note"] == .codeComment)
        #expect(lines[2].fillRole == nil)
    }

    @Test func anOpenFenceStillRendersWhileStreaming() {
        let lines = MarkdownRenderer.render("text\n```\nfunc a() {", width: 30)
        #expect(lines.map(\.plainText) == ["text", " func a() {"])
        #expect(lines[1].fillRole == .codeBlock)
    }

    @Test func wideCodeIsWrappedNotLost() {
        let lines = MarkdownRenderer.render("```\n" + String(repeating: "x", count: 25) + "\n```", width: 10)
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.width <= 10 })
    }

    @Test func blankLinesCollapse() {
        #expect(MarkdownRenderer.render("a\n\n\n\nb\n\n", width: 10).map(\.plainText) == ["a", "", "b"])
    }
}
