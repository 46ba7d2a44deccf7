/// BLAKE2s (RFC 7693), which libsodium does not ship: Noise names it as a hash choice.
/// Checked against the reference keyed KAT (`blake2s-kat.txt`).
///
/// A class over one raw allocation so the state is updated in place (never copied) and
/// wiped when released: under HMAC it holds key-derived material.
public final class BLAKE2s {
    public static let blockByteCount = 64
    public static let maxOutputByteCount = 32
    public static let maxKeyByteCount = 32

    private static let iv: [UInt32] = [
        0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A, 0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19,
    ]

    private static let sigma: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ]

    // Layout of `memory`: h[8], m[16], v[16] as UInt32, then the 64-byte block buffer.
    private static let wordCount = 8 + 16 + 16
    private static let memoryByteCount = wordCount * 4 + blockByteCount
    private let memory: UnsafeMutableRawPointer
    private var h: UnsafeMutablePointer<UInt32> { memory.assumingMemoryBound(to: UInt32.self) }
    private var m: UnsafeMutablePointer<UInt32> { h + 8 }
    private var v: UnsafeMutablePointer<UInt32> { h + 24 }
    private var buffer: UnsafeMutablePointer<UInt8> {
        (memory + Self.wordCount * 4).assumingMemoryBound(to: UInt8.self)
    }
    private var t: UInt64 = 0
    private var bufferCount = 0
    private let outputByteCount: Int

    /// Starts a hash with the given output length (1...32) and optional key (0...32 bytes).
    public init(
        outputByteCount: Int = 32, key: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) {
        precondition((1...Self.maxOutputByteCount).contains(outputByteCount), "BLAKE2s output length out of range")
        precondition(key.count <= Self.maxKeyByteCount, "BLAKE2s key longer than 32 bytes")
        self.outputByteCount = outputByteCount
        memory = UnsafeMutableRawPointer.allocate(byteCount: Self.memoryByteCount, alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: Self.memoryByteCount)
        for i in 0..<8 { h[i] = Self.iv[i] }
        h[0] ^= 0x0101_0000 ^ (UInt32(key.count) << 8) ^ UInt32(outputByteCount)
        if key.count > 0 {
            for i in 0..<key.count { buffer[i] = key[i] }
            bufferCount = Self.blockByteCount
        }
    }

    deinit {
        ConstantTime.wipe(UnsafeMutableRawBufferPointer(start: memory, count: Self.memoryByteCount))
        memory.deallocate()
    }

    /// Absorbs `data`.
    public func update(_ data: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < data.count {
            // The last block is compressed only in `finalize`, so keep a full buffer pending.
            if bufferCount == Self.blockByteCount {
                t &+= UInt64(Self.blockByteCount)
                compress(last: false)
                bufferCount = 0
            }
            let n = min(Self.blockByteCount - bufferCount, data.count - offset)
            for i in 0..<n { buffer[bufferCount + i] = data[offset + i] }
            bufferCount += n
            offset += n
        }
    }

    /// Finishes and writes the digest into `output` (exactly the output length); the state
    /// is wiped and must not be used again.
    public func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == outputByteCount, "BLAKE2s output buffer has the wrong size")
        t &+= UInt64(bufferCount)
        for i in bufferCount..<Self.blockByteCount { buffer[i] = 0 }
        compress(last: true)
        for i in 0..<outputByteCount {
            output[i] = UInt8(truncatingIfNeeded: h[i / 4] >> (8 * UInt32(i % 4)))
        }
        ConstantTime.wipe(UnsafeMutableRawBufferPointer(start: memory, count: Self.memoryByteCount))
    }

    /// One-shot digest.
    public static func hash(_ data: some ByteView, key: [UInt8] = [], outputByteCount: Int = 32) -> [UInt8] {
        let state = key.withUnsafeBytes { BLAKE2s(outputByteCount: outputByteCount, key: $0) }
        data.withUnsafeBytes { state.update($0) }
        var out = [UInt8](repeating: 0, count: outputByteCount)
        out.withUnsafeMutableBytes { state.finalize(into: $0) }
        return out
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    @inline(__always)
    private func g(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt32, _ y: UInt32) {
        v[a] = v[a] &+ v[b] &+ x
        v[d] = Self.rotr(v[d] ^ v[a], 16)
        v[c] = v[c] &+ v[d]
        v[b] = Self.rotr(v[b] ^ v[c], 12)
        v[a] = v[a] &+ v[b] &+ y
        v[d] = Self.rotr(v[d] ^ v[a], 8)
        v[c] = v[c] &+ v[d]
        v[b] = Self.rotr(v[b] ^ v[c], 7)
    }

    private func compress(last: Bool) {
        for i in 0..<16 {
            m[i] =
                UInt32(buffer[4 * i]) | UInt32(buffer[4 * i + 1]) << 8
                | UInt32(buffer[4 * i + 2]) << 16 | UInt32(buffer[4 * i + 3]) << 24
        }
        for i in 0..<8 {
            v[i] = h[i]
            v[i + 8] = Self.iv[i]
        }
        v[12] ^= UInt32(truncatingIfNeeded: t)
        v[13] ^= UInt32(truncatingIfNeeded: t >> 32)
        if last { v[14] = ~v[14] }
        for round in 0..<10 {
            let s = Self.sigma[round]
            g(0, 4, 8, 12, m[s[0]], m[s[1]])
            g(1, 5, 9, 13, m[s[2]], m[s[3]])
            g(2, 6, 10, 14, m[s[4]], m[s[5]])
            g(3, 7, 11, 15, m[s[6]], m[s[7]])
            g(0, 5, 10, 15, m[s[8]], m[s[9]])
            g(1, 6, 11, 12, m[s[10]], m[s[11]])
            g(2, 7, 8, 13, m[s[12]], m[s[13]])
            g(3, 4, 9, 14, m[s[14]], m[s[15]])
        }
        for i in 0..<8 { h[i] ^= v[i] ^ v[i + 8] }
    }
}
