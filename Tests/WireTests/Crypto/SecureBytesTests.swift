import Testing
import Wire

@Suite("SecureBytes")
struct SecureBytesTests {
    /// 32 bytes of 0x41 ('A'): easy to spot in any rendering, as text or as hex.
    private static let canary = [UInt8](repeating: 0x41, count: 32)

    /// Fails if `text` shows the canary as characters or as hex.
    private func expectRedacted(_ text: String, _ what: String) {
        #expect(!text.contains("AAAA"), "\(what) shows the secret as text")
        #expect(!text.lowercased().contains("41414141"), "\(what) shows the secret as hex")
        #expect(!text.contains("65, 65, 65, 65"), "\(what) shows the secret as decimal bytes")
    }

    @Test("no rendering reveals the secret")
    func redaction() {
        let secret = SecureBytes(copying: Self.canary)
        expectRedacted(secret.description, "description")
        expectRedacted(secret.debugDescription, "debugDescription")
        expectRedacted(String(describing: secret), "String(describing:)")
        expectRedacted(String(reflecting: secret), "String(reflecting:)")
        expectRedacted("\(secret)", "interpolation")
        var dumped = ""
        dump(secret, to: &dumped)
        expectRedacted(dumped, "dump")

        // Nested in other values, too.
        struct Holder { let name = "key"; let secret: SecureBytes }
        var nested = ""
        dump(Holder(secret: secret), to: &nested)
        dump([secret, secret], to: &nested)
        expectRedacted(nested, "dump of a containing value")
        expectRedacted(String(describing: [secret]), "array description")
        expectRedacted(String(reflecting: Optional(secret)), "optional debugDescription")

        // What it does show: the size, and a mirror with only the count.
        #expect(secret.description.contains("32"))
        let children = Mirror(reflecting: secret).children.map { $0.label }
        #expect(children == ["count"])
        // The canary is really in there (so the checks above test something).
        #expect(secret.unsafeCopyToArray() == Self.canary)
    }

    @Test("equality is by content and length")
    func equality() {
        let a = SecureBytes(copying: [1, 2, 3, 4] as [UInt8])
        let b = SecureBytes(copying: [1, 2, 3, 4] as [UInt8])
        #expect(a == b)
        #expect(a == a)
        #expect(a != SecureBytes(copying: [1, 2, 3, 5] as [UInt8]))
        #expect(a != SecureBytes(copying: [1, 2, 3] as [UInt8]))
        #expect(a != SecureBytes(copying: [1, 2, 3, 4, 0] as [UInt8]))
        #expect(SecureBytes(zeroed: 0) == SecureBytes(copying: [UInt8]()))
        #expect(SecureBytes(zeroed: 16) == SecureBytes(copying: [UInt8](repeating: 0, count: 16)))
    }

    @Test("random(count:) gives fresh bytes each call")
    func random() {
        let first = SecureBytes.random(count: 32)
        let second = SecureBytes.random(count: 32)
        #expect(first.count == 32)
        #expect(first != second)
        #expect(first.unsafeCopyToArray() != [UInt8](repeating: 0, count: 32))
        #expect(SecureBytes.random(count: 0).count == 0)
    }

    @Test("slice copies the requested range")
    func slice() {
        let whole = SecureBytes(copying: (0..<64).map { UInt8($0) })
        #expect(whole.slice(10..<42).unsafeCopyToArray() == (10..<42).map { UInt8($0) })
        #expect(whole.slice(0..<0).count == 0)
        #expect(whole.slice(0..<64) == whole)
    }

    /// Sizes on either side of the pool's slot classes (32, 64, 128, 256) and past them.
    static let sizes = [1, 32, 33, 64, 200, 256, 257, 5000]

    @Test("allocations recycle as zeroed buffers and keep their contents", arguments: sizes)
    func allocationCycles(size: Int) {
        let live = 64
        for round in 0..<4 {
            do {
                // Fill many buffers with distinct patterns; overlapping slots would corrupt them.
                let filled = (0..<live).map { index in
                    SecureBytes(copying: Self.pattern(size: size, seed: round * live + index))
                }
                for (index, buffer) in filled.enumerated() {
                    #expect(buffer.count == size)
                    #expect(
                        buffer.unsafeCopyToArray() == Self.pattern(size: size, seed: round * live + index),
                        "size \(size), round \(round), buffer \(index): contents changed")
                }
                let built = SecureBytes(count: size) { $0.copyBytes(from: Self.pattern(size: size, seed: round)) }
                #expect(built.unsafeCopyToArray() == Self.pattern(size: size, seed: round))
            }  // All released here: their slots go back to the pool.

            // Freshly zeroed buffers, now most likely in the slots just released.
            let zeroed = (0..<live).map { _ in SecureBytes(zeroed: size) }
            for (index, buffer) in zeroed.enumerated() {
                #expect(buffer.count == size)
                #expect(
                    buffer.withUnsafeBytes { $0.allSatisfy { $0 == 0 } },
                    "size \(size), round \(round), buffer \(index): a fresh buffer was not zeroed")
            }
        }
    }

    @Test("thousands of live small buffers (more than one slab) stay distinct")
    func manySmallBuffers() {
        // A 64 KiB slab holds 2048 slots of 32 bytes; go past it.
        let count = 2500
        let buffers = (0..<count).map { SecureBytes(copying: Self.pattern(size: 32, seed: $0)) }
        var corrupted = 0
        for (index, buffer) in buffers.enumerated()
        where buffer.unsafeCopyToArray() != Self.pattern(size: 32, seed: index) {
            corrupted += 1
        }
        #expect(corrupted == 0, "\(corrupted) of \(count) buffers changed under us")
    }

    /// Bytes that differ from buffer to buffer and are never zero.
    private static func pattern(size: Int, seed: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: (seed &* 131 &+ $0 &* 7) % 255 + 1) }
    }
}
