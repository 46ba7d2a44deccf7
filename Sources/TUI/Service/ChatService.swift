import Core
import Wire

/// What the TUI needs from the rest of the client: history, chat and the session's status.
/// The real implementation wraps Core (verification, the encrypted channel, the cache);
/// `InMemoryChatService` stands in for it in tests and the demo.
public protocol ChatService: Sendable {
    /// The conversations and folders, in display order.
    func conversations() async throws -> (conversations: [ConversationSummary], folders: [Folder])
    /// The messages of one conversation.
    func messages(of id: RecordID) async throws -> [ChatMessage]
    /// Runs one chat turn (stores its prompt, or finds the one to answer again) and returns
    /// the answer's events as the channel delivers them: the stream ends after `end` and throws
    /// when it breaks off. Cancelling the consuming task stops generation.
    func send(_ turn: ChatTurn) async throws -> any AsyncSequence<ChatEvent, any Error>
    /// Stores a conversation's title, folder and pin.
    func save(_ summary: ConversationSummary) async throws
    /// Stores a folder's name and instructions.
    func saveFolder(_ folder: Folder) async throws
    /// Deletes a conversation and its history.
    func delete(_ id: RecordID) async throws
    /// Deletes a folder. Its conversations stay; any still naming it are listed without a folder.
    func deleteFolder(_ id: RecordID) async throws
    /// Lock state, server, attestation verdict, model and sync state.
    func status() async -> StatusInfo
    /// Messages of any conversation containing `query` (case-insensitive), newest
    /// conversations first, at most `limit`.
    func search(_ query: String, limit: Int) async throws -> [SearchHit]
    /// Writes one conversation as Markdown (decrypted, readable only by the user) and returns
    /// where it went. A regenerated answer is written as the version shown (`shown` names the
    /// earlier versions on screen), with its others as alternatives.
    func exportMarkdown(_ id: RecordID, showing shown: Set<RecordID>) async throws -> String
    /// How sync is doing, asked every second: no network, no decryption.
    func syncSnapshot() async -> SyncSnapshot
}

extension ChatService {
    /// A service without sync: idle, nothing ever arrives.
    public func syncSnapshot() async -> SyncSnapshot { SyncSnapshot(state: .idle, generation: 0) }
}
