import Synchronization

/// Refuses a chat request seen before. A request carries the client's clock and a fresh
/// ephemeral key; the server accepts a timestamp only within the skew window and each
/// ephemeral key only once inside it, so a recorded request cannot be replayed to make the
/// server compute (and bill) an answer again.
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

    /// Records the request; throws if it is stale, from the future, or already seen.
    public func check(timestampMilliseconds: UInt64, ephemeralKey: [UInt8], nowMilliseconds: UInt64) throws {
        let skew =
            timestampMilliseconds > nowMilliseconds
            ? timestampMilliseconds - nowMilliseconds : nowMilliseconds - timestampMilliseconds
        guard skew <= window else {
            throw ChannelError(
                .clockSkew, "the request's clock differs from the server's by \(skew / 1000) s; check the system clock")
        }
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
        guard fresh else { throw ChannelError(.replayed, "this request was already answered; it looks replayed") }
    }

    /// Entries currently remembered (tests and metrics).
    public var count: Int { state.withLock { $0.seen.count } }
}
