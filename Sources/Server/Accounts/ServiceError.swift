import Wire

/// What an account or record endpoint answers when it refuses: a stable code, the HTTP status
/// it maps to, a message saying what to do, and for rate limits and outages how long to wait.
/// Messages name ids (short prefixes), sizes and fields, never tokens, keys or envelopes.
public struct ServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable code ("SOTTO-AUTH-VERIFY").
    public let code: String
    /// The HTTP status.
    public let status: Int
    /// What went wrong and what to do.
    public let message: String
    /// Seconds to wait before retrying (`Retry-After`), when it applies.
    public let retryAfterSeconds: Int?

    /// An account error.
    public init(_ code: AccountErrorCode, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = code.rawValue
        self.status = code.status
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// A sync error.
    public init(sync code: SyncErrorCode, _ message: String) {
        self.code = code.rawValue
        self.status = code.status
        self.message = message
        self.retryAfterSeconds = nil
    }

    /// A store failure the caller cannot fix by changing the request.
    public init(store error: StoreError) {
        self.code = error.code.rawValue
        self.message = error.message
        switch error.code {
        case .tooLarge:
            status = 413
            retryAfterSeconds = nil
        case .quotaExceeded:
            status = 507
            retryAfterSeconds = nil
        default:
            status = 503
            retryAfterSeconds = 5
        }
    }

    /// The error a failure that is none of the above becomes: the store is treated as unavailable,
    /// since that is where everything else the services do can fail.
    static func unavailable() -> ServiceError {
        ServiceError(store: StoreError(.unavailable, "the server's database did not answer; retry shortly"))
    }

    /// "SOTTO-…: message".
    public var description: String { "\(code): \(message)" }
}
