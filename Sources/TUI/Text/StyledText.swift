/// A run of text in one role and set of attributes.
public struct Span: Hashable, Sendable {
    public var text: String
    public var role: Role
    public var attributes: TextAttributes

    public init(_ text: String, role: Role = .text, attributes: TextAttributes = []) {
        self.text = text
        self.role = role
        self.attributes = attributes
    }
}

/// One screen line of styled text.
public struct StyledLine: Hashable, Sendable {
    public var spans: [Span]
    /// The role of the cells after the text (a code block's background runs to the edge).
    public var fillRole: Role?

    public init(_ spans: [Span] = [], fillRole: Role? = nil) {
        self.spans = spans
        self.fillRole = fillRole
    }

    public init(_ text: String, role: Role = .text, attributes: TextAttributes = []) {
        self.init([Span(text, role: role, attributes: attributes)])
    }

    /// The line's text without styles.
    public var plainText: String { spans.map(\.text).joined() }

    /// Columns the line takes.
    public var width: Int { spans.reduce(0) { $0 + DisplayWidth.of($1.text) } }
}
