/// The composer's text and cursor. Text is a list of graphemes so the cursor can never
/// stand inside one.
public struct InputEditor: Hashable, Sendable {
    public private(set) var characters: [Character] = []
    /// Index into `characters` where the next grapheme goes.
    public private(set) var cursor = 0

    public init(_ text: String = "") {
        characters = Array(text)
        cursor = characters.count
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    public mutating func insert(_ text: String) {
        // Terminals send CR for newlines in pastes; keep one kind.
        let normalized = text.replacingCRLF()
        characters.insert(contentsOf: normalized, at: cursor)
        cursor += normalized.count
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }

    /// To the start of the current line.
    public mutating func moveHome() {
        while cursor > 0 && characters[cursor - 1] != "\n" { cursor -= 1 }
    }

    /// To the end of the current line.
    public mutating func moveEnd() {
        while cursor < characters.count && characters[cursor] != "\n" { cursor += 1 }
    }

    /// Up one line, keeping the column where the line is long enough.
    /// - Returns: false when already on the first line.
    @discardableResult
    public mutating func moveUp() -> Bool {
        let (line, column) = position
        guard line > 0 else { return false }
        moveTo(line: line - 1, column: column)
        return true
    }

    /// Down one line. - Returns: false when already on the last line.
    @discardableResult
    public mutating func moveDown() -> Bool {
        let (line, column) = position
        guard line < lines.count - 1 else { return false }
        moveTo(line: line + 1, column: column)
        return true
    }

    /// Deletes the word before the cursor (Ctrl-W).
    public mutating func deleteWordBackward() {
        while cursor > 0 && characters[cursor - 1] == " " { backspace() }
        while cursor > 0 && characters[cursor - 1] != " " && characters[cursor - 1] != "\n" { backspace() }
    }

    public mutating func clear() {
        characters = []
        cursor = 0
    }

    /// The logical lines (split at newlines).
    public var lines: [[Character]] {
        characters.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
    }

    /// Line and grapheme column of the cursor.
    public var position: (line: Int, column: Int) {
        var line = 0
        var column = 0
        for c in characters[..<cursor] {
            if c == "\n" {
                line += 1
                column = 0
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    private mutating func moveTo(line target: Int, column: Int) {
        var index = 0
        var line = 0
        while line < target && index < characters.count {
            if characters[index] == "\n" { line += 1 }
            index += 1
        }
        var col = 0
        while col < column && index < characters.count && characters[index] != "\n" {
            index += 1
            col += 1
        }
        cursor = index
    }
}

extension String {
    func replacingCRLF() -> String {
        var result = ""
        var previousCR = false
        for c in self {
            if c == "\r\n" {
                result.append("\n")
            } else if c == "\r" {
                result.append("\n")
                previousCR = true
                continue
            } else if c == "\n" && previousCR {
                // already emitted
            } else {
                result.append(c)
            }
            previousCR = false
        }
        return result
    }
}
