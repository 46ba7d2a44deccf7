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

    /// One conversation as it stands, decrypted on first use: an answer replaced by a
    /// regeneration is left out (it stays in the history, as messages never change).
    public func messages(in id: RecordID) throws -> [(id: RecordID, record: MessageRecord)] {
        let all = try history.messages(in: id)
        let replaced = Set(all.compactMap(\.record.regenerationParent))
        return replaced.isEmpty ? all : all.filter { !replaced.contains($0.id) }
    }

    /// The versions of each regenerated answer of a conversation, keyed by its current version
    /// (`AnswerVersions`): oldest first, the current one last.
    public func answerVersions(in id: RecordID) throws -> [RecordID: [(id: RecordID, record: MessageRecord)]] {
        let all = try history.messages(in: id)
        let records = Dictionary(all.map { ($0.id, $0.record) }, uniquingKeysWith: { a, _ in a })
        return AnswerVersions.lines(ids: all.map(\.id)) { records[$0]?.regenerationParent }.mapValues { line in
            line.compactMap { id in records[id].map { (id, $0) } }
        }
    }

    /// A message that contains a searched text.
    public struct Match: Sendable, Hashable {
        public var conversation: RecordID
        public var title: String
        /// The matching message.
        public var message: RecordID
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
            for message in try messages(in: id)
            where message.record.content.range(of: needle, options: [.caseInsensitive, .diacriticInsensitive]) != nil {
                matches.append(
                    Match(
                        conversation: id, title: conversation.title, message: message.id, text: message.record.content))
                if matches.count == limit { return matches }
            }
        }
        return matches
    }

    /// One conversation as Markdown (decrypted; the caller decides where it goes).
    /// - Parameter shown: earlier versions of regenerated answers the screen shows.
    public func markdown(of id: RecordID, showing shown: Set<RecordID> = []) throws -> String {
        try HistoryExport(history: history, conversation: id).markdown(showing: shown)
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

    /// Changes a conversation's metadata (title, folder, pin, archive). One not stored yet is
    /// created untitled first: a new conversation renamed, pinned or moved before its first prompt.
    public func saveConversation(
        _ id: RecordID, now: Date = Date(), _ change: @Sendable (inout ConversationRecord) -> Void
    ) throws {
        var record = storedOrNew(id, now: now)
        change(&record)
        try history.save(conversation: record, id: id)
        scheduleSync()
    }

    /// The stored conversation `id`, or a new untitled one.
    private func storedOrNew(_ id: RecordID, now: Date) -> ConversationRecord {
        history.conversations[id]
            ?? ConversationRecord(title: "", createdAt: now, updatedAt: now, clock: history.tick())
    }

    /// Stores `message` with its conversation `record` (given its new time) in one transaction:
    /// a conversation never reaches the cache, or another device, without it.
    private func store(_ message: MessageRecord, as messageID: RecordID, in record: ConversationRecord) throws {
        var record = record
        record.updatedAt = message.time
        try history.save(conversation: record, id: message.conversationID, with: message, messageID: messageID)
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
        try history.save(folder: record, id: id)
        scheduleSync()
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
        _ role: MessageRole, _ text: String, to id: RecordID, as messageID: RecordID = .random(),
        replacing: RecordID? = nil, interrupted: Bool = false, stoppedAtLength: Bool = false, now: Date = Date()
    ) throws -> RecordID {
        guard let record = history.conversations[id] else {
            throw CacheError(.notFound, "conversation \(id) is not in this history")
        }
        try store(
            MessageRecord(
                conversationID: id, role: role, content: text, time: now, regenerationParent: replacing,
                interrupted: interrupted, stoppedAtLength: stoppedAtLength, clock: history.tick()),
            as: messageID, in: record)
        return messageID
    }

    /// Runs one chat turn: stores its new prompt (creating the conversation when it is not
    /// stored yet; an untitled one takes the prompt's first words), or finds the stored prompt
    /// to answer again, and asks the server to answer the conversation up to it.
    ///
    /// The answer streams as the channel delivers it. It is saved under `turn.answer` when
    /// `end` arrives; one that breaks off (an error event, the connection dropped, the
    /// consuming task cancelled) is saved as far as it got, marked interrupted, so it is still
    /// there after a restart and answering its prompt again replaces it.
    /// - Throws: `CacheError` `.notFound` when the conversation or the prompt to answer again
    ///   is not in this history.
    public func send(_ turn: ChatTurn, maxTokens: Int? = nil, now: Date = Date()) throws -> Answer {
        let id = turn.conversation
        var context: [(id: RecordID, record: MessageRecord)]
        var replacing: RecordID?
        var continued = ""
        switch turn.ask {
        case .prompt(let promptID, let text):
            // A new conversation and its first prompt are stored together, or neither is.
            var record = storedOrNew(id, now: now)
            if record.title.isEmpty { record.title = ConversationTitle.from(prompt: text) }
            // A prompt that cannot fit is refused before it is stored.
            if let budget = turn.budget {
                let messages =
                    systemMessage(turn, record) + (try shown(in: id, turn.shownVersions)).map(\.record.message)
                    + [ChatRequest.Message(role: .user, content: text)]
                if case .tooLong(let needed, let over) = budget.fit(messages) {
                    throw budget.tooLongError(needed: needed, over: over)
                }
            }
            try store(
                MessageRecord(conversationID: id, role: .user, content: text, time: now, clock: history.tick()),
                as: promptID, in: record)
            context = try shown(in: id, turn.shownVersions)
        case .again(let promptID):
            let all = try shown(in: id, turn.shownVersions)
            guard let index = all.firstIndex(where: { $0.id == promptID && $0.record.role == .user }) else {
                throw CacheError(.notFound, "message \(promptID) is not a prompt of conversation \(id)")
            }
            context = Array(all[...index])
            // The new version follows the current one, whichever the screen shows.
            let current = try messages(in: id)
            if let at = current.firstIndex(where: { $0.id == promptID }), at + 1 < current.count,
                current[at + 1].record.role == .assistant
            {
                replacing = current[at + 1].id
            }
        case .continuation(let answerID):
            let all = try shown(in: id, turn.shownVersions)
            guard let index = all.firstIndex(where: { $0.id == answerID && $0.record.role == .assistant }) else {
                throw CacheError(.notFound, "message \(answerID) is not an answer of conversation \(id)")
            }
            context = Array(all[...index])
            replacing = answerID
            continued = all[index].record.content
        }
        guard let conversation = history.conversations[id] else {
            throw CacheError(.notFound, "conversation \(id) is not in this history")
        }
        var turns = systemMessage(turn, conversation) + context.map(\.record.message)
        if let budget = turn.budget {
            // The oldest turns the context cannot hold are left out (the screen says so).
            if case .tooLong(let needed, let over) = budget.fit(turns) {
                throw budget.tooLongError(needed: needed, over: over)
            }
            turns = budget.trimmed(turns)
        }
        let request = ChatRequest(
            messages: turns, maxTokens: maxTokens,
            sampling: conversation.modelSettings.temperature.map { ChatRequest.Sampling(temperature: $0) },
            continuesLast: continued.isEmpty ? nil : true, progress: true)
        return Answer(
            events: sender.chat(request), session: self, conversation: id, answer: turn.answer, replacing: replacing,
            continued: continued)
    }

    /// The folder's instructions and the conversation's system prompt, as one system message.
    private func systemMessage(_ turn: ChatTurn, _ conversation: ConversationRecord) -> [ChatRequest.Message] {
        let system = [turn.instructions, conversation.modelSettings.systemPrompt ?? ""].filter { !$0.isEmpty }
            .joined(separator: "\n\n")
        return system.isEmpty ? [] : [.init(role: .system, content: system)]
    }

    /// The conversation as the screen shows it: the current messages, with the earlier
    /// versions in `versions` in place of their current ones.
    private func shown(in id: RecordID, _ versions: Set<RecordID>) throws -> [(id: RecordID, record: MessageRecord)] {
        try AnswerVersions.choosing(versions, in: messages(in: id), all: history.messages(in: id))
    }

    /// One turn's answer: the channel's events as they arrive, read by the caller's task (its
    /// cancellation stops the turn) and passed on as they are; on the way, the answer is kept.
    public struct Answer: AsyncSequence, Sendable {
        public typealias Element = ChatEvent
        let events: ChatEventStream
        let session: ChatSession
        let conversation: RecordID
        let answer: RecordID
        let replacing: RecordID?
        /// The answer a continuation goes on from: stored before what arrives.
        let continued: String

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(events: events.makeAsyncIterator(), turn: self)
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            var events: ChatEventStream.AsyncIterator
            let turn: Answer
            var text = ""
            var kept = false

            public mutating func next() async throws -> ChatEvent? {
                let event: ChatEvent?
                do {
                    event = try await events.next()
                } catch {
                    try? await keep(interrupted: true)
                    throw error
                }
                switch event {
                case .token(let piece): text += piece
                case .end(let reason, _, _): try await keep(interrupted: false, stoppedAtLength: reason == .length)
                // An error event, or the stream ending early (stopped): what arrived is part of
                // the conversation.
                case .error, nil: try? await keep(interrupted: true)
                case .start, .progress: break
                }
                return event
            }

            private mutating func keep(interrupted: Bool, stoppedAtLength: Bool = false) async throws {
                guard !kept, !text.isEmpty else { return }
                kept = true
                try await turn.session.append(
                    .assistant, turn.continued + text, to: turn.conversation, as: turn.answer,
                    replacing: turn.replacing, interrupted: interrupted, stoppedAtLength: stoppedAtLength)
            }
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
            syncStatus = .offline(code: (error as? SyncError)?.code.rawValue ?? SyncErrorCode.unavailable.rawValue)
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

extension MessageRecord {
    /// The message as a request carries it.
    var message: ChatRequest.Message { ChatRequest.Message(role: role, content: content) }
}
