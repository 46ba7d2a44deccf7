/// Key sequences in a small notation, for tests and scripted demos (after helix's):
/// plain characters type themselves; `<CR>` / `<Enter>`, `<A-CR>`, `<C-j>`, `<Esc>`, `<Tab>`,
/// `<BS>`, `<Del>`, `<Up>` `<Down>` `<Left>` `<Right>`, `<Home>` `<End>`, `<PgUp>` `<PgDn>`,
/// `<F1>`, `<lt>` (a literal `<`), `<Paste>text</Paste>`, `<Resize 40x10>`.
public enum KeyNotation {
    public static func parse(_ notation: String) -> [AppEvent] {
        var events: [AppEvent] = []
        var rest = Substring(notation)
        while let c = rest.first {
            if c == "<", let close = rest.firstIndex(of: ">") {
                let name = String(rest[rest.index(after: rest.startIndex)..<close])
                rest = rest[rest.index(after: close)...]
                if name == "Paste", let end = rest.range(of: "</Paste>") {
                    events.append(.paste(String(rest[..<end.lowerBound])))
                    rest = rest[end.upperBound...]
                    continue
                }
                if name.hasPrefix("Resize ") {
                    let parts = name.dropFirst(7).split(separator: "x").compactMap { Int($0) }
                    if parts.count == 2 { events.append(.resize(Size(columns: parts[0], rows: parts[1]))) }
                    continue
                }
                if let key = named(name) { events.append(.key(key)) }
                continue
            }
            events.append(.key(.character(c)))
            rest = rest.dropFirst()
        }
        return events
    }

    static func named(_ name: String) -> Key? {
        switch name {
        case "CR", "Enter", "ret": return .enter
        case "A-CR", "A-Enter": return .altEnter
        case "Esc": return .escape
        case "Tab": return .tab
        case "S-Tab": return .backTab
        case "BS": return .backspace
        case "Del": return .delete
        case "Up": return .up
        case "Down": return .down
        case "Left": return .left
        case "Right": return .right
        case "Home": return .home
        case "End": return .end
        case "PgUp": return .pageUp
        case "PgDn": return .pageDown
        case "lt": return .character("<")
        case "space": return .character(" ")
        default:
            if name.hasPrefix("C-"), name.count == 3 { return .control(Character(name.dropFirst(2).lowercased())) }
            if name.hasPrefix("A-"), name.count == 3 { return .alt(name.last!) }
            if name.hasPrefix("F"), let n = Int(name.dropFirst()) { return .function(n) }
            return nil
        }
    }
}
