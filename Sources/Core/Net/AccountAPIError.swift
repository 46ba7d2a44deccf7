import Wire

/// The server refused an account call (docs/PROTOCOL.md §5): its status, its stable code and a
/// message that says what to do. `serverMessage` is the server's own words, kept for reports.
public struct AccountAPIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The codes of the §5 table.
    public enum Known: String, Sendable, CaseIterable {
        case badRequest = "SOTTO-AUTH-BAD-REQUEST"
        case challenge = "SOTTO-AUTH-CHALLENGE"
        case verify = "SOTTO-AUTH-VERIFY"
        case unknownCredential = "SOTTO-AUTH-UNKNOWN-CREDENTIAL"
        case session = "SOTTO-AUTH-SESSION"
        case duplicate = "SOTTO-AUTH-DUPLICATE"
        case lastPasskey = "SOTTO-AUTH-LAST-PASSKEY"
        case rateLimited = "SOTTO-AUTH-RATE-LIMITED"
        /// A root key rotation begun with another passkey is unfinished, or none was begun.
        case rotation = "SOTTO-AUTH-ROTATION"
        /// The account's records changed while its root key was being rotated.
        case rotationStale = "SOTTO-AUTH-ROTATION-STALE"
        /// Too many requests from this address (§2), not a failed ceremony.
        case requestRateLimited = "SOTTO-RATE-LIMITED"
    }

    /// The HTTP status.
    public let status: Int
    /// The server's stable code ("SOTTO-AUTH-SESSION"), or "SOTTO-HTTP-<status>" when it gave none.
    public let code: String
    /// What went wrong and what to do.
    public let message: String
    /// What the server said, verbatim.
    public let serverMessage: String
    /// Seconds to wait before trying again (429, 503), from `Retry-After`.
    public let retryAfterSeconds: Int?

    /// The code, when it is one of §5's.
    public var known: Known? { Known(rawValue: code) }

    /// Whether logging in again is the remedy.
    public var needsLogin: Bool { known == .session }

    /// Maps a refusal to its actionable message.
    public init(status: Int, code: String, serverMessage: String, retryAfterSeconds: Int?) {
        self.status = status
        self.code = code
        self.serverMessage = serverMessage
        self.retryAfterSeconds = retryAfterSeconds
        let detail = serverMessage.isEmpty ? "" : " (server: \(serverMessage))"
        switch Known(rawValue: code) {
        case .badRequest:
            message = "the server did not understand the request; is Sotto up to date?\(detail)"
        case .challenge:
            message = "the sign-in expired or was interrupted; run the command again\(detail)"
        case .verify:
            message = "the server did not accept the passkey's answer\(detail)"
        case .unknownCredential:
            message =
                "this passkey is not registered to an account on this server (it was removed, or is for another server); use another passkey, or `sotto recover`\(detail)"
        case .session:
            message = "your session has expired or was revoked: log in again with `sotto login`\(detail)"
        case .duplicate:
            message = "this passkey is already registered; log in with it (`sotto login`) instead\(detail)"
        case .lastPasskey:
            message =
                "an account keeps at least one passkey: add another (`sotto passkeys add`) before removing this one\(detail)"
        case .rateLimited:
            message =
                "too many failed or unfinished sign-ins from here: \(RetryWait.advice(retryAfterSeconds))\(detail)"
        case .rotation:
            message =
                "another passkey's root key rotation is unfinished: run `sotto keys rotate` where that passkey is, or log in with it\(detail)"
        case .rotationStale:
            message = "the account's records changed during the key rotation; run `sotto keys rotate` again\(detail)"
        case .requestRateLimited:
            message = "too many requests to the server from here: \(RetryWait.advice(retryAfterSeconds))\(detail)"
        case nil where code.hasPrefix(UnexplainedRefusal.prefix) && (status == 404 || status == 405):
            message = "the server does not offer accounts (HTTP \(status)); is it a Sotto server of this version?"
        case nil:
            message = "the server refused the request (HTTP \(status))\(detail)"
        }
    }

    /// "SOTTO-AUTH-…: message".
    public var description: String { "\(code): \(message)" }
}

/// The codes the client gives a refusal whose body named none (a proxy's error page, a server
/// of another kind): docs/ERRORS.md lists them with the server's own.
public enum UnexplainedRefusal {
    /// A refused request whose body was not the documented error JSON.
    public static let code = "SOTTO-HTTP"
    /// An account call refused without a code: this, then the HTTP status ("SOTTO-HTTP-404").
    public static let prefix = "SOTTO-HTTP-"

    /// The code of an account call refused with `status` and no code of the server's.
    public static func code(status: Int) -> String { prefix + String(status) }
}
