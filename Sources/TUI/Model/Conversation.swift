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

    public init(id: RecordID, role: MessageRole, text: String, interrupted: Bool = false) {
        self.id = id
        self.role = role
        self.text = text
        self.interrupted = interrupted
    }
}
