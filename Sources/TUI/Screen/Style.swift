/// A colour as a theme names it; the backend reduces it to what the terminal can show.
public enum Color: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// One of the 256 indexed colours (0–7 the basic eight, 8–15 their bright forms).
    case indexed(UInt8)
    /// A 24-bit colour.
    case rgb(UInt8, UInt8, UInt8)
}

/// Bold, italic and the other attributes a cell can carry.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let italic = TextAttributes(rawValue: 1 << 1)
    public static let underline = TextAttributes(rawValue: 1 << 2)
    public static let reverse = TextAttributes(rawValue: 1 << 3)
    public static let dim = TextAttributes(rawValue: 1 << 4)
}

/// What a cell looks like once its role is resolved through a theme.
public struct Style: Hashable, Sendable {
    public var foreground: Color
    public var background: Color
    public var attributes: TextAttributes

    public init(
        foreground: Color = .terminalDefault, background: Color = .terminalDefault, attributes: TextAttributes = []
    ) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }
}

/// The job a piece of text does on screen. Views speak in roles; a theme gives each role
/// its colours, so switching themes re-colours without re-rendering.
public enum Role: String, CaseIterable, Hashable, Sendable {
    case text
    case muted
    case border
    case sidebar
    case sidebarSelected = "sidebar_selected"
    case sidebarFolder = "sidebar_folder"
    case marker
    case userLabel = "user_label"
    case assistantLabel = "assistant_label"
    case heading
    case inlineCode = "inline_code"
    case codeBlock = "code_block"
    case codeKeyword = "code_keyword"
    case codeString = "code_string"
    case codeComment = "code_comment"
    case quote
    case listBullet = "list_bullet"
    case input
    case inputPlaceholder = "input_placeholder"
    case status
    case statusGood = "status_good"
    case statusWarning = "status_warning"
    case statusError = "status_error"
    case overlay
    case overlayTitle = "overlay_title"
    case overlaySelected = "overlay_selected"
    case error

    /// One letter per role, for the style view of a test snapshot.
    public var letter: Character {
        switch self {
        case .text: "."
        case .muted: "m"
        case .border: "|"
        case .sidebar: "s"
        case .sidebarSelected: "S"
        case .sidebarFolder: "F"
        case .marker: "*"
        case .userLabel: "U"
        case .assistantLabel: "A"
        case .heading: "H"
        case .inlineCode: "c"
        case .codeBlock: "C"
        case .codeKeyword: "K"
        case .codeString: "\""
        case .codeComment: "#"
        case .quote: ">"
        case .listBullet: "-"
        case .input: "i"
        case .inputPlaceholder: "p"
        case .status: "b"
        case .statusGood: "g"
        case .statusWarning: "w"
        case .statusError: "e"
        case .overlay: "o"
        case .overlayTitle: "O"
        case .overlaySelected: "@"
        case .error: "E"
        }
    }
}
