import Wire

/// Stable identifiers of the record endpoints' own errors (docs/PROTOCOL.md §6); the store's
/// too-large, quota and unavailable codes pass through as they are.
public enum SyncErrorCode: String, StableErrorCode {
    /// Malformed body, bad id or cursor, an envelope of the wrong shape, too many records.
    case badRequest = "SOTTO-SYNC-BAD-REQUEST"
    /// The push body is over the server's size cap: push fewer records at once.
    case tooLarge = "SOTTO-SYNC-TOO-LARGE"

    /// The HTTP status the code is answered with.
    public var status: Int {
        switch self {
        case .badRequest: 400
        case .tooLarge: 413
        }
    }
}
