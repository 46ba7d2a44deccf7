import Wire

/// What a push does with one record, given the copy the server holds (docs/PROTOCOL.md §6).
/// Both stores (and the test doubles) apply it inside their push transaction, so they agree on
/// every case.
package enum PushDecision: Equatable {
    /// The next version: stored under the account's next sequence.
    case store
    /// The version the server holds, with the same bytes: a retried push, accepted again.
    case alreadyStored
    /// Anything else; the result carries the server's copy.
    case conflict

    /// The decision for `incoming` over `stored` (nil when the server has no such record).
    package static func decide(_ incoming: SyncRecord, over stored: SyncRecord?) -> PushDecision {
        guard let stored else { return incoming.version == 1 ? .store : .conflict }
        // The kind is sealed into the envelope's associated data: a record never changes kind.
        guard incoming.kind == stored.kind else { return .conflict }
        if incoming.version == stored.version {
            guard incoming.envelope == stored.envelope else { return .conflict }
            // A deletion sealed again under a rotated root key replaces its seal (and is pulled
            // again); another seal under the same key is a retry, and the first one stays.
            if incoming.isTombstone, let seal = incoming.deletion,
                stored.deletion.map({ keyID(of: $0) != keyID(of: seal) }) ?? false
            {
                return .store
            }
            return .alreadyStored
        }
        guard stored.version < UInt64.max, incoming.version == stored.version + 1 else { return .conflict }
        // A deletion is final, and a message is immutable: it may only be deleted, or sealed
        // again under a rotated root key (its envelope names another key id).
        if stored.isTombstone { return .conflict }
        if !stored.kind.isMutable && !incoming.isTombstone {
            guard let old = stored.envelope, let new = incoming.envelope, keyID(of: old) != keyID(of: new) else {
                return .conflict
            }
        }
        return .store
    }

    /// The key id an envelope's header names (docs/RECORDS.md), read without any key; the
    /// push's shape check has made sure the header is there.
    private static func keyID(of envelope: Base64Bytes) -> ArraySlice<UInt8> {
        envelope.bytes.dropFirst().prefix(RecordKeyID.byteCount)
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
