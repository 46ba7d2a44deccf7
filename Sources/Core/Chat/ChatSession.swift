import Foundation
import Wire

/// An unlocked account's conversations: the decrypted history, the chat turn that answers in
/// them, and background sync. Every exchange is committed to the encrypted cache before it
/// shows, then pushed when the server is reachable. The one owner of its `HistoryStore`.
public actor ChatSession {
    /// What sync is doing, for the status bar.
    public enum SyncStatus: Sendable, Hashable {
        /// No server account (local history only).
        case disabled
        case idle
        case syncing
        case synced(Date)
        /// The last attempt failed; another follows after a backoff.
        case offline(code: String)
    }

    let history: HistoryStore
    let sender: any ChatSender
    let sync: SyncEngine?
    private var backoff = Backoff()
    private var syncTask: Task<Void, Never>?
    private var syncAgain = false
    /// The sync state as last seen.
    public private(set) var syncStatus: SyncStatus
    /// Counts the sync passes that changed the history here (another device's changes
    /// pulled), so a screen knows when to reload what it shows.
    public private(set) var historyGeneration = 0
    /// What the server did this session that no device of the account did: unsealed
    /// deletions and old copies seen by any pass, records withheld as of the last pass.
    public private(set) var syncIntegrity = SyncIntegrity()
    /// When the last sync pass ended (successfully or not).
    private var lastSyncEnded: ContinuousClock.Instant?
    /// The last sync failed in a way retrying does not mend (an expired session): idle pulls
    /// stop until a sync succeeds.
    private var stoppedOnError = false

    /// - Parameter sync: the engine to push and pull with, or nil for history kept on this
    ///   device only.
    public init(history: sending HistoryStore, sender: any ChatSender, sync: SyncEngine?) {
        self.history = history
        self.sender = sender
        self.sync = sync
        syncStatus = sync == nil ? .disabled : .idle
    }

    /// Conversations, most recently updated first.
    public func conversations() -> [(id: RecordID, record: ConversationRecord)] { history.conversationList }

    /// Folders in their order.
    public func folders() -> [(id: RecordID, record: FolderRecord)] { history.folderList }

    /// Messages per conversation, counted without decrypting.
    public func messageCounts() throws -> [RecordID: Int] { try history.messageCounts() }

    /// One conversation as it stands, decrypted on first use: an answer replaced by a
    /// regeneration is left out (it stays in the history, as messages never change).
    public func messages(in id: RecordID) throws -> [(id: RecordID, record: MessageRecord)] {
        let all = try history.messages(in: id)
        let replaced = Set(all.compactMap(\.record.regenerationParent))
        return replaced.isEmpty ? all : all.filter { !replaced.contains($0.id) }
    }

    /// A message that contains a searched text.
    public struct Match: Sendable, Hashable {
        public var conversation: RecordID
        public var title: String
        /// The message's position in its conversation (0 first).
        public var index: Int
        public var text: String
    }

    /// Messages containing `query` (case and diacritics ignored), conversations most recently
    /// updated first, at most `limit`. Decrypts each conversation's messages once, then
    /// searches them in memory; nothing leaves the device.
    public func search(_ query: String, limit: Int) throws -> [Match] {
        let needle = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !needle.isEmpty, limit > 0 else { return [] }
        var matches: [Match] = []
        for (id, conversation) in history.conversationList {
            for (index, message) in try messages(in: id).enumerated()
            where message.record.content.range(of: needle, options: [.caseInsensitive, .diacriticInsensitive]) != nil {
                matches.append(
                    Match(conversation: id, title: conversation.title, index: index, text: message.record.content))
                if matches.count == limit { return matches }
            }
        }
        return matches
    }

    /// One conversation as Markdown (decrypted; the caller decides where it goes).
    public func markdown(of id: RecordID) throws -> String {
        try HistoryExport(history: history, conversation: id).markdown()
    }

    /// One conversation's record.
    public func conversation(_ id: RecordID) -> ConversationRecord? { history.conversations[id] }

    /// Records skipped as unreadable since unlock.
    public func corruptRecords() -> [CorruptRecord] { history.corrupt }

    /// Starts a conversation titled after its first prompt.
    public func startConversation(
        id: RecordID = .random(), firstPrompt: String, folder: RecordID? = nil,
        settings: ModelSettings = ModelSettings(),
        now: Date = Date()
    ) throws -> RecordID {
        try history.save(
            conversation: ConversationRecord(
                title: ConversationTitle.from(prompt: firstPrompt), folderID: folder, modelSettings: settings,
                createdAt: now, updatedAt: now, clock: history.tick()),
            id: id)
        scheduleSync()
        return id
    }

    /// Changes a conversation's metadata (title, folder, pin, archive).
    public func updateConversation(_ id: RecordID, _ change: @Sendable (inout ConversationRecord) -> Void) throws {
        guard var record = history.conversations[id] else {
            throw CacheError(.notFound, "conversation \(id) is not in this history")
        }
        change(&record)
        try history.save(conversation: record, id: id)
        scheduleSync()
    }

    /// Saves a folder.
    public func saveFolder(_ folder: FolderRecord, id: RecordID) throws {
        try history.save(folder: folder, id: id)
        scheduleSync()
    }

    /// Creates or renames a folder and sets its instructions; a new folder goes last.
    public func saveFolder(name: String, instructions: String, id: RecordID) throws {
        var record =
            history.folders[id]
            ?? FolderRecord(
                name: name, order: .between(history.folderList.last?.record.order, nil), clock: history.tick())
        record.name = name
        record.customInstructions = instructions
        try saveFolder(record, id: id)
    }

    /// Deletes a conversation and its messages, here and, at the next sync, everywhere.
    public func deleteConversation(_ id: RecordID) throws {
        try history.delete(conversation: id)
        scheduleSync()
    }

    /// Deletes a folder, here and, at the next sync, everywhere. Its conversations are kept;
    /// one still naming it reads as outside any folder.
    public func deleteFolder(_ id: RecordID) throws {
        try history.delete(folder: id)
        scheduleSync()
    }

    /// Adds a message written here (the user's prompt) and touches the conversation.
    /// - Parameter replacing: the answer this one regenerates, if any.
    /// - Parameter interrupted: an answer that broke off before it ended.
    @discardableResult
    public func append(
        _ role: MessageRole, _ text: String, to id: RecordID, replacing: RecordID? = nil, interrupted: Bool = false,
        now: Date = Date()
    ) throws -> RecordID {
        let messageID = try history.append(
            message: MessageRecord(
                conversationID: id, role: role, content: text, time: now, regenerationParent: replacing,
                interrupted: interrupted, clock: history.tick()))
        if var record = history.conversations[id] {
            record.updatedAt = now
            try history.save(conversation: record, id: id)
        }
        scheduleSync()
        return messageID
    }

    /// Asks the server to answer conversation `id` as it stands, streaming the events. The
    /// complete answer is saved as an assistant message when `end` arrives; an answer that
    /// breaks off (the caller stopped it, the connection dropped, or an error event came) is
    /// saved as far as it got, marked interrupted, so it is still there after a restart and a
    /// regeneration replaces it.
    /// - Parameter instructions: the folder's custom instructions, sent as the system prompt.
    /// - Parameter count: answer after only the first `count` messages (a regeneration: the
    ///   message at `count`, an answer, is replaced by the new one).
    public func answer(
        in id: RecordID, instructions: String = "", maxTokens: Int? = nil, after count: Int? = nil
    ) throws -> AsyncThrowingStream<ChatEvent, any Error> {
        guard let conversation = history.conversations[id] else {
            throw CacheError(.notFound, "conversation \(id) is not in this history")
        }
        var current = try messages(in: id)
        var replacing: RecordID?
        if let count, count < current.count {
            if current[count].record.role == .assistant { replacing = current[count].id }
            current = Array(current.prefix(count))
        }
        var turns: [ChatRequest.Message] = []
        let system = [instructions, conversation.modelSettings.systemPrompt ?? ""].filter { !$0.isEmpty }
            .joined(separator: "\n\n")
        if !system.isEmpty { turns.append(.init(role: .system, content: system)) }
        for (_, message) in current {
            let role: ChatRequest.Role =
                switch message.role {
                case .user: .user
                case .assistant: .assistant
                case .system: .system
                }
            turns.append(.init(role: role, content: message.content))
        }
        let request = ChatRequest(
            messages: turns, maxTokens: maxTokens,
            sampling: conversation.modelSettings.temperature.map { ChatRequest.Sampling(temperature: $0) })
        let events = sender.events(for: request)
        return AsyncThrowingStream { continuation in
            let task = Task {
                var text = ""
                var failed = false
                var saved = false
                // Whatever arrived before the answer broke off (a stop ends the stream early,
                // without an error) is part of the conversation.
                func keepInterrupted() {
                    guard !saved, !text.isEmpty else { return }
                    saved = true
                    _ = try? self.append(.assistant, text, to: id, replacing: replacing, interrupted: true)
                }
                do {
                    for try await event in events {
                        switch event {
                        case .token(let piece): text += piece
                        case .error: failed = true
                        case .end where !failed && !text.isEmpty:
                            saved = true
                            try self.append(.assistant, text, to: id, replacing: replacing)
                        default: break
                        }
                        continuation.yield(event)
                    }
                    keepInterrupted()
                    continuation.finish()
                } catch {
                    keepInterrupted()
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Syncs now and waits for the pass to end.
    @discardableResult
    public func syncNow() async throws -> SyncReport? {
        guard let sync else { return nil }
        syncStatus = .syncing
        do {
            let report = try await sync.sync(history)
            lastSyncEnded = .now
            stoppedOnError = false
            backoff.succeeded()
            syncStatus = .synced(Date())
            syncIntegrity.record(report.integrity)
            if report.changed > 0 { historyGeneration += 1 }
            return report
        } catch {
            lastSyncEnded = .now
            syncStatus = .offline(code: (error as? SyncError)?.code.rawValue ?? "SOTTO-SYNC-UNAVAILABLE")
            throw error
        }
    }

    /// Starts a background sync when none ran for `interval`, so an idle screen still receives
    /// other devices' changes. Nothing happens without a server account, while a sync runs or
    /// waits out its backoff, or before the first sync after opening has ended.
    public func syncIfDue(every interval: Duration) {
        guard sync != nil, syncTask == nil, !stoppedOnError, let ended = lastSyncEnded,
            ContinuousClock.now - ended >= interval
        else { return }
        scheduleSync()
    }

    /// Runs a sync in the background soon, once at a time, retrying with backoff on failure.
    public func scheduleSync() {
        guard sync != nil else { return }
        guard syncTask == nil else {
            syncAgain = true
            return
        }
        syncTask = Task { await self.backgroundSync() }
    }

    /// Waits for the background sync, if one runs (tests, and before quitting).
    public func waitForBackgroundSync() async { await syncTask?.value }

    private func backgroundSync() async {
        while true {
            syncAgain = false
            do {
                try await syncNow()
                if !syncAgain { break }
            } catch {
                if let error = error as? SyncError, !error.code.isTransient {
                    stoppedOnError = true
                    break
                }
                let delay = backoff.failed()
                try? await Task.sleep(for: .seconds(delay))
                if Task.isCancelled { break }
            }
        }
        syncTask = nil
    }

    /// Gives a sync pass under way up to `limit` to finish (so what was just said reaches the
    /// server before the app quits), then stops background work. A sync waiting out a backoff
    /// (offline) is not waited for: the changes stay in the cache and go next time.
    public func close(waitingUpTo limit: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while syncTask != nil, clock.now < deadline {
            if case .offline = syncStatus { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        close()
    }

    /// Stops background work.
    public func close() {
        syncTask?.cancel()
        syncTask = nil
    }
}
