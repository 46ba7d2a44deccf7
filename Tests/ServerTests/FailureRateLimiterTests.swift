import Foundation
import Testing

@testable import Server

/// The sliding window of failed ceremonies behind `SOTTO-AUTH-RATE-LIMITED`.
@Suite struct FailureRateLimiterTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aKeyIsRefusedAtTheLimitUntilItsOldestFailureLeavesTheWindow() {
        let limiter = FailureRateLimiter(limit: 3, window: 300)
        for second in [0.0, 10, 20] {
            #expect(limiter.retryAfter(["a"], now: start.addingTimeInterval(second)) == nil)
            limiter.recordFailure(["a"], now: start.addingTimeInterval(second))
        }
        // The oldest failure (t = 0) leaves the window at t = 300.
        #expect(limiter.retryAfter(["a"], now: start.addingTimeInterval(20)) == 280)
        #expect(limiter.retryAfter(["a"], now: start.addingTimeInterval(299.2)) == 1)
        #expect(limiter.retryAfter(["a"], now: start.addingTimeInterval(300)) == nil)
        // Other keys are not affected.
        #expect(limiter.retryAfter(["b"], now: start.addingTimeInterval(20)) == nil)
    }

    @Test func theLongestWaitOfSeveralKeysIsAnswered() {
        let limiter = FailureRateLimiter(limit: 2, window: 60)
        limiter.recordFailure(["address", "credential@address"], now: start)
        limiter.recordFailure(["address"], now: start.addingTimeInterval(30))
        limiter.recordFailure(["credential@address"], now: start.addingTimeInterval(40))
        #expect(limiter.retryAfter(["address"], now: start.addingTimeInterval(40)) == 20)
        #expect(limiter.retryAfter(["credential@address", "address"], now: start.addingTimeInterval(40)) == 20)
        #expect(limiter.retryAfter(["credential@address"], now: start.addingTimeInterval(61)) == nil)
    }

    @Test func purgingDropsOnlyExpiredKeysAndCountsStayCorrect() {
        let limiter = FailureRateLimiter(limit: 2, window: 60)
        limiter.recordFailure(["old"], now: start)
        limiter.recordFailure(["old"], now: start.addingTimeInterval(1))
        limiter.recordFailure(["new"], now: start.addingTimeInterval(100))
        limiter.recordFailure(["new"], now: start.addingTimeInterval(101))
        limiter.purge(now: start.addingTimeInterval(102))
        #expect(limiter.retryAfter(["old"], now: start.addingTimeInterval(102)) == nil)
        #expect(limiter.retryAfter(["new"], now: start.addingTimeInterval(102)) == 58)
        // Failures that left the window do not count toward the limit again.
        limiter.recordFailure(["old"], now: start.addingTimeInterval(103))
        #expect(limiter.retryAfter(["old"], now: start.addingTimeInterval(103)) == nil)
    }
}
