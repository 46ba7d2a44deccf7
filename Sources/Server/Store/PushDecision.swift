import Wire

/// What a push does with one record, given the copy the server holds (docs/PROTOCOL.md §6).
/// Both stores apply it inside their push transaction, so they agree on every case.
enum PushDecision: Equatable {
    /// The next version: stored under the account's next sequence.
    case store
    /// The version the server holds, with the same bytes: a retried push, accepted again.
    case alreadyStored
    /// Anything else; the result carries the server's copy.
    case conflict

    /// The decision for `incoming` over `stored` (nil when the server has no such record).
    static func decide(_ incoming: SyncRecord, over stored: SyncRecord?) -> PushDecision {
        guard let stored else { return incoming.version == 1 ? .store : .conflict }
        // The kind is sealed into the envelope's associated data: a record never changes kind.
        guard incoming.kind == stored.kind else { return .conflict }
        if incoming.version == stored.version {
            return incoming.envelope == stored.envelope ? .alreadyStored : .conflict
        }
        guard stored.version < UInt64.max, incoming.version == stored.version + 1 else { return .conflict }
        // A deletion is final, and a message is immutable: it may only be deleted.
        if stored.isTombstone { return .conflict }
        if !stored.kind.isMutable && !incoming.isTombstone { return .conflict }
        return .store
    }
}

/// An account's live records and their envelope bytes, as the quota counts them.
struct RecordUsage: Equatable {
    var records: Int64
    var bytes: Int64

    /// Replaces `old` (nil when new) by `new` in the count: tombstones count neither.
    mutating func replace(_ old: SyncRecord?, with new: SyncRecord) {
        if let old, let envelope = old.envelope {
            records -= 1
            bytes -= Int64(envelope.bytes.count)
        }
        if let envelope = new.envelope {
            records += 1
            bytes += Int64(envelope.bytes.count)
        }
    }
}
