import Wire

/// A record that was skipped because it could not be read; it stays in the cache untouched so
/// it can be inspected, and a good copy from sync replaces it.
public struct CorruptRecord: Sendable, Hashable {
    public let id: RecordID?
    public let kind: RecordKind?
    /// The stable code of what failed (`SOTTO-RECORD-AUTH`, `SOTTO-RECORD-PADDING`, …).
    public let code: RecordErrorCode

    public init(id: RecordID?, kind: RecordKind?, code: RecordErrorCode) {
        self.id = id
        self.kind = kind
        self.code = code
    }
}
