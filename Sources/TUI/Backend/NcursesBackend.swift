import CNcurses
import Foundation
import Wire

/// The real terminal, through ncursesw. Not thread-safe, like ncurses itself: create,
/// use and close it on one thread (the runtime's). Draws only the cells that changed since
/// the last frame; ncurses then sends only what differs from the screen.
public final class NcursesBackend: TerminalBackend {
    public private(set) var size: Size
    public let colorDepth: ColorDepth
    private var previous: ScreenBuffer?
    private var previousThemeName: String?
    private var decoder = InputDecoder()
    private var pairs: [PairKey: Int32] = [:]
    private let maxPairs: Int32
    private var closed = false
    /// Set by `resume`: the next frame clears the terminal and draws every cell.
    private var repaintAll = false

    static let pasteStartCode = KEY_MAX + 1
    static let pasteEndCode = KEY_MAX + 2

    private struct PairKey: Hashable {
        var foreground: Int32
        var background: Int32
    }

    /// Takes over the terminal: locale, raw keys, colours, bracketed paste.
    /// - Throws: `TerminalError` when there is no usable terminal.
    public init(environment: [String: String]) throws {
        // Without the user's locale ncurses garbles or drops non-ASCII input.
        _ = setlocale(LC_ALL, "")
        guard isatty(0) == 1, isatty(1) == 1 else { throw TerminalError.notATerminal }
        guard initscr() != nil else { throw TerminalError.cannotStart }
        let screen = sotto_nc_stdscr()
        _ = raw()
        _ = noecho()
        // Enter gives CR and Ctrl-J gives LF: two different keys.
        _ = nonl()
        _ = keypad(screen, true)
        _ = set_escdelay(25)
        wtimeout(screen, 50)
        _ = curs_set(0)
        var colors = 0
        if has_colors() {
            _ = start_color()
            _ = use_default_colors()
            colors = Int(sotto_nc_colors())
        }
        colorDepth = ColorDepth.detect(terminalColors: colors, environment: environment)
        maxPairs = max(0, min(sotto_nc_color_pairs() - 1, 32_767))
        _ = define_key("\u{1B}[200~", Self.pasteStartCode)
        _ = define_key("\u{1B}[201~", Self.pasteEndCode)
        Self.writeRaw("\u{1B}[?2004h")
        size = Size(columns: Int(getmaxx(screen)), rows: Int(getmaxy(screen)))
    }

    deinit { close() }

    /// Gives the terminal back: bracketed paste off, curses ended. Safe to call twice.
    public func close() {
        guard !closed else { return }
        closed = true
        Self.writeRaw("\u{1B}[?2004l")
        _ = endwin()
    }

    public func present(_ buffer: ScreenBuffer, theme: Theme) {
        guard buffer.size == size else { return }
        let full = repaintAll || previous?.size != buffer.size || previousThemeName != theme.name
        // wclear makes the next refresh clear the terminal itself, not only curses' idea of it.
        if repaintAll { _ = wclear(sotto_nc_stdscr()) } else if full { _ = werase(sotto_nc_stdscr()) }
        repaintAll = false
        var styleCache: [Cell: (attr_t, Int32)] = [:]
        for y in 0..<buffer.size.rows {
            for x in 0..<buffer.size.columns {
                let cell = buffer[x, y]
                if !full, let previous, previous[x, y] == cell { continue }
                if cell.isContinuation { continue }
                let key = Cell(" ", width: 1, role: cell.role, attributes: cell.attributes)
                let (attributes, pair): (attr_t, Int32)
                if let cached = styleCache[key] {
                    (attributes, pair) = cached
                } else {
                    let style = theme.style(for: cell.role, attributes: cell.attributes, depth: colorDepth)
                    (attributes, pair) = (Self.attributes(style.attributes), colorPair(for: style))
                    styleCache[key] = (attributes, pair)
                }
                draw(cell.character, x: x, y: y, attributes: attributes, pair: pair)
            }
        }
        previous = buffer
        previousThemeName = theme.name
        _ = wrefresh(sotto_nc_stdscr())
    }

    public func readEvents(timeoutMilliseconds: Int) -> [AppEvent] {
        let screen = sotto_nc_stdscr()
        var events: [AppEvent] = []
        wtimeout(screen, Int32(timeoutMilliseconds))
        var first = true
        while true {
            var character: wint_t = 0
            let result = get_wch(&character)
            if result == ERR { break }
            if first {
                // The rest of a burst (a sequence, a paste) is read without waiting.
                wtimeout(screen, 0)
                first = false
            }
            if result == KEY_CODE_YES {
                let code = Int32(character)
                switch code {
                case KEY_RESIZE:
                    size = Size(columns: Int(getmaxx(screen)), rows: Int(getmaxy(screen)))
                    previous = nil
                    events.append(.resize(size))
                case Self.pasteStartCode: events += decoder.feed(.pasteStart)
                case Self.pasteEndCode: events += decoder.feed(.pasteEnd)
                default: events += decoder.feed(.keyCode(code))
                }
            } else {
                events += decoder.feed(.scalar(UInt32(character)))
            }
        }
        if !decoder.isPasting { events += decoder.endOfBatch() }
        wtimeout(screen, 50)
        return events
    }

    public func suspend() {
        guard !closed else { return }
        Self.writeRaw("\u{1B}[?2004l")
        // Saves raw mode and the rest, then hands the shell's modes back (cursor, main screen).
        _ = def_prog_mode()
        _ = endwin()
    }

    public func resume() {
        guard !closed else { return }
        _ = reset_prog_mode()
        _ = wrefresh(sotto_nc_stdscr())
        _ = curs_set(0)
        Self.writeRaw("\u{1B}[?2004h")
        previous = nil
        repaintAll = true
    }

    public func copyToClipboard(_ text: String) {
        // OSC 52: the terminal (also over SSH; in tmux with set-clipboard on) sets the clipboard.
        Self.writeRaw("\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}")
    }

    private func draw(_ character: Character, x: Int, y: Int, attributes: attr_t, pair: Int32) {
        // A cchar_t holds up to CCHARW_MAX (5) scalars: a base and its combining marks.
        var scalars = character.unicodeScalars.prefix(5).map { wchar_t(bitPattern: $0.value) }
        scalars.append(0)
        var cell = cchar_t()
        var extendedPair = pair
        _ = setcchar(&cell, scalars, attributes, Int16(clamping: pair), &extendedPair)
        // ERR at the bottom-right corner (the cursor cannot advance) is expected and harmless.
        _ = mvadd_wch(Int32(y), Int32(x), &cell)
    }

    private func colorPair(for style: Style) -> Int32 {
        guard colorDepth != .none, maxPairs > 0 else { return 0 }
        let key = PairKey(
            foreground: Self.colorNumber(style.foreground), background: Self.colorNumber(style.background))
        if key.foreground == -1 && key.background == -1 { return 0 }
        if let pair = pairs[key] { return pair }
        if Int32(pairs.count) >= maxPairs {
            // Out of pairs: start over, and redraw everything with the new numbering.
            pairs.removeAll()
            previous = nil
        }
        let pair = Int32(pairs.count) + 1
        _ = init_extended_pair(pair, key.foreground, key.background)
        pairs[key] = pair
        return pair
    }

    private static func colorNumber(_ color: Color) -> Int32 {
        switch color {
        case .terminalDefault: -1
        case .indexed(let index): Int32(index)
        case .rgb(let r, let g, let b): Int32(r) << 16 | Int32(g) << 8 | Int32(b)
        }
    }

    private static func attributes(_ attributes: TextAttributes) -> attr_t {
        var result = sotto_nc_a_normal()
        if attributes.contains(.bold) { result |= sotto_nc_a_bold() }
        if attributes.contains(.italic) { result |= sotto_nc_a_italic() }
        if attributes.contains(.underline) { result |= sotto_nc_a_underline() }
        if attributes.contains(.reverse) { result |= sotto_nc_a_reverse() }
        if attributes.contains(.dim) { result |= sotto_nc_a_dim() }
        return result
    }

    /// Writes control sequences curses does not know (paste mode, OSC 52) straight to the tty.
    private static func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { break }
            offset += written
        }
    }
}

/// The terminal cannot be used for the full-screen app.
public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal
    case cannotStart

    /// The stable identifiers of these failures.
    public enum Code: String, StableErrorCode {
        /// Standard input or output is not a terminal (a pipe, a file).
        case noTerminal = "SOTTO-TUI-NO-TERMINAL"
        /// ncurses could not set the terminal up (an unknown `TERM`).
        case terminal = "SOTTO-TUI-TERMINAL"
    }

    public var code: Code {
        switch self {
        case .notATerminal: .noTerminal
        case .cannotStart: .terminal
        }
    }

    public var description: String {
        switch self {
        case .notATerminal: "\(code): the full-screen app needs a terminal on standard input and output"
        case .cannotStart: "\(code): the terminal could not be set up (check TERM)"
        }
    }
}
