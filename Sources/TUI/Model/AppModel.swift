import Wire

/// Which part of the screen takes the keys.
public enum Focus: Hashable, Sendable { case input, list }

/// What floats over the main screen.
public enum Overlay: Hashable, Sendable {
    case help
    case palette(query: String, selection: Int)
    case confirmDelete(RecordID)
    case rename(RecordID, InputEditor)
    case notice(title: String, lines: [String])
    /// Search across every conversation's messages.
    case search(SearchState)
    /// A folder's name and instructions: a new folder, or one being renamed.
    case folderForm(FolderForm)
    /// Where to move a conversation: out of folders, or into one.
    case folderPicker(FolderPicker)
    /// Deleting a folder; its conversations move out of it and stay.
    case confirmDeleteFolder(RecordID)
    /// Pick one message or code block of the open conversation to copy.
    case copy(CopyPicker)
}

/// An answer being streamed.
public struct Streaming: Hashable, Sendable {
    public var conversation: RecordID
    public var messageID: RecordID
    public var startTime: Double?
    public var lastTime: Double?
    public var tokens: Int
    /// While the model reads a long prompt: how much of it (before the first token).
    public var reading: Reading? = nil

    /// How much of the prompt the model has read.
    public struct Reading: Hashable, Sendable {
        public var read: Int
        public var total: Int
    }

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
    public var collapsedFolders: Set<RecordID> = []
    /// The open conversation.
    public var current: RecordID?
    /// Loaded transcripts by conversation.
    public var transcripts: [RecordID: [ChatMessage]] = [:]
    public var input = InputEditor()
    /// The list's `/` filter while typing it (nil: no filter).
    public var filter: String?
    /// The highlighted row of the conversation list.
    public var listSelection = 0
    /// Lines scrolled up from the bottom of the chat (0: follow the newest text).
    public var scrollOffset = 0
    /// A message to bring to the top of the chat once its conversation is drawn (a search hit).
    public var scrollTarget: RecordID?
    /// The message the last search opened, marked in the chat.
    public var searchMark: RecordID?
    public var streaming: [RecordID: Streaming] = [:]
    public var status = StatusInfo()
    public var themeName: String
    public var themeNames: [String]
    /// A one-line message over the input (errors, "copied").
    public var banner: String?
    public var quitting = false
    /// The sync generation the shown history reflects (see `SyncSnapshot`).
    public var historyGeneration = 0
    /// Conversations a sync pass changed while their answer streamed: reloaded when it ends.
    public var staleTranscripts: Set<RecordID> = []

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
}
