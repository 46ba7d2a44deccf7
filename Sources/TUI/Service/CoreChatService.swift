import Core
import Foundation
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
    let maxTokens: Int?

    /// - Parameters:
    ///   - client: the verified server's client, for the status bar's attestation verdict.
    ///   - serverLabel: the server as the status bar names it.
    ///   - softwareLabel: "software passkey" when the account was unlocked by one; always shown.
    ///   - exportDirectory: where Markdown exports go (nil: exporting is refused).
    ///   - auditLog: the verification audit log, for the attestation details.
    ///   - maxTokens: the length limit of an answer (config.toml's `max_tokens`); nil leaves
    ///     it to the server.
    public init(
        session: ChatSession, client: InferenceClient?, serverLabel: String, softwareLabel: String? = nil,
        exportDirectory: String? = nil, auditLog: FileAuditLog? = nil, maxTokens: Int? = nil
    ) {
        self.maxTokens = maxTokens
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
                    id: id, title: record.title, folder: record.folderID.flatMap { known.contains($0) ? $0 : nil },
                    pinned: record.pinned)
            },
            folders.map { id, record in Folder(id: id, name: record.name, instructions: record.customInstructions) }
        )
    }

    public func messages(of id: RecordID) async throws -> [ChatMessage] {
        guard await session.conversation(id) != nil else { return [] }
        let versions = try await session.answerVersions(in: id)
        func message(_ id: RecordID, _ record: MessageRecord) -> ChatMessage {
            var message = ChatMessage(id: id, role: record.role, text: record.content, interrupted: record.interrupted)
            message.stoppedAtLength = record.stoppedAtLength
            return message
        }
        return try await session.messages(in: id).map { id, record in
            var shown = message(id, record)
            // The current version is the last: the others come before it.
            if let line = versions[id] { shown.earlier = line.dropLast().map { message($0.id, $0.record) } }
            return shown
        }
    }

    public func send(_ turn: ChatTurn) async throws -> any AsyncSequence<ChatEvent, any Error> {
        try await session.send(turn, maxTokens: maxTokens)
    }

    /// Stores the title, folder and pin; a conversation not stored yet (nothing sent) is created.
    public func save(_ summary: ConversationSummary) async throws {
        try await session.saveConversation(summary.id) { record in
            // An untitled summary saved before its first prompt must not undo the prompt's title.
            if !summary.title.isEmpty { record.title = summary.title }
            record.pinned = summary.pinned
            record.folderID = summary.folder
        }
    }

    public func saveFolder(_ folder: Folder) async throws {
        try await session.saveFolder(name: folder.name, instructions: folder.instructions, id: folder.id)
    }

    public func delete(_ id: RecordID) async throws {
        guard await session.conversation(id) != nil else { return }
        try await session.deleteConversation(id)
    }

    public func deleteFolder(_ id: RecordID) async throws {
        try await session.deleteFolder(id)
    }

    public func status() async -> StatusInfo {
        var info = StatusInfo(
            lock: .unlocked, server: serverLabel, softwareLabel: softwareLabel)
        var warnings = [String]()
        if let client {
            do {
                let server = try await client.verifiedServer()
                warnings = server.warnings
                info.attestation = .verified(
                    platform: server.platform.rawValue, measurement: String(server.measurement.prefix(12)),
                    simulated: server.simulated)
                // The model is part of what the report binds (the configuration's digest).
                info.model = server.configuration.model
                info.modelDigest = server.configuration.modelSHA256
                info.budget = server.modelContextTokens.map {
                    ContextBudget(
                        contextTokens: $0,
                        answerTokens: maxTokens ?? server.defaultMaxTokens ?? Self.assumedAnswerTokens)
                }
            } catch let failure as VerificationFailure {
                info.attestation = .failed(code: failure.code)
            } catch {
                info.attestation = .failed(code: NetErrorCode.connect.rawValue)
            }
        }
        if let last = try? auditLog?.records().last {
            info.audit = [
                "time: \(last.time)", "server: \(last.server)",
                "platform: \(last.platform)\(last.simulated ? " (simulated)" : "")",
                "measurement: \(last.measurement ?? "-")", "manifest: \(last.manifestVersion ?? "-")",
                "channel key: \(last.keyID ?? "-")",
                "verdict: \(Self.verdict(last.verdict, simulated: last.simulated))\(last.reason.map { " (\($0))" } ?? "")",
            ]
            info.audit += warnings.map { "WARNING: \($0)" }
        }
        info.sync = await syncSnapshot().state
        return info
    }

    /// An audit record's verdict as the details show it: development attestation passed its
    /// checks, but proves nothing about hardware, so it is never called trusted.
    static func verdict(_ verdict: String, simulated: Bool) -> String {
        simulated && verdict == "trusted" ? "simulated (development)" : verdict
    }

    /// The room kept for an answer when neither config.toml nor the server says (the embedded
    /// engine's default).
    static let assumedAnswerTokens = 512

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

    public func exportMarkdown(_ id: RecordID, showing shown: Set<RecordID>) async throws -> String {
        guard let exportDirectory else { throw ChatServiceError(.exportUnavailable, "exporting is not set up here") }
        guard let record = await session.conversation(id) else {
            throw ChatServiceError(.notSaved, "the conversation is not saved yet")
        }
        var bytes = Array(try await session.markdown(of: id, showing: shown).utf8)
        defer { ConstantTime.wipe(&bytes) }
        let safeTitle = String(
            record.title.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40)
        ).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        let path =
            exportDirectory + "/\(safeTitle.isEmpty ? "conversation" : safeTitle)-\(id.description.prefix(8)).md"
        try FileManager.default.createDirectory(
            atPath: exportDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do throws(PrivateFile.Failure) {
            try PrivateFile.write(bytes, to: path, replaceExisting: true)
        } catch {
            throw ChatServiceError(.exportWrite, "cannot write \(path): \(error)")
        }
        return path
    }

    public func search(_ query: String, limit: Int) async throws -> [SearchHit] {
        try await session.search(query, limit: limit).compactMap { hit in
            guard let snippet = SearchHit.snippet(of: hit.text, matching: query) else { return nil }
            return SearchHit(conversation: hit.conversation, title: hit.title, messageID: hit.message, snippet: snippet)
        }
    }
}

/// A request the service cannot carry out, or an answer the server ended with an error event.
public struct ChatServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable identifiers of the service's own refusals.
    public enum Code: String, StableErrorCode {
        /// This screen has no folder to export to (the demo).
        case exportUnavailable = "SOTTO-TUI-EXPORT-UNAVAILABLE"
        /// The conversation has no stored record yet (nothing was sent in it).
        case notSaved = "SOTTO-TUI-NOT-SAVED"
        /// The exported file could not be written (permissions, a full disk).
        case exportWrite = "SOTTO-TUI-EXPORT-WRITE"
    }

    /// The code: one of `Code`'s, or the server's own for an answer it ended with an error.
    public let code: String
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code.rawValue
        self.message = message
    }

    /// An answer the server ended with an error event carrying its `code`.
    public init(serverCode code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
