import Glibc
import TUI
import Testing

@Suite(.serialized) struct DisplayWidthTests {
    init() {
        // wcwidth answers -1 for anything non-ASCII in the C locale; the app sets the
        // user's (UTF-8) locale before curses starts, the tests a fixed one.
        _ = setlocale(LC_CTYPE, "C.UTF-8")
    }

    @Test func measuresGraphemesAsNcursesDoes() {
        #expect(DisplayWidth.of("a" as Character) == 1)
        #expect(DisplayWidth.of("你" as Character) == 2)
        #expect(DisplayWidth.of("😀" as Character) == 2)
        #expect(DisplayWidth.of("e\u{301}" as Character) == 1)  // combining acute adds nothing
        #expect(DisplayWidth.of("\u{7}" as Character) == 0)  // a control character draws nothing
        #expect(DisplayWidth.of("你好, world") == 2 + 2 + 1 + 1 + 5)
        #expect(DisplayWidth.of("") == 0)
    }
}
