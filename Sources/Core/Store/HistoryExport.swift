import Foundation
import Wire

/// Sotto's own export of decrypted history (docs/EXPORT.md): what `sotto export --format json`
/// writes and `sotto import` reads. Ids are kept, so importing the same file twice adds nothing.
public struct HistoryExport: Codable, Sendable, Hashable {
    /// The `format` field's only value.
    public static let formatName = "sotto-export"
    /// The version this build writes and reads.
    public static let currentVersion = 1

    public struct Folder: Codable, Sendable, Hashable {
        public var id: RecordID
        public var name: String
        public var customInstructions: String

        enum CodingKeys: String, CodingKey {
            case id, name
            case customInstructions = "custom_instructions"
        }
    }

    public struct Message: Codable, Sendable, Hashable {
        public var id: RecordID
        public var role: MessageRole
        public var content: String
        public var time: Date
        public var regenerationParent: RecordID?
        /// An answer that broke off before it ended; absent (false) otherwise.
        public var interrupted: Bool?

        enum CodingKeys: String, CodingKey {
            case id, role, content, time, interrupted
            case regenerationParent = "regeneration_parent"
        }
    }

    public struct Conversation: Codable, Sendable, Hashable {
        public var id: RecordID
        public var title: String
        public var folderID: RecordID?
        public var pinned: Bool
        public var archived: Bool
        public var model: String?
        public var temperature: Double?
        public var systemPrompt: String?
        public var createdAt: Date
        public var updatedAt: Date
        public var messages: [Message]

        enum CodingKeys: String, CodingKey {
            case id, title, pinned, archived, model, temperature, messages
            case folderID = "folder_id"
            case systemPrompt = "system_prompt"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    public var format: String
    public var version: Int
    public var exportedAt: Date
    public var folders: [Folder]
    public var conversations: [Conversation]

    enum CodingKeys: String, CodingKey {
        case format, version, folders, conversations
        case exportedAt = "exported_at"
    }

    /// The decrypted history, or one conversation of it.
    /// - Throws: `CacheError` `.notFound` for an unknown conversation id; the cache's errors.
    public init(history: HistoryStore, conversation only: RecordID? = nil, now: Date = Date()) throws {
        format = Self.formatName
        version = Self.currentVersion
        exportedAt = now
        let chosen: [(id: RecordID, record: ConversationRecord)]
        if let only {
            guard let record = history.conversations[only] else {
                throw CacheError(.notFound, "no conversation \(only) in this history; `sotto history` lists them")
            }
            chosen = [(only, record)]
        } else {
            chosen = history.conversationList
        }
        let folderIDs = Set(chosen.compactMap(\.record.folderID))
        folders = history.folderList.filter { only == nil || folderIDs.contains($0.id) }.map {
            Folder(id: $0.id, name: $0.record.name, customInstructions: $0.record.customInstructions)
        }
        conversations = try chosen.map { id, record in
            Conversation(
                id: id, title: record.title, folderID: record.folderID, pinned: record.pinned,
                archived: record.archived, model: record.modelSettings.model,
                temperature: record.modelSettings.temperature, systemPrompt: record.modelSettings.systemPrompt,
                createdAt: record.createdAt, updatedAt: record.updatedAt,
                messages: try history.messages(in: id).map {
                    Message(
                        id: $0.id, role: $0.record.role, content: $0.record.content, time: $0.record.time,
                        regenerationParent: $0.record.regenerationParent,
                        interrupted: $0.record.interrupted ? true : nil)
                })
        }
    }

    /// Reads an export.
    /// - Throws: `CacheError` `.invalidExport` naming what is wrong (never quoting content).
    public init(json: Data) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded: HistoryExport
        do {
            decoded = try decoder.decode(HistoryExport.self, from: json)
        } catch let DecodingError.dataCorrupted(context) {
            throw CacheError(.invalidExport, "the file is not a Sotto export: \(Self.path(context.codingPath))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw CacheError(
                .invalidExport, "the export lacks `\(key.stringValue)` at \(Self.path(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw CacheError(.invalidExport, "the export has a wrong value at \(Self.path(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw CacheError(.invalidExport, "the export has a null value at \(Self.path(context.codingPath))")
        } catch is RecordError {
            throw CacheError(.invalidExport, "the export holds an invalid id (ids are 32 hex digits)")
        } catch {
            throw CacheError(.invalidExport, "the file is not a Sotto export (not JSON)")
        }
        guard decoded.format == Self.formatName else {
            throw CacheError(.invalidExport, "the file's format is not \(Self.formatName)")
        }
        guard decoded.version == Self.currentVersion else {
            throw CacheError(
                .invalidExport, "export version \(decoded.version) is not one this Sotto reads (\(Self.currentVersion))"
            )
        }
        self = decoded
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    /// The JSON text: sorted keys, ISO 8601 times, pretty-printed.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Markdown: one section per conversation, each message under its role. A regenerated
    /// answer is written once, as the version shown (the current one unless `shown` names an
    /// earlier one), its other versions after it as alternatives.
    public func markdown(showing shown: Set<RecordID> = []) -> String {
        var out = ""
        let folderNames = Dictionary(folders.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let formatter = ISO8601DateFormatter()
        for (index, conversation) in conversations.enumerated() {
            if index > 0 { out += "\n---\n\n" }
            out += "# \(conversation.title)\n\n"
            var facts = ["updated \(formatter.string(from: conversation.updatedAt))"]
            if let folder = conversation.folderID.flatMap({ folderNames[$0] }) { facts.append("folder \(folder)") }
            if let model = conversation.model { facts.append("model \(model)") }
            out += "_" + facts.joined(separator: " · ") + "_\n\n"
            let byID = Dictionary(conversation.messages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let lines = AnswerVersions.lines(ids: conversation.messages.map(\.id)) { byID[$0]?.regenerationParent }
            let replaced = Set(lines.values.flatMap { $0.dropLast() })
            for message in conversation.messages where !replaced.contains(message.id) {
                let label =
                    switch message.role {
                    case .user: "You"
                    case .assistant: "Assistant"
                    case .system: "System"
                    }
                guard let line = lines[message.id] else {
                    out += "## \(label)\n\n\(message.content)\n\n"
                    if message.interrupted == true { out += "_(interrupted)_\n\n" }
                    continue
                }
                let versions = line.compactMap { byID[$0] }
                let chosen = versions.lastIndex { shown.contains($0.id) } ?? versions.count - 1
                out += "## \(label) (answer \(chosen + 1) of \(versions.count))\n\n\(versions[chosen].content)\n\n"
                if versions[chosen].interrupted == true { out += "_(interrupted)_\n\n" }
                for (index, version) in versions.enumerated() where index != chosen {
                    out += "### Alternative answer \(index + 1) of \(versions.count)\n\n\(version.content)\n\n"
                    if version.interrupted == true { out += "_(interrupted)_\n\n" }
                }
            }
        }
        return out
    }

    /// What an import did.
    public struct ImportOutcome: Sendable, Hashable {
        public var folders = 0
        public var conversations = 0
        public var messages = 0
        /// Records already in this history (or deleted here), left as they are.
        public var skipped = 0
    }

    /// An import that stopped part way (the disk filled, the cache failed): how far it got.
    /// Each record was committed on its own, so what was added stays, and running the same
    /// import again skips it and adds the rest.
    public struct ImportInterrupted: Error, CustomStringConvertible {
        /// What was added before it stopped.
        public let done: ImportOutcome
        /// Conversations in the file.
        public let conversationsInFile: Int
        /// Why it stopped.
        public let cause: any Error

        public var description: String {
            "the import stopped after adding \(done.conversations) conversation(s) and \(done.messages) message(s) (the file holds \(conversationsInFile) conversation(s)): \(FileSystemError.describing(cause).map { "\($0)" } ?? "\(cause)"). What was added stays; run the same import again to add the rest"
        }
    }

    /// Adds what the history lacks; records it holds (or deleted) by the same id are skipped.
    /// - Throws: `ImportInterrupted` when a write fails part way.
    public func importInto(_ history: HistoryStore) throws -> ImportOutcome {
        var outcome = ImportOutcome()
        do {
            try importInto(history, counting: &outcome)
        } catch {
            throw ImportInterrupted(done: outcome, conversationsInFile: conversations.count, cause: error)
        }
        return outcome
    }

    private func importInto(_ history: HistoryStore, counting outcome: inout ImportOutcome) throws {
        for folder in folders {
            guard try !history.contains(folder.id) else {
                outcome.skipped += 1
                continue
            }
            let order = FractionalIndex.between(history.folderList.last?.record.order, nil)
            try history.save(
                folder: FolderRecord(
                    name: folder.name, customInstructions: folder.customInstructions, order: order,
                    clock: history.tick()),
                id: folder.id)
            outcome.folders += 1
        }
        for conversation in conversations {
            if try history.contains(conversation.id) {
                outcome.skipped += 1
            } else {
                try history.save(
                    conversation: ConversationRecord(
                        title: conversation.title, folderID: conversation.folderID, pinned: conversation.pinned,
                        archived: conversation.archived,
                        modelSettings: ModelSettings(
                            model: conversation.model, temperature: conversation.temperature,
                            systemPrompt: conversation.systemPrompt),
                        createdAt: conversation.createdAt, updatedAt: conversation.updatedAt, clock: history.tick()),
                    id: conversation.id)
                outcome.conversations += 1
            }
            guard history.conversations[conversation.id] != nil else { continue }
            for message in conversation.messages {
                guard try !history.contains(message.id) else {
                    outcome.skipped += 1
                    continue
                }
                try history.append(
                    message: MessageRecord(
                        conversationID: conversation.id, role: message.role, content: message.content,
                        time: message.time, regenerationParent: message.regenerationParent,
                        interrupted: message.interrupted ?? false, clock: history.tick()),
                    id: message.id)
                outcome.messages += 1
            }
        }
    }
}
