import Wire

/// What the conversation list shows of a conversation.
public struct ConversationSummary: Hashable, Sendable, Identifiable {
    public var id: RecordID
    /// Empty until the conversation has a title (a new one takes its first prompt's words).
    public var title: String
    public var folder: RecordID?
    public var pinned: Bool
    /// An answer arrived that the user has not looked at.
    public var unread: Bool

    public init(id: RecordID, title: String = "", folder: RecordID? = nil, pinned: Bool = false, unread: Bool = false) {
        self.id = id
        self.title = title
        self.folder = folder
        self.pinned = pinned
        self.unread = unread
    }

    /// The title as the screen shows it.
    public var shownTitle: String { title.isEmpty ? "New conversation" : title }
}

/// A folder: a name and the instructions sent as the system prompt of its conversations.
public struct Folder: Hashable, Sendable, Identifiable {
    public var id: RecordID
    public var name: String
    public var instructions: String

    public init(id: RecordID, name: String, instructions: String = "") {
        self.id = id
        self.name = name
        self.instructions = instructions
    }
}

/// One message of a conversation, under its record's id (chosen here for what the screen sends).
public struct ChatMessage: Hashable, Sendable, Identifiable {
    public var id: RecordID
    public var role: MessageRole
    public var text: String
    /// The answer stopped before its end (connection lost, or stopped by the user).
    public var interrupted: Bool
    /// The model stopped the answer at the length limit; Ctrl-R continues it.
    public var stoppedAtLength = false
    /// A regenerated answer's other versions (`AnswerVersions`), oldest first: those before
    /// the one shown, and those after it. Empty for an answer never regenerated.
    public var earlier: [ChatMessage]
    public var later: [ChatMessage]

    public init(
        id: RecordID, role: MessageRole, text: String, interrupted: Bool = false, earlier: [ChatMessage] = [],
        later: [ChatMessage] = []
    ) {
        self.id = id
        self.role = role
        self.text = text
        self.interrupted = interrupted
        self.earlier = earlier
        self.later = later
    }

    /// How many versions the answer has (1 for one never regenerated).
    public var versionCount: Int { earlier.count + 1 + later.count }
    /// Which version is shown, from 1.
    public var versionNumber: Int { earlier.count + 1 }

    /// This version alone, without the others.
    var alone: ChatMessage {
        var message = ChatMessage(id: id, role: role, text: text, interrupted: interrupted)
        message.stoppedAtLength = stoppedAtLength
        return message
    }

    /// Every version, oldest first (this one without the others).
    public var versions: [ChatMessage] { earlier + [alone] + later }

    /// The same answer showing the version `delta` steps later (earlier when negative),
    /// stopping at the first and the last.
    public func showing(by delta: Int) -> ChatMessage {
        let all = versions
        let index = min(max(0, earlier.count + delta), all.count - 1)
        var shown = all[index]
        shown.earlier = Array(all[..<index])
        shown.later = Array(all[(index + 1)...])
        return shown
    }
}
