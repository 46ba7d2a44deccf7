import Wire

/// A deleted record as the cache remembers it: enough to tell the server, nothing more.
public struct CachedTombstone: Sendable, Hashable {
    public var id: RecordID
    public var kind: RecordKind
    /// The version the deletion has on the server (or will have once pushed).
    public var version: UInt64
    public var syncState: SyncState

    public init(id: RecordID, kind: RecordKind, version: UInt64, syncState: SyncState) {
        self.id = id
        self.kind = kind
        self.version = version
        self.syncState = syncState
    }
}

/// Changes the cache commits in one transaction: records written, records deleted
/// (replaced by tombstones), records marked as the server's, and the pull cursor.
public struct CacheChange: Sendable, Hashable {
    public var writes: [CachedRecord] = []
    public var tombstones: [CachedTombstone] = []
    /// Ids whose row (record or tombstone) is now the server's copy, at that version.
    public var synced: [(id: RecordID, version: UInt64)] = []
    /// The new pull cursor, when it moves.
    public var cursor: Int64?

    public init() {}

    public var isEmpty: Bool { writes.isEmpty && tombstones.isEmpty && synced.isEmpty && cursor == nil }

    public static func == (lhs: CacheChange, rhs: CacheChange) -> Bool {
        lhs.writes == rhs.writes && lhs.tombstones == rhs.tombstones && lhs.cursor == rhs.cursor
            && lhs.synced.elementsEqual(rhs.synced) { $0.id == $1.id && $0.version == $1.version }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(writes)
        hasher.combine(tombstones)
        hasher.combine(cursor)
    }
}
