/// A one-line text field drawn in a fixed width: the text scrolls sideways so the cursor is
/// always in view, as a shell's line editor does, and a wide grapheme is never cut.
enum FieldLine {
    /// The cursor's glyph, drawn between graphemes.
    static let cursor = "▏"

    /// Spans for `editor` in `width` columns (the cursor takes one), led by `prefix`.
    static func spans(_ editor: InputEditor, width: Int, role: Role, prefix: [Span] = []) -> [Span] {
        let used = prefix.reduce(0) { $0 + DisplayWidth.of($1.text) }
        let room = max(1, width - used - DisplayWidth.of(cursor))
        let characters = editor.characters
        let at = editor.cursor
        // Start as far left as keeps the cursor in view, then take what fits after it.
        var start = at
        var before = 0
        while start > 0, before + DisplayWidth.of(characters[start - 1]) <= room {
            start -= 1
            before += DisplayWidth.of(characters[start])
        }
        var end = at
        var total = before
        while end < characters.count, total + DisplayWidth.of(characters[end]) <= room {
            total += DisplayWidth.of(characters[end])
            end += 1
        }
        return prefix + [
            Span(String(characters[start..<at]), role: role),
            Span(cursor, role: .overlayTitle),
            Span(String(characters[at..<end]), role: role),
        ]
    }
}
