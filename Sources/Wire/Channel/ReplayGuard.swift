import Synchronization

/// Refuses a chat request seen before. A request carries the client's clock and a fresh
/// ephemeral key; the server accepts a timestamp only within the skew window and each
/// ephemeral key only once inside it, so a recorded request cannot be replayed to make the
/// server compute (and bill) an answer again.
///
/// A request is remembered only once it has been opened whole (`record`): a copy cut short or
/// with bytes appended shares the genuine request's ephemeral key, and marking it seen would
/// let whoever watches the traffic block the genuine request.
public final class ReplayGuard: Sendable {
    private struct State {
        var seen: [[UInt8]: UInt64] = [:]  // ephemeral key → expiry (ms)
        var lastPrune: UInt64 = 0
    }

    private let state = Mutex(State())
    private let window: UInt64

    public init(windowMilliseconds: UInt64 = ChatChannel.maxClockSkewMilliseconds) {
        window = windowMilliseconds
    }

    /// Checks a request before it is opened further; remembers nothing.
    /// - Throws: `ChannelError` `.clockSkew` if it is stale or from the future, `.replayed` if seen.
    public func check(timestampMilliseconds: UInt64, ephemeralKey: [UInt8], nowMilliseconds: UInt64) throws {
        try checkSkew(timestampMilliseconds: timestampMilliseconds, nowMilliseconds: nowMilliseconds)
        let seen = state.withLock { state in
            state.seen[ephemeralKey].map { $0 > nowMilliseconds } ?? false
        }
        guard !seen else { throw Self.replayed }
    }

    /// Remembers a request that authenticated whole; refuses it if it was remembered before
    /// (two copies opened at once: only the first is answered).
    /// - Throws: `ChannelError` `.clockSkew` or `.replayed`, as `check`.
    public func record(timestampMilliseconds: UInt64, ephemeralKey: [UInt8], nowMilliseconds: UInt64) throws {
        try checkSkew(timestampMilliseconds: timestampMilliseconds, nowMilliseconds: nowMilliseconds)
        let fresh = state.withLock { state -> Bool in
            if nowMilliseconds >= state.lastPrune + window {
                state.seen = state.seen.filter { $0.value > nowMilliseconds }
                state.lastPrune = nowMilliseconds
            }
            if let expiry = state.seen[ephemeralKey], expiry > nowMilliseconds { return false }
            // Seen keys are kept until the timestamp could no longer pass the skew check.
            state.seen[ephemeralKey] = timestampMilliseconds + window + 1
            return true
        }
        guard fresh else { throw Self.replayed }
    }

    /// Entries currently remembered (tests and metrics).
    public var count: Int { state.withLock { $0.seen.count } }

    private static let replayed = ChannelError(.replayed, "this request was already answered; it looks replayed")

    private func checkSkew(timestampMilliseconds: UInt64, nowMilliseconds: UInt64) throws {
        let skew =
            timestampMilliseconds > nowMilliseconds
            ? timestampMilliseconds - nowMilliseconds : nowMilliseconds - timestampMilliseconds
        guard skew <= window else {
            throw ChannelError(
                .clockSkew, "the request's clock differs from the server's by \(skew / 1000) s; check the system clock")
        }
    }
}
