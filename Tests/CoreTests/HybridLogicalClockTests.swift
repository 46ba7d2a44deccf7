import Core
import Testing

@Suite("Hybrid logical clock")
struct HybridLogicalClockTests {
    let a = try! DeviceID(String(repeating: "0a", count: 16))
    let b = try! DeviceID(String(repeating: "0b", count: 16))

    @Test func localEventsFollowTheWallClockAndCountWithinAMillisecond() {
        var clock = HybridLogicalClock(device: a)
        #expect(clock.tick(now: 1000) == HLCTimestamp(wall: 1000, counter: 0, device: a))
        #expect(clock.tick(now: 1000) == HLCTimestamp(wall: 1000, counter: 1, device: a))
        #expect(clock.tick(now: 1005) == HLCTimestamp(wall: 1005, counter: 0, device: a))
    }

    @Test func staysMonotonicWhenTheWallClockGoesBack() {
        var clock = HybridLogicalClock(device: a)
        var previous = clock.tick(now: 5000)
        for now: UInt64 in [4000, 4000, 100, 5000, 4999, 5001, 0] {
            let next = clock.tick(now: now)
            #expect(next > previous)
            previous = next
        }
        // Still anchored to the largest time seen, counting above it.
        #expect(previous.wall == 5001)
        #expect(previous.counter == 1)
    }

    @Test func receivingOrdersLaterEventsAfterTheRemoteOne() {
        var clock = HybridLogicalClock(device: a)
        _ = clock.tick(now: 1000)
        // A device whose clock runs ahead.
        let remote = HLCTimestamp(wall: 9000, counter: 4, device: b)
        clock.receive(remote, now: 1001)
        let next = clock.tick(now: 1002)
        #expect(next > remote)
        #expect(next == HLCTimestamp(wall: 9000, counter: 6, device: a))
        // Receiving an older reading changes nothing but the counter.
        clock.receive(HLCTimestamp(wall: 10, counter: 0, device: b), now: 1003)
        #expect(clock.tick(now: 1004) == HLCTimestamp(wall: 9000, counter: 8, device: a))
        // A later physical time takes over and the counter resets.
        clock.receive(HLCTimestamp(wall: 9500, counter: 3, device: b), now: 9600)
        #expect(clock.last == HLCTimestamp(wall: 9600, counter: 0, device: a))
    }

    @Test func receiveRulesForEqualWalls() {
        var clock = HybridLogicalClock(device: a)
        _ = clock.tick(now: 2000)
        _ = clock.tick(now: 2000)  // (2000, 1)
        clock.receive(HLCTimestamp(wall: 2000, counter: 7, device: b), now: 1500)
        #expect(clock.last == HLCTimestamp(wall: 2000, counter: 8, device: a))
        clock.receive(HLCTimestamp(wall: 2000, counter: 3, device: b), now: 2000)
        #expect(clock.last == HLCTimestamp(wall: 2000, counter: 9, device: a))
    }

    @Test func aFullCounterCarriesIntoTheNextMillisecond() {
        var clock = HybridLogicalClock(device: a)
        clock.receive(HLCTimestamp(wall: 70, counter: .max - 1, device: b), now: 10)
        #expect(clock.last == HLCTimestamp(wall: 70, counter: .max, device: a))
        #expect(clock.tick(now: 10) == HLCTimestamp(wall: 71, counter: 0, device: a))
    }

    @Test func equalTimesBreakTiesByDevice() {
        let fromA = HLCTimestamp(wall: 5, counter: 1, device: a)
        let fromB = HLCTimestamp(wall: 5, counter: 1, device: b)
        #expect(fromA < fromB)
        #expect(HLCTimestamp(wall: 5, counter: 2, device: a) > fromB)
        #expect(HLCTimestamp(wall: 6, counter: 0, device: a) > HLCTimestamp(wall: 5, counter: 9, device: b))
    }

    @Test func textFormSortsLikeTheReadings() throws {
        var readings: [HLCTimestamp] = []
        for _ in 0..<300 {
            readings.append(
                HLCTimestamp(
                    wall: UInt64.random(in: 0...1 << 45), counter: UInt32.random(in: 0...3),
                    device: Bool.random() ? a : b))
        }
        for r in readings { #expect(try HLCTimestamp(r.description) == r) }
        let byValue = readings.sorted()
        let byText = readings.sorted { $0.description.utf8.lexicographicallyPrecedes($1.description.utf8) }
        #expect(byValue == byText)
        #expect(
            HLCTimestamp(wall: 0x1_8000, counter: 2, device: a).description == "0000000000018000-00000002-"
                + a.description)
        #expect(throws: (any Error).self) { try HLCTimestamp("12-34") }
    }

    /// Two devices exchanging readings in random order: every device's readings increase, and
    /// every reading made after receiving one is larger than it.
    @Test func randomExchangesKeepCausality() {
        var clocks = [HybridLogicalClock(device: a), HybridLogicalClock(device: b)]
        var wall: [UInt64] = [10_000, 9_000]
        var last: [HLCTimestamp?] = [nil, nil]
        for _ in 0..<2000 {
            let i = Int.random(in: 0...1)
            // Each wall clock jitters, sometimes backwards.
            wall[i] = UInt64(max(0, Int(wall[i]) + Int.random(in: -20...30)))
            if Bool.random(), let remote = last[1 - i] {
                clocks[i].receive(remote, now: wall[i])
                let next = clocks[i].tick(now: wall[i])
                #expect(next > remote)
                if let mine = last[i] { #expect(next > mine) }
                last[i] = next
            } else {
                let next = clocks[i].tick(now: wall[i])
                if let mine = last[i] { #expect(next > mine) }
                last[i] = next
            }
        }
    }
}
