import Wire

/// A conversation named on the command line: its whole id, or (as git takes a commit's) a
/// prefix of it that no other conversation shares.
public enum ConversationLookup {
    /// The shortest prefix taken, as git's.
    public static let minimumPrefix = 4
    /// How many matching ids an ambiguous prefix's error lists.
    static let listed = 10

    /// The one id of `ids` that `text` names.
    /// - Throws: `CacheError` `.invalidID` when `text` is not 4 to 32 hex digits, `.notFound`
    ///   when no id starts with it, `.ambiguousID` (naming the matching ids) when several do.
    public static func resolve(_ text: String, among ids: [RecordID]) throws -> RecordID {
        let prefix = text.lowercased()
        guard (minimumPrefix...32).contains(prefix.count), prefix.allSatisfy(\.isHexDigit) else {
            throw CacheError(
                .invalidID,
                "\(text) is not a conversation id (\(minimumPrefix) to 32 hex digits of one); `sotto history` lists them"
            )
        }
        let matches = ids.filter { $0.description.hasPrefix(prefix) }
        switch matches.count {
        case 1:
            return matches[0]
        case 0:
            throw CacheError(
                .notFound, "no conversation id starts with \(prefix) on this device; `sotto history` lists them")
        default:
            let shown = matches.prefix(listed).map(\.description).joined(separator: ", ")
            let more = matches.count > listed ? " and \(matches.count - listed) more" : ""
            throw CacheError(
                .ambiguousID,
                "\(prefix) starts \(matches.count) conversation ids: \(shown)\(more); give more of the id")
        }
    }
}

extension HistoryStore {
    /// The conversation `text` names (its id or a unique prefix; `ConversationLookup`).
    public func conversationID(named text: String) throws -> RecordID {
        try ConversationLookup.resolve(text, among: conversationList.map(\.id))
    }
}
