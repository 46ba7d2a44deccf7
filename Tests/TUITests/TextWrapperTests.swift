import TUI
import Testing

@Suite struct TextWrapperTests {
    init() { TestEnvironment.prepare() }

    func wrap(_ text: String, _ width: Int) -> [String] {
        TextWrapper.wrap([Span(text)], width: width).map(\.plainText)
    }

    @Test func breaksAtSpaces() {
        #expect(wrap("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"])
        #expect(wrap("", 10) == [""])
        #expect(wrap("  indented", 20) == ["  indented"])
    }

    /// Found by the text-wrapper fuzz target: an indent wider than the room made a line of
    /// 25 columns at width 10.
    @Test func anIndentNeverPushesALinePastTheWidth() {
        #expect(wrap(String(repeating: " ", count: 25) + "word", 10) == ["      word"])
        #expect(wrap(String(repeating: " ", count: 25) + "abcdefghijkl", 10) == ["abcdefghij", "kl"])
        #expect(wrap("  indented", 10) == ["  indented"])
        let lines = TextWrapper.wrap(
            [Span(String(repeating: " ", count: 25)), Span(String(repeating: "\0", count: 8) + "   ")], width: 10)
        #expect(lines.allSatisfy { $0.width <= 10 }, "\(lines.map(\.plainText))")
    }

    /// Found by the text-wrapper fuzz target: a last word of zero-width graphemes that started
    /// a new line was dropped.
    @Test func aLastWordOfZeroWidthGraphemesIsKept() {
        #expect(wrap("abc \u{3}\u{3}", 3) == ["abc", "\u{3}\u{3}"])
        #expect(wrap("abc", 3) == ["abc"])
        #expect(wrap("abc ", 3) == ["abc"])
    }

    @Test func breaksALongWordOnlyWhenItMust() {
        #expect(wrap("abcdefghijkl xy", 5) == ["abcde", "fghij", "kl xy"])
    }

    @Test func wrapsCJKByDisplayWidth() {
        let lines = wrap("東京で三日間、何をすればいいですか", 7)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 7 })
        #expect(lines.first == "東京で")
        #expect(lines.joined() == "東京で三日間、何をすればいいですか")
    }

    @Test func wrapsEmojiWithoutSplittingThem() {
        let text = "ok 😀😀😀 👍🏽 family 👨‍👩‍👧 end"
        for width in 1...12 {
            let lines = wrap(text, width)
            #expect(lines.allSatisfy { DisplayWidth.of($0) <= max(width, 2) }, "width \(width): \(lines)")
            // Wider-than-two graphemes (skin tones, ZWJ families) are drawn scalar by scalar.
            let visible = { (s: String) in Array(s.unicodeScalars).filter { $0 != " " && $0 != "\u{200D}" } }
            #expect(visible(lines.joined()) == visible(text))
        }
    }

    @Test func continuationLinesTakeTheirPrefix() {
        let lines = TextWrapper.wrap(
            [Span("one two three four")], width: 9, firstPrefix: [Span("• ")], continuationPrefix: [Span("  ")])
        #expect(lines.map(\.plainText) == ["• one two", "  three", "  four"])
    }

    @Test func hardWrapKeepsSpacesAndSplitsExactly() {
        let lines = TextWrapper.hardWrap([Span("    let x = 你好")], width: 8)
        #expect(lines.map(\.plainText) == ["    let ", "x = 你好"])
    }

    @Test func truncatesWithAnEllipsis() {
        #expect(TextWrapper.truncate("hello world", width: 6) == "hello…")
        #expect(TextWrapper.truncate("你好世界", width: 5) == "你好…")
        #expect(TextWrapper.truncate("short", width: 10) == "short")
        #expect(TextWrapper.truncate("x", width: 0) == "")
    }
}
