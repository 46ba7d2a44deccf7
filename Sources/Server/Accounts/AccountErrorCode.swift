import Wire

/// Stable identifiers of the account endpoints' errors (docs/PROTOCOL.md §5).
public enum AccountErrorCode: String, StableErrorCode {
    /// Malformed body, unknown version, a field of the wrong size.
    case badRequest = "SOTTO-AUTH-BAD-REQUEST"
    /// The challenge is unknown, used, expired or for another ceremony.
    case challenge = "SOTTO-AUTH-CHALLENGE"
    /// The ceremony did not verify.
    case verify = "SOTTO-AUTH-VERIFY"
    /// No account has this passkey.
    case unknownCredential = "SOTTO-AUTH-UNKNOWN-CREDENTIAL"
    /// Missing, expired or revoked session.
    case session = "SOTTO-AUTH-SESSION"
    /// The credential (or recovery key) is already registered.
    case duplicate = "SOTTO-AUTH-DUPLICATE"
    /// An account keeps at least one passkey.
    case lastPasskey = "SOTTO-AUTH-LAST-PASSKEY"
    /// A sensitive change came without the fresh passkey (or recovery key) confirmation it needs.
    case confirmationRequired = "SOTTO-AUTH-CONFIRMATION"
    /// Too many failed ceremonies from this address or for this credential.
    case rateLimited = "SOTTO-AUTH-RATE-LIMITED"
    /// No root key rotation was begun, or one begun with another passkey is unfinished.
    case rotation = "SOTTO-AUTH-ROTATION"
    /// The account's records changed since the rotating device last pulled.
    case rotationStale = "SOTTO-AUTH-ROTATION-STALE"

    /// The HTTP status the code is answered with.
    public var status: Int {
        switch self {
        case .badRequest, .challenge: 400
        case .verify, .unknownCredential, .session: 401
        case .confirmationRequired: 403
        case .duplicate, .lastPasskey, .rotation, .rotationStale: 409
        case .rateLimited: 429
        }
    }
}
