import Wire

/// One record as the local cache keeps it: the envelope and what the server sees anyway.
public struct CachedRecord: Sendable, Hashable {
    public var id: RecordID
    public var kind: RecordKind
    public var version: UInt64
    /// A message's conversation, so one conversation's messages load without decrypting the rest.
    /// Only a hint: the conversation id inside the ciphertext must agree.
    public var parent: RecordID?
    public var envelope: RecordEnvelope
    public var syncState: SyncState

    public init(
        id: RecordID, kind: RecordKind, version: UInt64, parent: RecordID?, envelope: RecordEnvelope,
        syncState: SyncState
    ) {
        self.id = id
        self.kind = kind
        self.version = version
        self.parent = parent
        self.envelope = envelope
        self.syncState = syncState
    }
}

/// Whether the server has a record's current copy.
public enum SyncState: Int, Sendable, Hashable, CaseIterable {
    /// The cached copy is the server's.
    case synced = 0
    /// Changed here and not yet pushed; its version is the server's plus one.
    case pending = 1
}
