import Core
import Foundation
import Synchronization
import Wire

/// The `ChatService` over the real client: the decrypted history of an unlocked account and
/// the encrypted chat channel to a verified server (`Core.ChatSession`).
public final class CoreChatService: ChatService {
    let session: ChatSession
    let client: InferenceClient?
    let serverLabel: String
    let softwareLabel: String?
    let exportDirectory: String?
    let auditLog: FileAuditLog?
    /// Conversations and folders the screen created ("new-3", "new-folder-1") and their records.
    private let conversationIDs = ScreenAliases<ConversationID>()
    /// Conversations being created, by screen id (see `ensureConversation`).
    private let creating = Mutex<[ConversationID: Task<RecordID, any Error>]>([:])
    private let folderIDs = ScreenAliases<FolderID>()
    /// The model that answered last (the first event of every answer names it).
    private let lastModel = Mutex("")

    /// - Parameters:
    ///   - client: the verified server's client, for the status bar's attestation verdict.
    ///   - serverLabel: the server as the status bar names it.
    ///   - softwareLabel: "software passkey" when the account was unlocked by one; always shown.
    ///   - exportDirectory: where Markdown exports go (nil: exporting is refused).
    ///   - auditLog: the verification audit log, for the attestation details.
    public init(
        session: ChatSession, client: InferenceClient?, serverLabel: String, softwareLabel: String? = nil,
        exportDirectory: String? = nil, auditLog: FileAuditLog? = nil
    ) {
        self.session = session
        self.client = client
        self.serverLabel = serverLabel
        self.softwareLabel = softwareLabel
        self.exportDirectory = exportDirectory
        self.auditLog = auditLog
    }

    public func conversations() async throws -> (conversations: [ConversationSummary], folders: [Folder]) {
        let list = await session.conversations()
        let folders = await session.folders()
        // A conversation may name a folder deleted since (here, or on another device before a
        // sync): it is shown without one.
        let known = Set(folders.map(\.id))
        return (
            list.filter { !$0.record.archived }.map { id, record in
                ConversationSummary(
                    id: conversationIDs.screenID(for: id), title: record.title,
                    folder: record.folderID.flatMap { known.contains($0) ? folderIDs.screenID(for: $0) : nil },
                    pinned: record.pinned)
            },
            folders.map { id, record in
                Folder(id: folderIDs.screenID(for: id), name: record.name, instructions: record.customInstructions)
            }
        )
    }

    public func messages(of id: ConversationID) async throws -> [ChatMessage] {
        guard let recordID = recordID(id) else { return [] }
        return try await session.messages(in: recordID).enumerated().map { index, message in
            ChatMessage(
                id: index + 1, role: Self.role(message.record.role), text: message.record.content,
                interrupted: message.record.interrupted)
        }
    }

    public func send(
        _ messages: [ChatMessage], in id: ConversationID, instructions: String, regenerating: Bool
    ) -> AsyncThrowingStream<String, any Error> {
        let session = self.session
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let recordID = try await self.ensureConversation(
                        id, firstPrompt: messages.first { $0.role == .user }?.text)
                    guard let prompt = messages.last, prompt.role == .user else {
                        throw ChatServiceError(description: "there is no prompt to answer")
                    }
                    var after: Int?
                    let history = regenerating ? try await session.messages(in: recordID).map(\.record) : []
                    if regenerating,
                        let stored = history.lastIndex(where: { $0.role == .user && $0.content == prompt.text })
                    {
                        // Regenerate: the answer to the screen's prompt, found by its text (not by
                        // counting: the screen may lag the history, or show an unstored answer).
                        after = stored + 1
                    } else {
                        // A new prompt (or one the history lost): stored after whatever the
                        // history holds, another device's messages included, then answered.
                        try await session.append(.user, prompt.text, to: recordID)
                    }
                    for try await event in try await session.answer(
                        in: recordID, instructions: instructions, after: after)
                    {
                        switch event {
                        case .token(let piece): continuation.yield(piece)
                        case .error(let code, let message):
                            throw ChatServiceError(description: "\(code): \(message)")
                        case .start(let model): self.lastModel.withLock { $0 = model }
                        case .end: break
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func save(_ summary: ConversationSummary) async throws {
        let folder = summary.folder.flatMap(folderIDs.record)
        let recordID = try await ensureConversation(summary.id, firstPrompt: nil)
        try await session.updateConversation(recordID) { record in
            record.title = summary.title
            record.pinned = summary.pinned
            record.folderID = folder
        }
    }

    public func saveFolder(_ folder: Folder) async throws {
        let existing = folderIDs.record(for: folder.id)
        let id = existing ?? RecordID.random()
        if existing == nil { folderIDs.assign(folder.id, to: id) }
        try await session.saveFolder(name: folder.name, instructions: folder.instructions, id: id)
    }

    public func delete(_ id: ConversationID) async throws {
        guard let recordID = recordID(id) else { return }
        try await session.deleteConversation(recordID)
    }

    public func deleteFolder(_ id: FolderID) async throws {
        guard let recordID = folderIDs.record(for: id) else { return }
        try await session.deleteFolder(recordID)
    }

    public func status() async -> StatusInfo {
        var info = StatusInfo(
            lock: .unlocked, server: serverLabel, model: lastModel.withLock { $0 }, softwareLabel: softwareLabel)
        var warnings = [String]()
        if let client {
            do {
                let server = try await client.verifiedServer()
                warnings = server.warnings
                info.attestation = .verified(
                    platform: server.platform.rawValue, measurement: String(server.measurement.prefix(12)),
                    simulated: server.simulated)
            } catch let failure as VerificationFailure {
                info.attestation = .failed(code: failure.code)
            } catch {
                info.attestation = .failed(code: "SOTTO-NET-CONNECT")
            }
        }
        if let last = try? auditLog?.records().last {
            info.audit = [
                "time: \(last.time)", "server: \(last.server)",
                "platform: \(last.platform)\(last.simulated ? " (simulated)" : "")",
                "measurement: \(last.measurement ?? "-")", "manifest: \(last.manifestVersion ?? "-")",
                "channel key: \(last.keyID ?? "-")", "verdict: \(last.verdict)\(last.reason.map { " (\($0))" } ?? "")",
            ]
            info.audit += warnings.map { "WARNING: \($0)" }
        }
        info.sync = await syncSnapshot().state
        return info
    }

    /// How long an idle screen goes without pulling.
    static let pullInterval: Duration = .seconds(30)

    /// Also pulls when no sync ran for 30 seconds: the screen asks every second, and an idle
    /// screen should still show what other devices add.
    public func syncSnapshot() async -> SyncSnapshot {
        await session.syncIfDue(every: Self.pullInterval)
        let state: StatusInfo.SyncState =
            switch await session.syncStatus {
            case .disabled, .idle: .idle
            case .syncing: .syncing
            case .synced: .synced
            case .offline: .offline
            }
        return SyncSnapshot(
            state: state, generation: await session.historyGeneration,
            integrityWarning: await session.syncIntegrity.warning.map(String.init(describing:)))
    }

    public func exportMarkdown(_ id: ConversationID) async throws -> String {
        guard let exportDirectory else { throw ChatServiceError(description: "exporting is not set up here") }
        guard let recordID = recordID(id), let record = await session.conversation(recordID) else {
            throw ChatServiceError(description: "the conversation is not saved yet")
        }
        var bytes = Array(try await session.markdown(of: recordID).utf8)
        defer { ConstantTime.wipe(&bytes) }
        let safeTitle = String(
            record.title.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40)
        ).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        let path =
            exportDirectory + "/\(safeTitle.isEmpty ? "conversation" : safeTitle)-\(recordID.description.prefix(8)).md"
        try FileManager.default.createDirectory(
            atPath: exportDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do throws(PrivateFile.Failure) {
            try PrivateFile.write(bytes, to: path, replaceExisting: true)
        } catch {
            throw ChatServiceError(description: "cannot write \(path): \(error)")
        }
        return path
    }

    public func search(_ query: String, limit: Int) async throws -> [SearchHit] {
        try await session.search(query, limit: limit).compactMap { hit in
            guard let snippet = SearchHit.snippet(of: hit.text, matching: query) else { return nil }
            return SearchHit(
                conversation: conversationIDs.screenID(for: hit.conversation),
                title: hit.title, messageID: hit.index + 1, snippet: snippet)
        }
    }

    /// The record behind a screen id: an alias of a conversation created here, or the id itself.
    func recordID(_ id: ConversationID) -> RecordID? { conversationIDs.record(for: id) }

    /// The record of a screen conversation, created on first use. A new conversation's first
    /// send stores its title and its prompt at once (two effects, two tasks): they share one
    /// creation, or the history would hold a second, empty conversation.
    private func ensureConversation(_ id: ConversationID, firstPrompt: String?) async throws -> RecordID {
        if let existing = recordID(id), await session.conversation(existing) != nil { return existing }
        let session = self.session
        let aliases = conversationIDs
        let creation = creating.withLock { creating in
            if let running = creating[id] { return running }
            let task = Task {
                let recordID = try await session.startConversation(firstPrompt: firstPrompt ?? "")
                aliases.assign(id, to: recordID)
                return recordID
            }
            creating[id] = task
            return task
        }
        defer { creating.withLock { if $0[id] == creation { $0[id] = nil } } }
        return try await creation.value
    }

    static func role(_ role: Core.MessageRole) -> MessageRole {
        switch role {
        case .user: .user
        case .assistant: .assistant
        case .system: .system
        }
    }
}

/// The server ended an answer with an error event.
public struct ChatServiceError: Error, CustomStringConvertible {
    public let description: String
}
