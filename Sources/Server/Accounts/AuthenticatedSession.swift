import Foundation
import Wire

/// A caller whose bearer token named a live session.
public struct AuthenticatedSession: Sendable, Hashable {
    /// The session's account.
    public let accountID: AccountID
    /// The passkey that opened the session; nil for a recovery-key session.
    public let credentialID: [UInt8]?
    /// When it expires.
    public let expiresAt: Date
    let tokenHash: [UInt8]
}

/// Turns an `Authorization` header into the session it names (the record service's check).
public protocol SessionAuthenticating: Sendable {
    /// The live session named by `authorization` (`Bearer <token>`).
    /// - Throws: `ServiceError` `SOTTO-AUTH-SESSION` when it is missing, malformed, unknown,
    ///   expired or revoked.
    func authenticate(authorization: String?) async throws -> AuthenticatedSession
}
