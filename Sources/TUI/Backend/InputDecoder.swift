import CNcurses

/// One item of terminal input as `get_wch` delivers it.
public enum RawInput: Hashable, Sendable {
    /// A character (`get_wch` returned OK).
    case scalar(UInt32)
    /// A function key (`get_wch` returned KEY_CODE_YES): `KEY_UP` and the like.
    case keyCode(Int32)
    /// The terminal's bracketed-paste markers (`ESC[200~`, `ESC[201~`).
    case pasteStart, pasteEnd
}

/// Turns raw terminal input into key and paste events. Pure state machine: Esc followed
/// by a key in the same batch is Alt, a lone Esc at the end of a batch is Escape; text
/// between the paste markers becomes one paste; scalars are joined into graphemes so a
/// combining mark stays with its letter.
public struct InputDecoder: Sendable {
    private var pendingEscape = false
    private var paste: String?
    private var text = ""

    public init() {}

    /// True while a bracketed paste is open.
    public var isPasting: Bool { paste != nil }

    /// Feeds one item; returns the events it completes.
    public mutating func feed(_ input: RawInput) -> [AppEvent] {
        if paste != nil {
            switch input {
            case .pasteEnd:
                let pasted = paste ?? ""
                paste = nil
                return [.paste(pasted.replacingCRLF())]
            case .scalar(let value):
                if let scalar = Unicode.Scalar(value) { paste?.unicodeScalars.append(scalar) }
                return []
            case .keyCode(let code):
                // Some terminals turn a pasted newline into KEY_ENTER.
                if code == KEY_ENTER { paste?.append("\n") }
                return []
            case .pasteStart:
                return []
            }
        }
        switch input {
        case .pasteStart:
            var events = flushText()
            if pendingEscape {
                events.append(.key(.escape))
                pendingEscape = false
            }
            paste = ""
            return events
        case .pasteEnd:
            return []
        case .keyCode(let code):
            var events = flushText()
            if pendingEscape {
                pendingEscape = false
                if code == KEY_ENTER {
                    return events + [.key(.altEnter)]
                }
                events.append(.key(.escape))
            }
            if let key = Self.key(forCode: code) { events.append(.key(key)) }
            return events
        case .scalar(let value):
            return scalar(value)
        }
    }

    /// Ends a batch of input (nothing more is waiting): a pending Esc is a plain Escape.
    public mutating func endOfBatch() -> [AppEvent] {
        var events = flushText()
        if pendingEscape {
            pendingEscape = false
            events.append(.key(.escape))
        }
        return events
    }

    private mutating func scalar(_ value: UInt32) -> [AppEvent] {
        if value >= 32 && value != 127 {
            guard let scalar = Unicode.Scalar(value) else { return [] }
            if pendingEscape {
                pendingEscape = false
                let events = flushText()
                return events + [.key(.alt(Character(scalar)))]
            }
            text.unicodeScalars.append(scalar)
            return []
        }
        var events = flushText()
        let escaped = pendingEscape
        pendingEscape = false
        switch value {
        case 27:
            if escaped { events.append(.key(.escape)) }
            pendingEscape = true
        case 13 where escaped, 10 where escaped: events.append(.key(.altEnter))
        case 13: events.append(.key(.enter))
        case 10: events.append(.key(.control("j")))
        case 9: events.append(.key(.tab))
        case 8, 127: events.append(.key(.backspace))
        case 1...26:
            if escaped { events.append(.key(.escape)) }
            events.append(.key(.control(Character(Unicode.Scalar(value + 96)!))))
        default:
            break
        }
        return events
    }

    private mutating func flushText() -> [AppEvent] {
        guard !text.isEmpty else { return [] }
        defer { text = "" }
        return text.map { .key(.character($0)) }
    }

    static func key(forCode code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_ENTER: .enter
        case KEY_BTAB: .backTab
        case (KEY_F0 + 1)...(KEY_F0 + 12): .function(Int(code - KEY_F0))
        default: nil
        }
    }
}
