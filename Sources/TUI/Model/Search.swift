import Wire

/// One message that matches a search: where it is and a line of it to show.
public struct SearchHit: Hashable, Sendable {
    public var conversation: RecordID
    /// The conversation's title, for the result line.
    public var title: String
    /// The matching message.
    public var messageID: RecordID
    /// The text around the match, on one line.
    public var snippet: String

    public init(conversation: RecordID, title: String, messageID: RecordID, snippet: String) {
        self.conversation = conversation
        self.title = title
        self.messageID = messageID
        self.snippet = snippet
    }

    /// Up to `width` characters of `text` around the first case-insensitive match of `query`,
    /// whitespace folded to single spaces; nil when it does not match.
    public static func snippet(of text: String, matching query: String, width: Int = 72) -> String? {
        guard let range = text.range(of: query, options: [.caseInsensitive, .diacriticInsensitive]) else { return nil }
        let start = text.index(
            range.lowerBound, offsetBy: -min(24, text.distance(from: text.startIndex, to: range.lowerBound)))
        let slice = text[start...].prefix(width)
        let folded = slice.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return (start > text.startIndex ? "…" : "") + folded + (slice.endIndex < text.endIndex ? "…" : "")
    }
}

/// The search overlay's state: the query being typed, and the results of the last search run.
public struct SearchState: Hashable, Sendable {
    public var query = InputEditor()
    /// The query the results are for; nil before the first search.
    public var resultsQuery: String?
    public var results: [SearchHit] = []
    public var selection = 0

    public init() {}

    /// Whether the results answer the query as typed now.
    public var isCurrent: Bool { resultsQuery == query.text }
}
