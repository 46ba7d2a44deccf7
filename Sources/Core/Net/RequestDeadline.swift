import Foundation

/// How long a request may take, by its kind. libcurl's idle limit alone (no byte for a while)
/// lets a server that trickles one byte a second hold a command for as long as it likes; every
/// request also has a deadline for the whole exchange, and a streamed answer one between its
/// events, so a stall ends in `SOTTO-NET-STALLED` rather than a wait without end.
public struct RequestDeadline: Sendable, Hashable {
    /// Seconds the whole exchange may take; nil for a streamed answer, whose length is the
    /// model's.
    public var total: Int?
    /// Seconds a streamed answer may go without a complete event; nil for other requests.
    public var betweenEvents: Int?

    public init(total: Int?, betweenEvents: Int? = nil) {
        self.total = total
        self.betweenEvents = betweenEvents
    }

    /// `POST /v1/attestation`: evidence of a few kilobytes, made in well under a second on an idle server; a loaded one gets two minutes.
    public static var attestation: RequestDeadline { RequestDeadline(total: capped(120)) }
    /// The account endpoints (ceremonies, sessions, passkeys): small JSON both ways.
    public static var account: RequestDeadline { RequestDeadline(total: capped(120)) }
    /// One sync request: a pull page or a push batch, up to several megabytes.
    public static var syncPage: RequestDeadline { RequestDeadline(total: capped(300)) }
    /// An encrypted chat answer: as long as the model writes, but never silent for longer than
    /// a slow CPU needs to read a long prompt before its first token.
    public static var chatStream: RequestDeadline { RequestDeadline(total: nil, betweenEvents: capped(300)) }

    /// The environment variable that lowers every deadline to its value in seconds (tests of
    /// stalling servers; a user on a network known to be fast).
    public static let environmentVariable = "SOTTO_REQUEST_DEADLINE"

    private static func capped(_ seconds: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], let limit = Int(text), limit >= 1
        else { return seconds }
        return min(seconds, limit)
    }
}
