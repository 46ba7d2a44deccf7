/// One character cell: a grapheme with its display width, or the right half of a wide one.
public struct Cell: Hashable, Sendable {
    /// The grapheme drawn here; a space for the continuation half of a wide grapheme.
    public var character: Character
    /// 1 for a normal grapheme, 2 for a wide one, 0 for the cell a wide one spills into.
    public var width: UInt8
    public var role: Role
    public var attributes: TextAttributes

    public init(_ character: Character = " ", width: UInt8 = 1, role: Role = .text, attributes: TextAttributes = []) {
        self.character = character
        self.width = width
        self.role = role
        self.attributes = attributes
    }

    /// True for the second cell of a wide grapheme.
    public var isContinuation: Bool { width == 0 }
}

/// The grid a view draws into and a backend presents, like ratatui's `Buffer`: drawing
/// never touches the terminal, so views are tested on values.
public struct ScreenBuffer: Hashable, Sendable {
    public let size: Size
    public private(set) var cells: [Cell]

    public init(size: Size, fill: Cell = Cell()) {
        self.size = size
        cells = Array(repeating: fill, count: size.columns * size.rows)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: size.columns, height: size.rows) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * size.columns + x] }
        set { cells[y * size.columns + x] = newValue }
    }

    /// Fills `rect` (clipped to the screen) with blanks of `role`.
    public mutating func fill(_ rect: Rect, role: Role, attributes: TextAttributes = []) {
        let x0 = max(0, rect.x)
        let x1 = min(size.columns, rect.maxX)
        let y0 = max(0, rect.y)
        let y1 = min(size.rows, rect.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            clearWideNeighbours(x: x0, y: y)
            clearWideNeighbours(x: x1 - 1, y: y)
            for x in x0..<x1 { self[x, y] = Cell(role: role, attributes: attributes) }
        }
    }

    /// Writes `text` from column `x` on row `y`, clipped to `clip` (default: the screen).
    /// A wide grapheme that would cross the clip's right edge is not split: a blank takes
    /// its place. Zero-width graphemes (controls) are skipped.
    /// - Returns: the column after the last cell written.
    @discardableResult
    public mutating func put(
        _ text: some StringProtocol, x: Int, y: Int, role: Role, attributes: TextAttributes = [], clip: Rect? = nil
    ) -> Int {
        let area = clip ?? bounds
        let left = max(area.x, 0)
        let right = min(area.maxX, size.columns)
        guard y >= max(area.y, 0), y < min(area.maxY, size.rows) else { return x }
        var column = x
        for (character, width) in text.lazy.flatMap(DisplayWidth.drawable) {
            if column >= right { break }
            if width == 0 { continue }
            if column < left {
                column += width
                continue
            }
            if width == 2 && column + 1 >= right {
                set(Cell(" ", width: 1, role: role, attributes: attributes), x: column, y: y)
                column += 1
                break
            }
            set(Cell(character, width: UInt8(min(width, 2)), role: role, attributes: attributes), x: column, y: y)
            if width >= 2 {
                set(Cell(" ", width: 0, role: role, attributes: attributes), x: column + 1, y: y)
            }
            column += min(width, 2)
        }
        return column
    }

    /// Writes one styled line (spans) from column `x`.
    @discardableResult
    public mutating func put(_ line: StyledLine, x: Int, y: Int, clip: Rect? = nil) -> Int {
        var column = x
        for span in line.spans {
            column = put(span.text, x: column, y: y, role: span.role, attributes: span.attributes, clip: clip)
        }
        return column
    }

    private mutating func set(_ cell: Cell, x: Int, y: Int) {
        clearWideNeighbours(x: x, y: y)
        self[x, y] = cell
    }

    /// Overwriting half of a wide grapheme blanks its other half, so none is left dangling.
    private mutating func clearWideNeighbours(x: Int, y: Int) {
        let current = self[x, y]
        if current.isContinuation, x > 0 {
            self[x - 1, y] = Cell(role: self[x - 1, y].role)
        } else if current.width == 2, x + 1 < size.columns {
            self[x + 1, y] = Cell(role: current.role)
        }
    }

    /// The screen as text, one string per row; trailing spaces kept so widths line up.
    public var lines: [String] {
        (0..<size.rows).map { y in
            var line = ""
            for x in 0..<size.columns where !self[x, y].isContinuation {
                line.append(self[x, y].character)
            }
            return line
        }
    }

    /// The screen's roles as text: one letter per cell (`Role.letter`).
    public var roleLines: [String] {
        (0..<size.rows).map { y in
            String((0..<size.columns).map { self[$0, y].role.letter })
        }
    }

    /// The text of the whole screen, rows joined by newlines, trailing spaces trimmed.
    public var text: String {
        lines.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }.joined(separator: "\n")
    }
}
