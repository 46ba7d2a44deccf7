extension InputEditor {
    /// Applies an editing key of a one-line field (readline's basics: Ctrl-A/E/U/W, arrows,
    /// Home/End, Delete), so every field edits the same way.
    /// - Returns: false for a key that is not an editing key, left to the caller.
    mutating func applyLineKey(_ key: Key) -> Bool {
        switch key {
        case .character(let c): insert(String(c))
        case .backspace: backspace()
        case .delete: deleteForward()
        case .left: moveLeft()
        case .right: moveRight()
        case .home, .control("a"): moveHome()
        case .end, .control("e"): moveEnd()
        case .control("w"): deleteWordBackward()
        case .control("u"): clear()
        default: return false
        }
        return true
    }
}
