/// The JSON bodies of the record endpoints (docs/PROTOCOL.md §6). The server stores envelopes
/// it cannot open; it sees ids, kinds, versions and padded sizes.

/// One record as it travels: absent `envelope` means a tombstone (the record was deleted),
/// which carries its `deletion` seal.
public struct SyncRecord: Codable, Hashable, Sendable {
    public var id: RecordID
    public var kind: RecordKind
    /// The version sealed into the envelope's associated data; a push of version v expects the
    /// server to hold v − 1 (0: the record is new).
    public var version: UInt64
    public var envelope: Base64Bytes?
    /// A tombstone's proof that the account's owner deleted the record at this version
    /// (`RecordDeletion`); absent on a live record, and on tombstones written before it existed.
    public var deletion: Base64Bytes?
    /// The server's change counter for this account when it stored this copy; set by the
    /// server, ignored in a push.
    public var sequence: Int64?

    public init(
        id: RecordID, kind: RecordKind, version: UInt64, envelope: [UInt8]?, deletion: [UInt8]? = nil,
        sequence: Int64? = nil
    ) {
        self.id = id
        self.kind = kind
        self.version = version
        self.envelope = envelope.map(Base64Bytes.init)
        self.deletion = deletion.map(Base64Bytes.init)
        self.sequence = sequence
    }

    /// Whether this copy marks a deletion.
    public var isTombstone: Bool { envelope == nil }
}

/// `POST /v1/records/push`.
public struct PushRequest: Codable, Hashable, Sendable {
    /// Most records in one push.
    public static let maximumRecords = 500
    public var version: Int
    public var records: [SyncRecord]

    public init(records: [SyncRecord]) {
        self.version = Wire.protocolVersion
        self.records = records
    }
}

/// The fate of one pushed record.
public struct PushResult: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Hashable, Sendable {
        /// Stored (or already stored: a retry of the same version with the same bytes).
        case accepted
        /// The server holds another version or other bytes; `current` is its copy.
        case conflict
    }

    public var id: RecordID
    public var status: Status
    /// The sequence of the stored copy when accepted.
    public var sequence: Int64?
    /// The server's copy on conflict.
    public var current: SyncRecord?

    public init(id: RecordID, status: Status, sequence: Int64?, current: SyncRecord?) {
        self.id = id
        self.status = status
        self.sequence = sequence
        self.current = current
    }
}

/// How much of its quota an account uses.
public struct StorageUsage: Codable, Hashable, Sendable {
    public var records: Int64
    public var bytes: Int64
    public var maximumRecords: Int64
    public var maximumBytes: Int64

    public init(records: Int64, bytes: Int64, maximumRecords: Int64, maximumBytes: Int64) {
        self.records = records
        self.bytes = bytes
        self.maximumRecords = maximumRecords
        self.maximumBytes = maximumBytes
    }

    enum CodingKeys: String, CodingKey {
        case records, bytes
        case maximumRecords = "maximum_records"
        case maximumBytes = "maximum_bytes"
    }
}

/// The answer to a push: one result per pushed record, in order.
public struct PushResponse: Codable, Hashable, Sendable {
    public var version: Int
    public var results: [PushResult]
    public var usage: StorageUsage

    public init(results: [PushResult], usage: StorageUsage) {
        self.version = Wire.protocolVersion
        self.results = results
        self.usage = usage
    }
}

/// `GET /v1/records?after=CURSOR&limit=N`: records changed after the cursor, in sequence
/// order, each once in its latest copy. `cursor` is the sequence of the last one (or the
/// request's when none); `more` says whether to ask again.
public struct PullResponse: Codable, Hashable, Sendable {
    /// Default and largest page.
    public static let defaultLimit = 500
    public static let maximumLimit = 1000
    public var version: Int
    public var records: [SyncRecord]
    public var cursor: Int64
    public var more: Bool

    public init(records: [SyncRecord], cursor: Int64, more: Bool) {
        self.version = Wire.protocolVersion
        self.records = records
        self.cursor = cursor
        self.more = more
    }
}
