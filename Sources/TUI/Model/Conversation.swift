/// Identifies a conversation. Opaque to the TUI: the history store chooses the values.
public struct ConversationID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
}

/// Identifies a folder of conversations.
public struct FolderID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// What the conversation list shows of a conversation.
public struct ConversationSummary: Hashable, Sendable, Identifiable {
    public var id: ConversationID
    public var title: String
    public var folder: FolderID?
    public var pinned: Bool
    /// An answer arrived that the user has not looked at.
    public var unread: Bool

    public init(id: ConversationID, title: String, folder: FolderID? = nil, pinned: Bool = false, unread: Bool = false)
    {
        self.id = id
        self.title = title
        self.folder = folder
        self.pinned = pinned
        self.unread = unread
    }
}

/// A folder: a name and the instructions sent as the system prompt of its conversations.
public struct Folder: Hashable, Sendable, Identifiable {
    public var id: FolderID
    public var name: String
    public var instructions: String

    public init(id: FolderID, name: String, instructions: String = "") {
        self.id = id
        self.name = name
        self.instructions = instructions
    }
}

/// Who wrote a message.
public enum MessageRole: String, Hashable, Sendable {
    case user, assistant, system
}

/// One message of a conversation.
public struct ChatMessage: Hashable, Sendable, Identifiable {
    public var id: Int
    public var role: MessageRole
    public var text: String
    /// The answer stopped before its end (connection lost, or stopped by the user).
    public var interrupted: Bool

    public init(id: Int, role: MessageRole, text: String, interrupted: Bool = false) {
        self.id = id
        self.role = role
        self.text = text
        self.interrupted = interrupted
    }
}
