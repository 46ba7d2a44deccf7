@testable import TUI

/// Theme files (TOML).
func fuzzTheme(_ data: [UInt8]) {
    _ = try? ThemeLoader.parse(String(decoding: data, as: UTF8.self), source: "fuzz.toml", fallbackName: "fuzz")
}

/// Terminal input as `get_wch` delivers it. Bytes below 0x80 are characters; 0x80–0xBC take
/// the next three bytes as a scalar value (surrogates and values past Unicode included);
/// 0xBD ends a batch; 0xBE and 0xBF are the paste markers; 0xC0 and above take the next byte
/// as a function key code.
func fuzzInputDecoder(_ data: [UInt8]) {
    var decoder = InputDecoder()
    var rest = data[...]
    while let byte = rest.popFirst() {
        switch byte {
        case ..<0x80: _ = decoder.feed(.scalar(UInt32(byte)))
        case ..<0xBD:
            let value = rest.prefix(3).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            rest = rest.dropFirst(3)
            _ = decoder.feed(.scalar(value))
        case 0xBD: _ = decoder.endOfBatch()
        case 0xBE: _ = decoder.feed(.pasteStart)
        case 0xBF: _ = decoder.feed(.pasteEnd)
        default: _ = decoder.feed(.keyCode(0o400 + Int32(rest.popFirst() ?? 0)))
        }
    }
    _ = decoder.endOfBatch()
}

/// The Markdown renderer at an input-chosen width (first byte). From 40 columns up every line
/// fits the width; drawn into a rectangle of a larger screen, nothing outside it changes.
func fuzzMarkdown(_ data: [UInt8]) {
    var choices = Choices(data)
    let width = Int(choices.byte() % 160)
    let lines = MarkdownRenderer.render(String(decoding: choices.rest, as: UTF8.self), width: width)
    if width >= 40 {
        for line in lines where line.width > width { violated("a rendered line is \(line.width) columns of \(width)") }
    }
    checkDrawnInside(lines, width: max(width, 1))
}

/// Draws `lines` into a `width`-column rectangle in the middle of a larger screen filled with a
/// sentinel; the cells around the rectangle must stay the sentinel.
func checkDrawnInside(_ lines: [StyledLine], width: Int) {
    let sentinel = Cell("#", role: .border)
    let rows = min(lines.count, 40)
    var screen = ScreenBuffer(size: Size(columns: width + 6, rows: rows + 2), fill: sentinel)
    let rect = Rect(x: 3, y: 1, width: width, height: rows)
    screen.fill(rect, role: .text)
    for (index, line) in lines.prefix(rows).enumerated() { screen.put(line, x: rect.x, y: rect.y + index, clip: rect) }
    for y in 0..<screen.size.rows {
        for x in 0..<screen.size.columns where !(rect.x..<rect.maxX).contains(x) || !(rect.y..<rect.maxY).contains(y) {
            guard screen[x, y] == sentinel else { violated("a cell outside the rectangle changed at \(x),\(y)") }
        }
    }
}

/// The word wrapper: input-chosen width and prefixes (first bytes), text split into spans of
/// different roles at 0x01. When every grapheme fits the room beside the prefixes, every line
/// fits the width, and no visible grapheme is lost or invented.
func fuzzTextWrapper(_ data: [UInt8]) {
    var choices = Choices(data)
    let width = Int(choices.byte() % 100)
    let firstPrefix = [Span(String(repeating: "›", count: Int(choices.byte() % 8)), role: .marker)]
    let laterPrefix = [Span(String(repeating: " ", count: Int(choices.byte() % 8)))]
    let roles: [Role] = [.text, .heading, .inlineCode, .quote]
    let spans = choices.rest.split(separator: 1, omittingEmptySubsequences: false).enumerated().map {
        Span(String(decoding: $0.element, as: UTF8.self), role: roles[$0.offset % roles.count])
    }
    let lines = TextWrapper.wrap(spans, width: width, firstPrefix: firstPrefix, continuationPrefix: laterPrefix)
    guard !lines.isEmpty else { violated("wrapping gives at least one line") }
    let room = min(width - firstPrefix[0].text.count, width - laterPrefix[0].text.count)
    if width > 0 && room >= 2 {
        for line in lines where line.width > width { violated("a wrapped line is \(line.width) columns of \(width)") }
        // Compared by scalar: a span boundary may fall inside a grapheme.
        func visible(_ spans: [Span]) -> [Unicode.Scalar] {
            spans.flatMap { $0.text.flatMap(DisplayWidth.drawable).flatMap { $0.0.unicodeScalars } }
                .filter { $0 != " " && $0 != "\t" && $0 != "›" }
        }
        let sent = visible(spans)
        let shown = visible(lines.flatMap(\.spans))
        guard sent == shown else {
            violated(
                "wrapping keeps every visible grapheme in order: \(sent.map(\.value)) became \(shown.map(\.value))")
        }
    }
    _ = TextWrapper.hardWrap(spans, width: width)
    let truncated = TextWrapper.truncate(spans.map(\.text).joined(), width: width)
    guard DisplayWidth.of(truncated) <= max(width, 0) else { violated("truncation fits the width") }
    checkDrawnInside(lines, width: max(width, 1))
}
