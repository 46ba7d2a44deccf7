import CNcurses

/// Terminal column widths of text, measured with the same `wcwidth` ncurses uses to move
/// its cursor, so what we lay out is what the terminal draws.
public enum DisplayWidth {
    /// Columns taken by one grapheme: the sum of its scalars' widths (combining marks,
    /// joiners and variation selectors count 0), at least 0; control characters count 0.
    public static func of(_ character: Character) -> Int {
        var total = 0
        for scalar in character.unicodeScalars {
            let w = wcwidth(wchar_t(bitPattern: scalar.value))
            if w > 0 { total += Int(w) }
        }
        return total
    }

    /// Columns taken by `text`.
    public static func of(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + of($1) }
    }
}
