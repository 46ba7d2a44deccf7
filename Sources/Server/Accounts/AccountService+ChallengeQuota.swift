import Foundation

/// The bound on outstanding challenges (`ChallengeQuota`), as the ceremonies' `begin` applies it.
extension AccountService {
    /// Reserves room for `challenge`, or refuses the `begin` with how long to wait.
    /// - Throws: `SOTTO-AUTH-RATE-LIMITED` (429) with `Retry-After`.
    func reserveChallenge(_ challenge: StoredChallenge, client: String?, now: Date) throws {
        switch challengeQuota.reserve(id: challenge.id, client: client, expiresAt: challenge.expiresAt, now: now) {
        case nil:
            return
        case .client(let wait):
            logger.notice(
                "challenge refused: the client holds too many", metadata: ["limit": "\(challengeQuota.perClient)"])
            throw ServiceError(
                .rateLimited,
                "too many sign-ins begun from this address and not finished: finish one, or wait \(wait) seconds",
                retryAfterSeconds: wait)
        case .full(let wait):
            logger.warning(
                "challenge refused: the server holds too many", metadata: ["limit": "\(challengeQuota.total)"])
            throw ServiceError(
                .rateLimited, "the server has too many sign-ins under way: wait \(wait) seconds and try again",
                retryAfterSeconds: wait)
        }
    }
}
