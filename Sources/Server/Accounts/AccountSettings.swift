import Foundation
import Wire

/// How the account service runs: whom ceremonies are for, how long things live, how many
/// failures it tolerates, and its clock and randomness (injected so tests control them).
public struct AccountSettings: Sendable {
    /// The RP ID: `--rp-id`.
    public var relyingPartyID: String
    /// The origins clientDataJSON may name: `--origin`, where a loopback server listens, or
    /// `https://` + RP ID.
    public var origins: OriginAllowList
    /// The relying party ceremonies are checked against, with the origins accepted now.
    public var relyingParty: RelyingParty { RelyingParty(id: relyingPartyID, origins: origins.current) }
    /// The relying party's display name in creation options.
    public var relyingPartyName = "Sotto"
    /// How long a ceremony's challenge stays usable.
    public var challengeLifetime: TimeInterval = 5 * 60
    /// How long a session lives.
    public var sessionLifetime: TimeInterval = 30 * 24 * 3600
    /// Failed ceremonies tolerated per client address, and per credential id from one address,
    /// within `failureWindow`.
    public var maximumFailures = 10
    /// The window failures are counted in; a refused caller waits until its oldest failure leaves it.
    public var failureWindow: TimeInterval = 5 * 60
    /// Challenges one client address may hold at once (begun, neither finished nor expired).
    public var maximumOutstandingChallengesPerClient = 32
    /// Challenges the server holds at once, from all clients.
    public var maximumOutstandingChallenges = 100_000
    /// How often expired challenges and sessions are purged, at most (opportunistically, on calls).
    public var purgeInterval: TimeInterval = 60
    /// The current time.
    public var now: @Sendable () -> Date = { Date() }
    /// `count` random bytes.
    public var random: @Sendable (Int) -> [UInt8] = { SecureRandom.bytes($0) }

    /// Settings for RP ID `rpID`, accepting `origins` (default: `https://` + `rpID`), otherwise
    /// the defaults.
    public init(rpID: String = "localhost", origins: OriginAllowList? = nil) {
        relyingPartyID = rpID
        self.origins = origins ?? OriginAllowList(["https://" + rpID])
    }
}
