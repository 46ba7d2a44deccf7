import Core
import TOMLKit

/// A theme file that cannot be used. The message names the file, the place and the fix.
public struct ThemeError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A theme file is not valid TOML.
        case syntax = "SOTTO-THEME-SYNTAX"
        /// A theme file names an unknown colour, attribute or element.
        case invalid = "SOTTO-THEME-INVALID"
        /// A theme file cannot be read.
        case unreadable = "SOTTO-THEME-UNREADABLE"
    }

    public let code: Code
    public let source: String
    public let problem: String

    public var description: String { "\(code.rawValue): theme \(source): \(problem)" }
}

/// Reads theme files (TOML). Format, by example in `themes/dark.toml`:
/// `name`, an optional `[palette]` of named colours, and `[roles]` mapping each role to
/// `{ fg, bg, bold, italic, underline, reverse, dim }`.
public enum ThemeLoader {
    /// Parses a theme from TOML text.
    /// - Parameters:
    ///   - source: the file name, for messages.
    ///   - fallbackName: the name when the file gives none (its file name without `.toml`).
    /// - Throws: `ThemeError`.
    public static func parse(_ text: String, source: String, fallbackName: String? = nil) throws -> Theme {
        if let line = TOMLHeaderCheck.lineOfHeaderWithoutKey(in: text) {
            throw ThemeError(code: .syntax, source: source, problem: TOMLHeaderCheck.problem(line: line))
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ThemeError(
                code: .syntax, source: source, problem: "line \(error.source.begin.line): \(error.description)")
        } catch {
            throw ThemeError(code: .syntax, source: source, problem: "not valid TOML")
        }
        func invalid(_ problem: String) -> ThemeError { ThemeError(code: .invalid, source: source, problem: problem) }

        var name = fallbackName ?? source
        if let value = table["name"] {
            guard let string = value.string, !string.isEmpty else { throw invalid("`name` must be a non-empty string") }
            name = string
        }
        var palette: [String: Color] = [:]
        if let value = table["palette"] {
            guard let paletteTable = value.table else { throw invalid("`palette` must be a table of colours") }
            for key in paletteTable.keys {
                guard
                    let color = try paletteTable[key].map({
                        try parseColor($0, palette: [:], where: "palette.\(key)", source: source)
                    })
                else { continue }
                palette[key] = color
            }
        }
        guard let rolesValue = table["roles"], let roles = rolesValue.table else {
            throw invalid("a `[roles]` table is required, e.g. text = { fg = \"#d0d4dc\" }")
        }
        var styles: [Role: Style] = [:]
        for key in roles.keys {
            guard let role = Role(rawValue: key) else {
                let known = Role.allCases.map(\.rawValue).joined(separator: ", ")
                throw invalid("unknown role `\(key)`; the roles are: \(known)")
            }
            guard let entry = roles[key]?.table else {
                throw invalid("`roles.\(key)` must be a table such as { fg = \"red\", bold = true }")
            }
            var style = Style()
            for field in entry.keys {
                let value = entry[field]!
                let place = "roles.\(key).\(field)"
                switch field {
                case "fg": style.foreground = try parseColor(value, palette: palette, where: place, source: source)
                case "bg": style.background = try parseColor(value, palette: palette, where: place, source: source)
                case "bold", "italic", "underline", "reverse", "dim":
                    guard let flag = value.bool else { throw invalid("`\(place)` must be true or false") }
                    let attribute: TextAttributes =
                        switch field {
                        case "bold": .bold
                        case "italic": .italic
                        case "underline": .underline
                        case "reverse": .reverse
                        default: .dim
                        }
                    if flag { style.attributes.insert(attribute) }
                default:
                    throw invalid("unknown field `\(place)`; use fg, bg, bold, italic, underline, reverse, dim")
                }
            }
            styles[role] = style
        }
        guard styles[.text] != nil else { throw invalid("`roles.text` is required: the style of ordinary text") }
        return Theme(name: name, styles: styles)
    }

    static let namedColors: [String: UInt8] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "bright-black": 8, "bright-red": 9, "bright-green": 10, "bright-yellow": 11, "bright-blue": 12,
        "bright-magenta": 13, "bright-cyan": 14, "bright-white": 15,
    ]

    static func parseColor(
        _ value: any TOMLValueConvertible, palette: [String: Color], where place: String, source: String
    ) throws -> Color {
        let hint = "use \"#rrggbb\", 0–255, a colour name such as \"bright-blue\", a [palette] name, or \"default\""
        if let index = value.int {
            guard (0...255).contains(index) else {
                throw ThemeError(
                    code: .invalid, source: source,
                    problem: "`\(place)`: colour index \(index) is out of range; \(hint)")
            }
            return .indexed(UInt8(index))
        }
        guard let string = value.string else {
            throw ThemeError(code: .invalid, source: source, problem: "`\(place)` is not a colour; \(hint)")
        }
        if string == "default" { return .terminalDefault }
        // The theme's own palette first: a theme may name its shade of "green" after the basic colour.
        if let color = palette[string] { return color }
        if let named = namedColors[string] { return .indexed(named) }
        if string.hasPrefix("#"), string.count == 7, let value = UInt32(string.dropFirst(), radix: 16) {
            return .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
        }
        throw ThemeError(
            code: .invalid, source: source, problem: "`\(place)`: `\(string)` is not a colour; \(hint)")
    }
}
