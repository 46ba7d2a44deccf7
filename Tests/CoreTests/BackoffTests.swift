import Core
import Testing

/// The sync retry delay: doubling from the base, capped, jittered into the upper half, and
/// reset by a success.
@Suite struct BackoffTests {
    @Test func delaysDoubleUpToTheCapWithinTheUpperHalf() {
        var backoff = Backoff(base: 1, maximum: 300)
        var ceilings: [Double] = []
        for _ in 0..<12 {
            // The largest draw is the ceiling itself; the smallest, half of it.
            var copy = backoff
            let low = copy.failed(random: 0)
            let high = backoff.failed(random: 1)
            #expect(low == high / 2)
            ceilings.append(high)
        }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
        #expect(backoff.failures == 12)
    }

    @Test func aSuccessStartsOverFromTheBase() {
        var backoff = Backoff(base: 2, maximum: 60)
        for _ in 0..<5 { _ = backoff.failed(random: 1) }
        backoff.succeeded()
        #expect(backoff.failures == 0)
        #expect(backoff.failed(random: 1) == 2)
    }

    @Test func drawsOutsideTheUnitIntervalAreClampedAndManyFailuresDoNotOverflow() {
        var backoff = Backoff(base: 1, maximum: 300)
        #expect(backoff.failed(random: -5) == 0.5)
        #expect(backoff.failed(random: 7) == 2)
        for _ in 0..<200 { _ = backoff.failed(random: 0.5) }
        let delay = backoff.failed(random: 0.5)
        #expect(delay.isFinite && delay == 225)
    }
}
