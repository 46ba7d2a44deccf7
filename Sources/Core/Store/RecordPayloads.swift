import Foundation
import Wire

/// A conversation's metadata; its messages are separate records.
public struct ConversationRecord: Sendable, Hashable, Codable {
    public var title: String
    /// The folder it is filed in, if any.
    public var folderID: RecordID?
    public var pinned: Bool
    public var archived: Bool
    public var modelSettings: ModelSettings
    public var createdAt: Date
    public var updatedAt: Date
    /// When and where this copy was written; the newest copy wins.
    public var clock: HLCTimestamp

    public init(
        title: String, folderID: RecordID? = nil, pinned: Bool = false, archived: Bool = false,
        modelSettings: ModelSettings = ModelSettings(), createdAt: Date, updatedAt: Date, clock: HLCTimestamp
    ) {
        self.title = title
        self.folderID = folderID
        self.pinned = pinned
        self.archived = archived
        self.modelSettings = modelSettings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.clock = clock
    }
}

/// The model choices a conversation remembers.
public struct ModelSettings: Sendable, Hashable, Codable {
    public var model: String?
    public var temperature: Double?
    public var systemPrompt: String?

    public init(model: String? = nil, temperature: Double? = nil, systemPrompt: String? = nil) {
        self.model = model
        self.temperature = temperature
        self.systemPrompt = systemPrompt
    }
}

/// One message; never changed once written (a regenerated answer is a new message).
public struct MessageRecord: Sendable, Hashable, Codable {
    public var conversationID: RecordID
    public var role: MessageRole
    public var content: String
    public var time: Date
    /// The message this one regenerates, if it is a regeneration.
    public var regenerationParent: RecordID?
    /// An answer that broke off (stopped, or the server failed) before it ended: kept as far
    /// as it got, so it survives a restart and a retry can replace it.
    public var interrupted: Bool
    /// An answer the model stopped at the length limit (`FinishReason.length`): complete as
    /// far as it goes, and continued on request.
    public var stoppedAtLength: Bool
    /// Orders messages written in the same millisecond.
    public var clock: HLCTimestamp

    public init(
        conversationID: RecordID, role: MessageRole, content: String, time: Date,
        regenerationParent: RecordID? = nil, interrupted: Bool = false, stoppedAtLength: Bool = false,
        clock: HLCTimestamp
    ) {
        self.conversationID = conversationID
        self.role = role
        self.content = content
        self.time = time
        self.regenerationParent = regenerationParent
        self.interrupted = interrupted
        self.stoppedAtLength = stoppedAtLength
        self.clock = clock
    }

    enum CodingKeys: String, CodingKey {
        case conversationID, role, content, time, regenerationParent, interrupted, stoppedAtLength, clock
    }

    // Records written before `interrupted` existed lack it; a complete message leaves it out,
    // so its plaintext (and padded size) is what it always was.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        conversationID = try c.decode(RecordID.self, forKey: .conversationID)
        role = try c.decode(MessageRole.self, forKey: .role)
        content = try c.decode(String.self, forKey: .content)
        time = try c.decode(Date.self, forKey: .time)
        regenerationParent = try c.decodeIfPresent(RecordID.self, forKey: .regenerationParent)
        interrupted = try c.decodeIfPresent(Bool.self, forKey: .interrupted) ?? false
        stoppedAtLength = try c.decodeIfPresent(Bool.self, forKey: .stoppedAtLength) ?? false
        clock = try c.decode(HLCTimestamp.self, forKey: .clock)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(conversationID, forKey: .conversationID)
        try c.encode(role, forKey: .role)
        try c.encode(content, forKey: .content)
        try c.encode(time, forKey: .time)
        try c.encodeIfPresent(regenerationParent, forKey: .regenerationParent)
        if interrupted { try c.encode(true, forKey: .interrupted) }
        if stoppedAtLength { try c.encode(true, forKey: .stoppedAtLength) }
        try c.encode(clock, forKey: .clock)
    }
}

/// A folder of conversations.
public struct FolderRecord: Sendable, Hashable, Codable {
    public var name: String
    /// Instructions added to every conversation in the folder.
    public var customInstructions: String
    /// Position among folders; inside the ciphertext so a move rewrites this folder only.
    public var order: FractionalIndex
    public var clock: HLCTimestamp

    public init(name: String, customInstructions: String = "", order: FractionalIndex, clock: HLCTimestamp) {
        self.name = name
        self.customInstructions = customInstructions
        self.order = order
        self.clock = clock
    }
}

/// The account's preferences (one record per account).
public struct ProfileRecord: Sendable, Hashable, Codable {
    public var preferences: [String: String]
    public var clock: HLCTimestamp

    public init(preferences: [String: String] = [:], clock: HLCTimestamp) {
        self.preferences = preferences
        self.clock = clock
    }
}

/// A decrypted record of any kind.
public enum RecordPayload: Sendable, Hashable {
    case conversation(ConversationRecord)
    case message(MessageRecord)
    case folder(FolderRecord)
    case profile(ProfileRecord)

    /// The kind its envelope is sealed as.
    public var kind: RecordKind {
        switch self {
        case .conversation: .conversation
        case .message: .message
        case .folder: .folder
        case .profile: .profile
        }
    }

    /// The clock reading of the copy; decides last-writer-wins.
    public var clock: HLCTimestamp {
        switch self {
        case .conversation(let r): r.clock
        case .message(let r): r.clock
        case .folder(let r): r.clock
        case .profile(let r): r.clock
        }
    }

    /// The record a message belongs to (its conversation); the cache indexes messages by it.
    public var parent: RecordID? {
        if case .message(let m) = self { return m.conversationID }
        return nil
    }

    /// Of two copies of one record, the one to keep: the later clock for mutable kinds; a
    /// message never changes, so the first copy stays.
    public static func resolve(local: RecordPayload, remote: RecordPayload) -> RecordPayload {
        guard local.kind.isMutable else { return local }
        return remote.clock > local.clock ? remote : local
    }
}
