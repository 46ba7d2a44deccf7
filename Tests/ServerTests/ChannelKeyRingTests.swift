import Server
import Synchronization
import Testing

@Suite struct ChannelKeyRingTests {
    @Test func rotatesAndServesOldKeysUntilNotAfter() throws {
        let now = Atomic<UInt64>(1_000_000)
        let ring = ChannelKeyRing(rotationSeconds: 100, graceSeconds: 10, clock: { now.load(ordering: .relaxed) })
        let first = try ring.current()
        #expect(first.announcement.notAfter == 1_000_000 + 110)
        now.store(1_000_099, ordering: .relaxed)
        #expect(try ring.current() === first)
        now.store(1_000_100, ordering: .relaxed)
        let second = try ring.current()
        #expect(second !== first)
        // The old key still opens requests during its grace period…
        #expect(ring.key(id: first.announcement.keyID.bytes) === first)
        now.store(1_000_110, ordering: .relaxed)
        // …and not after its not-after.
        #expect(ring.key(id: first.announcement.keyID.bytes) == nil)
        #expect(ring.key(id: second.announcement.keyID.bytes) === second)
        _ = try ring.current()
        #expect(ring.count == 1)
        #expect(ring.key(id: [UInt8](repeating: 0, count: 16)) == nil)
    }
}
