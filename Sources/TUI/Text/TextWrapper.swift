/// Breaks styled text into lines no wider than a number of columns, by display width:
/// at spaces where it can, inside a word only when the word alone is too wide, and never
/// inside a grapheme, so CJK, emoji and combining marks stay whole.
public enum TextWrapper {
    /// Wraps `spans` to `width` columns. `firstPrefix` starts the first line and
    /// `continuationPrefix` every later one (list bullets, quote bars, indents); their
    /// widths come off the room for text.
    public static func wrap(
        _ spans: [Span], width: Int, firstPrefix: [Span] = [], continuationPrefix: [Span] = [],
        fillRole: Role? = nil
    ) -> [StyledLine] {
        let firstRoom = width - prefixWidth(firstPrefix)
        let laterRoom = width - prefixWidth(continuationPrefix)
        guard width > 0 else { return [StyledLine(firstPrefix + spans, fillRole: fillRole)] }

        // Graphemes with their style and width; words are runs of non-spaces.
        var lines: [StyledLine] = []
        var current: [Piece] = []
        var currentWidth = 0
        var word: [Piece] = []
        var wordWidth = 0
        var pendingSpaces: [Piece] = []
        var pendingWidth = 0

        func room() -> Int { max(1, lines.isEmpty ? firstRoom : laterRoom) }
        func finishLine() {
            let prefix = lines.isEmpty ? firstPrefix : continuationPrefix
            lines.append(StyledLine(prefix + merge(current), fillRole: fillRole))
            current = []
            currentWidth = 0
        }
        func placeWord() {
            if word.isEmpty { return }
            if currentWidth > 0 && currentWidth + pendingWidth + wordWidth > room() {
                finishLine()
                pendingSpaces = []
                pendingWidth = 0
            }
            // Spaces that start a line (an indent) keep only the room the word leaves, so they
            // never push the line past the width.
            if currentWidth == 0 && pendingWidth + wordWidth > room() {
                pendingSpaces = Array(pendingSpaces.prefix(max(0, room() - wordWidth)))
                pendingWidth = pendingSpaces.count
            }
            current += pendingSpaces
            currentWidth += pendingWidth
            pendingSpaces = []
            pendingWidth = 0
            for piece in word {
                if currentWidth + piece.width > room() && currentWidth > 0 {
                    finishLine()
                }
                current.append(piece)
                currentWidth += piece.width
            }
            word = []
            wordWidth = 0
        }

        for span in spans {
            for (character, width) in span.text.lazy.flatMap(DisplayWidth.drawable) {
                let piece = Piece(character: character, width: width, role: span.role, attributes: span.attributes)
                if character == " " || character == "\t" {
                    placeWord()
                    let space = Piece(character: " ", width: 1, role: span.role, attributes: span.attributes)
                    pendingSpaces.append(space)
                    pendingWidth += 1
                } else {
                    word.append(piece)
                    wordWidth += piece.width
                }
            }
        }
        placeWord()
        // Leading spaces of a line that never got a word (indentation of code, etc.).
        if current.isEmpty && !pendingSpaces.isEmpty && lines.isEmpty {
            current = Array(pendingSpaces.prefix(max(0, room())))
            currentWidth = current.count
        }
        // A last line of zero-width graphemes only (controls, lone marks) is kept too.
        if !current.isEmpty || lines.isEmpty { finishLine() }
        return lines
    }

    /// Wraps code: no word breaking, whitespace kept, split exactly at the width.
    public static func hardWrap(_ spans: [Span], width: Int, fillRole: Role? = nil) -> [StyledLine] {
        guard width > 0 else { return [StyledLine(spans, fillRole: fillRole)] }
        var lines: [StyledLine] = []
        var current: [Piece] = []
        var currentWidth = 0
        for span in spans {
            for (character, w) in span.text.lazy.flatMap(DisplayWidth.drawable) {
                if currentWidth + w > width && currentWidth > 0 {
                    lines.append(StyledLine(merge(current), fillRole: fillRole))
                    current = []
                    currentWidth = 0
                }
                current.append(Piece(character: character, width: w, role: span.role, attributes: span.attributes))
                currentWidth += w
            }
        }
        lines.append(StyledLine(merge(current), fillRole: fillRole))
        return lines
    }

    /// `text` cut to at most `width` columns, ending in "…" when something was cut.
    public static func truncate(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        if DisplayWidth.of(text) <= width { return text }
        var result = ""
        var used = 0
        for character in text {
            let w = DisplayWidth.of(character)
            if used + w > width - 1 { break }
            result.append(character)
            used += w
        }
        return result + "…"
    }

    private struct Piece {
        var character: Character
        var width: Int
        var role: Role
        var attributes: TextAttributes
    }

    private static func prefixWidth(_ spans: [Span]) -> Int {
        spans.reduce(0) { $0 + DisplayWidth.of($1.text) }
    }

    /// Joins neighbouring pieces of the same style back into spans.
    private static func merge(_ pieces: [Piece]) -> [Span] {
        var spans: [Span] = []
        for piece in pieces {
            if let last = spans.last, last.role == piece.role, last.attributes == piece.attributes {
                spans[spans.count - 1].text.append(piece.character)
            } else {
                spans.append(Span(String(piece.character), role: piece.role, attributes: piece.attributes))
            }
        }
        return spans
    }
}
