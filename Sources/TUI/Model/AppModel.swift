/// Which part of the screen takes the keys.
public enum Focus: Hashable, Sendable { case input, list }

/// What floats over the main screen.
public enum Overlay: Hashable, Sendable {
    case help
    case palette(query: String, selection: Int)
    case confirmDelete(ConversationID)
    case rename(ConversationID, InputEditor)
    case notice(title: String, lines: [String])
    /// Search across every conversation's messages.
    case search(SearchState)
    /// A folder's name and instructions: a new folder, or one being renamed.
    case folderForm(FolderForm)
    /// Where to move a conversation: out of folders, or into one.
    case folderPicker(FolderPicker)
    /// Deleting a folder; its conversations move out of it and stay.
    case confirmDeleteFolder(FolderID)
    /// Pick one message or code block of the open conversation to copy.
    case copy(CopyPicker)
}

/// An answer being streamed.
public struct Streaming: Hashable, Sendable {
    public var conversation: ConversationID
    public var messageID: Int
    public var startTime: Double?
    public var lastTime: Double?
    public var tokens: Int

    /// Tokens per second so far; nil until two tokens have arrived.
    public var tokensPerSecond: Double? {
        guard let start = startTime, let last = lastTime, last > start, tokens > 1 else { return nil }
        return Double(tokens - 1) / (last - start)
    }
}

/// The whole state of the app, a value: `update` changes it, `view` draws it.
public struct AppModel: Hashable, Sendable {
    public var size: Size
    public var focus: Focus = .input
    public var overlay: Overlay?
    public var conversations: [ConversationSummary] = []
    public var folders: [Folder] = []
    public var collapsedFolders: Set<FolderID> = []
    /// The open conversation.
    public var current: ConversationID?
    /// Loaded transcripts by conversation.
    public var transcripts: [ConversationID: [ChatMessage]] = [:]
    public var input = InputEditor()
    /// The list's `/` filter while typing it (nil: no filter).
    public var filter: String?
    /// The highlighted row of the conversation list.
    public var listSelection = 0
    /// Lines scrolled up from the bottom of the chat (0: follow the newest text).
    public var scrollOffset = 0
    /// A message to bring to the top of the chat once its conversation is drawn (a search hit).
    public var scrollTarget: Int?
    /// The message the last search opened, marked in the chat.
    public var searchMark: Int?
    public var streaming: [ConversationID: Streaming] = [:]
    public var status = StatusInfo()
    public var themeName: String
    public var themeNames: [String]
    /// A one-line message over the input (errors, "copied").
    public var banner: String?
    public var quitting = false
    /// The sync generation the shown history reflects (see `SyncSnapshot`).
    public var historyGeneration = 0
    /// Conversations a sync pass changed while their answer streamed: reloaded when it ends.
    public var staleTranscripts: Set<ConversationID> = []
    private(set) var nextMessageID = 1_000_000
    private var nextConversationNumber = 1
    private var nextFolderNumber = 1

    public init(size: Size, themeName: String = "dark", themeNames: [String] = ["dark"]) {
        self.size = size
        self.themeName = themeName
        self.themeNames = themeNames
    }

    /// The messages of the open conversation.
    public var messages: [ChatMessage] {
        guard let current else { return [] }
        return transcripts[current] ?? []
    }

    public var currentSummary: ConversationSummary? {
        conversations.first { $0.id == current }
    }

    mutating func makeMessageID() -> Int {
        nextMessageID += 1
        return nextMessageID
    }

    mutating func makeFolderID() -> FolderID {
        while true {
            let id = FolderID("new-folder-\(nextFolderNumber)")
            nextFolderNumber += 1
            if !folders.contains(where: { $0.id == id }) { return id }
        }
    }

    mutating func makeConversationID() -> ConversationID {
        while true {
            let id = ConversationID("new-\(nextConversationNumber)")
            nextConversationNumber += 1
            if !conversations.contains(where: { $0.id == id }) { return id }
        }
    }
}
