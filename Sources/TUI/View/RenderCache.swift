import Wire

/// Wrapped lines per message and width, so a frame wraps only what changed — what keeps a
/// 10,000-message conversation fast. Owned by the UI thread; `view` stays a function of the
/// model (the cache only memoises it).
public final class RenderCache {
    struct Key: Hashable {
        var conversation: RecordID?
        var message: RecordID
    }

    struct Entry {
        var textLength: Int
        var interrupted: Bool
        /// The version shown, how many there are (the label names them), and whether the
        /// length-stop note is under it.
        var version: [Int]
        var width: Int
        var lines: [StyledLine]
    }

    private var entries: [Key: Entry] = [:]
    /// How many messages were wrapped (not served from the cache) since creation; for tests.
    public private(set) var wrapCount = 0

    public init() {}

    func lines(
        for message: ChatMessage, in conversation: RecordID?, width: Int,
        render: (ChatMessage, Int) -> [StyledLine]
    ) -> [StyledLine] {
        let key = Key(conversation: conversation, message: message.id)
        let length = message.text.utf8.count
        let version = [message.versionNumber, message.versionCount, message.stoppedAtLength ? 1 : 0]
        if let entry = entries[key], entry.textLength == length, entry.interrupted == message.interrupted,
            entry.version == version, entry.width == width
        {
            return entry.lines
        }
        wrapCount += 1
        let lines = render(message, width)
        entries[key] = Entry(
            textLength: length, interrupted: message.interrupted, version: version, width: width, lines: lines)
        if entries.count > 50_000 { entries.removeAll(keepingCapacity: true) }
        return lines
    }
}
