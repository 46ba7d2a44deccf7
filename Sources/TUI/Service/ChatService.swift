/// What the TUI needs from the rest of the client: history, chat and the session's status.
/// The real implementation wraps Core (verification, the encrypted channel, the cache);
/// `InMemoryChatService` stands in for it in tests and the demo.
public protocol ChatService: Sendable {
    /// The conversations and folders, in display order.
    func conversations() async throws -> (conversations: [ConversationSummary], folders: [Folder])
    /// The messages of one conversation.
    func messages(of id: ConversationID) async throws -> [ChatMessage]
    /// Sends the conversation so far and streams the answer's text as it arrives. The
    /// stream finishes after the whole answer and throws when it breaks off. Cancelling
    /// the consuming task stops generation.
    /// - Parameters:
    ///   - messages: the conversation as the screen shows it, ending with the prompt to answer.
    ///   - instructions: the folder's custom instructions, sent as the system prompt.
    ///   - regenerating: the last prompt is already stored and its answer is to be replaced;
    ///     else the last message is a new prompt to store.
    func send(
        _ messages: [ChatMessage], in id: ConversationID, instructions: String, regenerating: Bool
    ) -> AsyncThrowingStream<String, any Error>
    /// Stores a conversation's title, folder and pin.
    func save(_ summary: ConversationSummary) async throws
    /// Stores a folder's name and instructions.
    func saveFolder(_ folder: Folder) async throws
    /// Deletes a conversation and its history.
    func delete(_ id: ConversationID) async throws
    /// Deletes a folder. Its conversations stay; any still naming it are listed without a folder.
    func deleteFolder(_ id: FolderID) async throws
    /// Lock state, server, attestation verdict, model and sync state.
    func status() async -> StatusInfo
    /// Messages of any conversation containing `query` (case-insensitive), newest
    /// conversations first, at most `limit`.
    func search(_ query: String, limit: Int) async throws -> [SearchHit]
    /// Writes one conversation as Markdown (decrypted, readable only by the user) and returns
    /// where it went.
    func exportMarkdown(_ id: ConversationID) async throws -> String
    /// How sync is doing, asked every second: no network, no decryption.
    func syncSnapshot() async -> SyncSnapshot
}

extension ChatService {
    /// Sends a new prompt (the last of `messages`).
    public func send(
        _ messages: [ChatMessage], in id: ConversationID, instructions: String
    ) -> AsyncThrowingStream<String, any Error> {
        send(messages, in: id, instructions: instructions, regenerating: false)
    }

    /// A service without sync: idle, nothing ever arrives.
    public func syncSnapshot() async -> SyncSnapshot { SyncSnapshot(state: .idle, generation: 0) }
}
