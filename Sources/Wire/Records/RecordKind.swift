/// What a record holds. The server sees the kind (it is bound into the envelope's associated
/// data), never the content. Raw values are the byte written into that data: never reuse one.
public enum RecordKind: UInt8, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// A conversation's metadata: title, folder, flags, model settings, times.
    case conversation = 1
    /// One message of a conversation; immutable once written.
    case message = 2
    /// A folder: name, custom instructions, order.
    case folder = 3
    /// The account's preferences.
    case profile = 4
    /// One bucket of the account's authenticated index: the highest version pushed of each
    /// record whose id falls in the bucket (docs/RECORDS.md, "The authenticated index").
    case index = 5

    /// Whether a newer copy may replace an older one (last writer wins); messages never change.
    public var isMutable: Bool { self != .message }

    /// The kind's name in documents and reports.
    public var description: String {
        switch self {
        case .conversation: "conversation"
        case .message: "message"
        case .folder: "folder"
        case .profile: "profile"
        case .index: "index"
        }
    }
}
