import Foundation
import Synchronization

/// Counts failed ceremonies per key (a credential id, a recovery key id, a client address) in
/// a sliding window, and refuses a key once it reached the limit until its oldest failure
/// leaves the window. In memory: a restart forgets the counts, and several server processes
/// each keep their own (docs/PROTOCOL.md §5.3).
final class FailureRateLimiter: Sendable {
    /// Keys tracked at most; past it, keys whose failures all left the window are dropped, then
    /// the oldest, so a flood of addresses cannot grow memory without bound.
    static let maximumKeys = 100_000

    private let state = Mutex<[String: [Date]]>([:])
    let limit: Int
    let window: TimeInterval

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until every key in `keys` may try again; nil when none is over the limit.
    func retryAfter(_ keys: [String], now: Date) -> Int? {
        state.withLock { failures in
            var wait: TimeInterval = 0
            for key in keys {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                guard recent.count >= limit, let oldest = recent.min() else { continue }
                wait = max(wait, oldest.addingTimeInterval(window).timeIntervalSince(now))
            }
            return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
        }
    }

    /// Counts one failure against each of `keys`.
    func recordFailure(_ keys: [String], now: Date) {
        state.withLock { failures in
            for key in keys {
                var recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                recent.append(now)
                failures[key] = recent
            }
            if failures.count > Self.maximumKeys {
                failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
                while failures.count > Self.maximumKeys,
                    let oldest = failures.min(by: { ($0.value.last ?? now) < ($1.value.last ?? now) })
                {
                    failures[oldest.key] = nil
                }
            }
        }
    }

    /// Drops keys whose failures all left the window.
    func purge(now: Date) {
        state.withLock { failures in
            failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
        }
    }
}
