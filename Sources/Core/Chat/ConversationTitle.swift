/// The provisional title of a conversation: the first words of its first prompt.
public enum ConversationTitle {
    /// Most words and characters kept.
    public static let maximumWords = 8
    public static let maximumCharacters = 60

    /// The prompt's first line, whitespace collapsed, cut at a word boundary with "…".
    public static func from(prompt: String) -> String {
        let firstLine = prompt.split(whereSeparator: \.isNewline).first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        let words = firstLine.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return "New conversation" }
        var title = ""
        var cut = false
        for (index, word) in words.enumerated() {
            if index == maximumWords {
                cut = true
                break
            }
            let candidate = title.isEmpty ? String(word) : title + " " + word
            if candidate.count > maximumCharacters {
                if title.isEmpty { title = String(candidate.prefix(maximumCharacters)) }
                cut = true
                break
            }
            title = candidate
        }
        return cut ? title + "…" : title
    }
}
