import Wire

/// A record that was skipped because it could not be read; it stays in the cache untouched so
/// it can be inspected, and a good copy from sync replaces it.
public struct CorruptRecord: Sendable, Hashable, CustomStringConvertible {
    public let id: RecordID?
    public let kind: RecordKind?
    /// The stable code of what failed (`SOTTO-RECORD-AUTH`, `SOTTO-RECORD-PADDING`, …).
    public let code: RecordErrorCode

    public init(id: RecordID?, kind: RecordKind?, code: RecordErrorCode) {
        self.id = id
        self.kind = kind
        self.code = code
    }

    /// In words, for a notice: "message 2f90… (its bytes were altered or belong elsewhere:
    /// SOTTO-RECORD-AUTH)".
    public var description: String {
        let what = [kind.map { "\($0)" } ?? "record", id.map { "\($0)" } ?? "with an unreadable id"]
        return what.joined(separator: " ") + " (\(Self.reason(code)): \(code.rawValue))"
    }

    private static func reason(_ code: RecordErrorCode) -> String {
        switch code {
        case .malformed: "its envelope is cut short or has the wrong size"
        case .unsupportedVersion: "a newer Sotto wrote it"
        case .authenticationFailed: "its bytes were altered or belong to another record"
        case .badPadding: "its padding is damaged"
        case .tooLarge: "it is larger than a record may be"
        case .unknownKey: "it was sealed with a key this device does not have"
        case .invalidPayload: "its content is not what its kind holds"
        case .invalidIdentifier: "its id, kind or account does not fit"
        }
    }
}
