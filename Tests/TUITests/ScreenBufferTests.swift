import TUI
import Testing

@Suite struct ScreenBufferTests {
    init() { TestEnvironment.prepare() }

    @Test func wideGraphemesTakeTwoCells() {
        var buffer = ScreenBuffer(size: Size(columns: 6, rows: 1))
        let end = buffer.put("a你b", x: 0, y: 0, role: .text)
        #expect(end == 4)
        #expect(buffer[1, 0].width == 2)
        #expect(buffer[2, 0].isContinuation)
        #expect(buffer.lines == ["a你b  "])
    }

    @Test func aWideGraphemeIsNeverSplitAtTheRightEdge() {
        var buffer = ScreenBuffer(size: Size(columns: 4, rows: 1))
        buffer.put("abc你", x: 0, y: 0, role: .text)
        #expect(buffer.lines == ["abc "])
        #expect(!buffer[3, 0].isContinuation)
        var clipped = ScreenBuffer(size: Size(columns: 8, rows: 1))
        clipped.put("😀😀😀", x: 0, y: 0, role: .text, clip: Rect(x: 0, y: 0, width: 5, height: 1))
        #expect(clipped.lines == ["😀😀    "])
        #expect(clipped.rowsFit())
    }

    @Test func overwritingHalfAWideGraphemeBlanksTheOtherHalf() {
        var buffer = ScreenBuffer(size: Size(columns: 4, rows: 1))
        buffer.put("你好", x: 0, y: 0, role: .text)
        buffer.put("x", x: 1, y: 0, role: .text)
        #expect(buffer.lines == [" x好"])
        buffer.put("y", x: 2, y: 0, role: .text)
        #expect(buffer.lines == [" xy "])
        #expect(buffer.rowsFit())
    }

    @Test func drawingOutsideTheScreenIsClipped() {
        var buffer = ScreenBuffer(size: Size(columns: 3, rows: 2))
        buffer.put("hello", x: -2, y: 0, role: .text)
        buffer.put("hello", x: 1, y: 5, role: .text)
        buffer.fill(Rect(x: -5, y: -5, width: 100, height: 100), role: .status)
        buffer.put("hello", x: 1, y: 1, role: .text)
        #expect(buffer.lines == ["   ", " he"])
        #expect(ScreenBuffer(size: Size(columns: 0, rows: 0)).lines.isEmpty)
    }

    @Test func combiningMarksStayWithTheirLetter() {
        var buffer = ScreenBuffer(size: Size(columns: 3, rows: 1))
        buffer.put("e\u{301}x", x: 0, y: 0, role: .text)
        #expect(buffer[0, 0].character == "e\u{301}")
        #expect(buffer[1, 0].character == "x")
    }
}
