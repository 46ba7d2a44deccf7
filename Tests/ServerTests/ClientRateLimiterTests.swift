import Foundation
import Server
import ServerTesting
import Testing

/// The per-address token buckets, on a clock the test moves.
@Suite struct ClientRateLimiterTests {
    let clock = SettableClock()

    func limiter(burst: Int, perMinute: Double) -> ClientRateLimiter {
        var limits = RequestRateLimits()
        for kind in RequestRateLimits.Kind.allCases { limits[kind] = .init(burst: burst, perMinute: perMinute) }
        return ClientRateLimiter(limits: limits, now: { [clock] in clock.now })
    }

    @Test func aBurstThenTheRefillRate() {
        let limiter = limiter(burst: 3, perMinute: 6)
        for _ in 0..<3 { #expect(limiter.take(.chat, client: "127.0.0.1") == nil) }
        // One token every 10 seconds.
        #expect(limiter.take(.chat, client: "127.0.0.1") == 10)
        clock.advance(4)
        #expect(limiter.take(.chat, client: "127.0.0.1") == 6)
        clock.advance(6)
        #expect(limiter.take(.chat, client: "127.0.0.1") == nil)
        #expect(limiter.take(.chat, client: "127.0.0.1") == 10)
        // A long pause refills up to the burst, no more.
        clock.advance(3600)
        for _ in 0..<3 { #expect(limiter.take(.chat, client: "127.0.0.1") == nil) }
        #expect(limiter.take(.chat, client: "127.0.0.1") != nil)
    }

    @Test func addressesAndKindsHaveTheirOwnBuckets() {
        let limiter = limiter(burst: 1, perMinute: 1)
        #expect(limiter.take(.chat, client: "127.0.0.1") == nil)
        #expect(limiter.take(.chat, client: "127.0.0.1") == 60)
        #expect(limiter.take(.chat, client: "127.0.0.2") == nil)
        #expect(limiter.take(.attestation, client: "127.0.0.1") == nil)
        #expect(limiter.take(.ceremony, client: "127.0.0.1") == nil)
        // Requests without an address share one bucket: no way around the limit.
        #expect(limiter.take(.chat, client: nil) == nil)
        #expect(limiter.take(.chat, client: nil) == 60)
    }

    @Test func theDefaultsAreGenerousForOnePerson() {
        let limits = RequestRateLimits()
        #expect(limits.chat.burst >= 30 && limits.attestation.burst >= 30 && limits.ceremony.burst >= 20)
        let limiter = ClientRateLimiter(now: { [clock] in clock.now })
        for _ in 0..<limits.ceremony.burst { #expect(limiter.take(.ceremony, client: "::1") == nil) }
        #expect(limiter.take(.ceremony, client: "::1") != nil)
    }
}
