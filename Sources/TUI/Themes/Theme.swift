/// A named set of styles, one per role. Roles a theme leaves out look like `text`.
public struct Theme: Hashable, Sendable {
    public var name: String
    public var styles: [Role: Style]

    public init(name: String, styles: [Role: Style]) {
        self.name = name
        self.styles = styles
    }

    /// The style of `role` with a cell's own attributes (bold from Markdown, the cursor's
    /// reverse) added, reduced to `depth`.
    public func style(for role: Role, attributes: TextAttributes = [], depth: ColorDepth) -> Style {
        var style = styles[role] ?? styles[.text] ?? Style()
        style.attributes.formUnion(attributes)
        guard depth != .none else {
            // Without colour, meaning rides on attributes alone (NO_COLOR, vt100).
            var plain = Style(attributes: style.attributes.subtracting(.reverse).union(attributes))
            plain.attributes.formUnion(Self.monochromeAttributes[role] ?? [])
            if attributes.contains(.reverse) { plain.attributes.insert(.reverse) }
            return plain
        }
        style.foreground = style.foreground.reduced(to: depth)
        style.background = style.background.reduced(to: depth)
        // Two close shades can fall on one colour at a lower depth; a selection must stay visible.
        if let base = Self.selectionBase[role],
            style.background == (styles[base] ?? styles[.text] ?? Style()).background.reduced(to: depth)
        {
            style.attributes.insert(.reverse)
        }
        return style
    }

    static let selectionBase: [Role: Role] = [.sidebarSelected: .sidebar, .overlaySelected: .overlay]

    /// What stands in for colour when there is none.
    static let monochromeAttributes: [Role: TextAttributes] = [
        .sidebarSelected: .reverse, .overlaySelected: .reverse, .status: .reverse, .statusGood: .reverse,
        .statusWarning: [.reverse, .bold], .statusError: [.reverse, .bold], .heading: .bold,
        .inlineCode: .underline, .codeKeyword: .bold, .error: .bold, .muted: .dim,
    ]

    /// Every role a shipped theme must define.
    public var missingRoles: [Role] { Role.allCases.filter { styles[$0] == nil } }
}
