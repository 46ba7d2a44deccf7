import Wire

/// What a sync pass caught the server doing that no device of the account did: deleting
/// without the owner's seal, serving an older copy than one held here, or withholding a record
/// the account's authenticated index names. None of it is applied; the history here stays as
/// it was, and sync goes on.
public struct SyncIntegrity: Sendable, Hashable {
    /// Tombstones without a valid seal that would have deleted a record held here (or carried a
    /// forged seal): ignored, the record kept.
    public var unsealedDeletions: [RecordID] = []
    /// Copies older than the version held here: not applied.
    public var rolledBack: [RecordID] = []
    /// Records the authenticated index names at a version this device still lacks after a full
    /// pull: the server dropped or withheld them (or serves an older copy).
    public var withheld: [RecordID] = []

    public init() {}

    /// Whether the server behaved.
    public var isClean: Bool { unsealedDeletions.isEmpty && rolledBack.isEmpty && withheld.isEmpty }

    /// Adds the events of a later pass; `withheld` is the later pass's (it is rechecked each time).
    public mutating func record(_ later: SyncIntegrity) {
        for id in later.unsealedDeletions where !unsealedDeletions.contains(id) { unsealedDeletions.append(id) }
        for id in later.rolledBack where !rolledBack.contains(id) { rolledBack.append(id) }
        withheld = later.withheld
    }

    /// The warning to show (`SOTTO-SYNC-INTEGRITY`), nil when the server behaved.
    public var warning: SyncError? {
        guard !isClean else { return nil }
        var found: [String] = []
        if !withheld.isEmpty { found.append("withheld \(withheld.count) record(s) another device saved") }
        if !rolledBack.isEmpty { found.append("sent an older copy of \(rolledBack.count) record(s)") }
        if !unsealedDeletions.isEmpty {
            found.append("sent \(unsealedDeletions.count) deletion(s) no device of yours made")
        }
        return SyncError(
            .integrity,
            "the server " + found.joined(separator: ", ")
                + "; none of it was applied and this device keeps its copy. Keep using this device, run"
                + " `sotto export` to keep a copy, and tell the server's operator; it may be failing or tampering")
    }
}
