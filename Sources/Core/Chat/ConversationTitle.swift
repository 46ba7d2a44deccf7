/// The provisional title of a conversation: the first words of its first prompt.
public enum ConversationTitle {
    /// Most words and characters kept.
    public static let maximumWords = 8
    public static let maximumCharacters = 60

    /// The prompt's first line, whitespace collapsed, cut at a word boundary. No "…" is added:
    /// the title is stored and edited as it is, and views mark what they cut.
    public static func from(prompt: String) -> String {
        let firstLine = prompt.split(whereSeparator: \.isNewline).first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        let words = firstLine.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return "New conversation" }
        var title = ""
        for word in words.prefix(maximumWords) {
            let candidate = title.isEmpty ? String(word) : title + " " + word
            if candidate.count > maximumCharacters {
                if title.isEmpty { title = String(candidate.prefix(maximumCharacters)) }
                break
            }
            title = candidate
        }
        return title
    }
}
