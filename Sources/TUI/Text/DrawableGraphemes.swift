extension DisplayWidth {
    /// `character` as the terminal cells draw it. A grapheme wider than two columns (an
    /// emoji ZWJ sequence, which ncurses measures as the sum of its parts) is drawn as its
    /// visible scalars one by one, so what we measure is what every terminal shows.
    static func drawable(_ character: Character) -> [(Character, Int)] {
        let width = of(character)
        if width <= 2 { return [(character, width)] }
        return character.unicodeScalars.compactMap { scalar in
            let piece = Character(scalar)
            let w = of(piece)
            return w > 0 ? (piece, w) : nil
        }
    }
}
