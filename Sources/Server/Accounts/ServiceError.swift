import Wire

/// What an account or record endpoint answers when it refuses: a stable code, the HTTP status
/// it maps to, a message saying what to do, and for rate limits and outages how long to wait.
/// Messages name ids (short prefixes), sizes and fields, never tokens, keys or envelopes.
public struct ServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable code of a refusal: an account, sync or store code.
    public enum Code: Hashable, Sendable, CustomStringConvertible {
        case account(AccountErrorCode)
        case sync(SyncErrorCode)
        case store(StoreErrorCode)

        /// "SOTTO-AUTH-VERIFY" and the like, as the error body carries it.
        public var rawValue: String {
            switch self {
            case .account(let code): code.rawValue
            case .sync(let code): code.rawValue
            case .store(let code): code.rawValue
            }
        }

        public var description: String { rawValue }
    }

    /// The stable code ("SOTTO-AUTH-VERIFY").
    public let code: Code
    /// The HTTP status.
    public let status: Int
    /// What went wrong and what to do.
    public let message: String
    /// Seconds to wait before retrying (`Retry-After`), when it applies.
    public let retryAfterSeconds: Int?

    /// An account error.
    public init(_ code: AccountErrorCode, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = .account(code)
        self.status = code.status
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// A sync error.
    public init(sync code: SyncErrorCode, _ message: String) {
        self.code = .sync(code)
        self.status = code.status
        self.message = message
        self.retryAfterSeconds = nil
    }

    /// A store failure the caller cannot fix by changing the request.
    public init(store error: StoreError) {
        self.code = .store(error.code)
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
