import Testing

@testable import Inference

/// The fused kernels against the path they replace: decode the row with ``Dequantize``, then dot in Double.
///
/// Both sides use the same decoded weights, so they differ only by Float rounding and summation order. The bound
/// is 1e-5 of `Σ |w_j · x_j|`, the scale that rounding errors grow with even when the terms cancel.
@Suite struct QuantizedDotTests {
    static let columns = 256
    static let relativeTolerance = 1e-5

    /// A deterministic generator, so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func appendHalf(_ value: Float, to bytes: inout [UInt8]) {
        let bits = Float16(value).bitPattern
        bytes += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    /// A row of random blocks of `type`: scales and mins of either sign, some tiny enough to be fp16 subnormals.
    static func randomRow(_ type: GGMLType, blocks: Int, using random: inout SplitMix) -> [UInt8] {
        var bytes: [UInt8] = []
        for block in 0..<blocks {
            // Every fourth block gets a subnormal scale, to cover the widening of those.
            let scale: Float =
                block % 4 == 3
                ? Float.random(in: 1e-7...5e-5, using: &random) : Float.random(in: -0.2...0.2, using: &random)
            appendHalf(scale, to: &bytes)
            switch type {
            case .q4_0:
                bytes += (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
            case .q4_1:
                appendHalf(Float.random(in: -0.5...0.5, using: &random), to: &bytes)
                bytes += (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:
                bytes += (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
        }
        return bytes
    }

    /// The fused kernel's result and the decode-then-dot reference with its `Σ |w·x|`.
    static func compare(_ type: GGMLType, seed: UInt64) throws -> (fast: Float, reference: Double, scale: Double) {
        var random = SplitMix(state: seed)
        let blocks = columns / QuantizedDot.blockLength
        let row = randomRow(type, blocks: blocks, using: &random)
        let x = (0..<columns).map { _ in Float.random(in: -2...2, using: &random) }
        let weights = try row.withUnsafeBytes { raw in try Dequantize.row(type, from: raw, count: columns) }
        var reference = 0.0
        var scale = 0.0
        for (w, value) in zip(weights, x) {
            reference += Double(w) * Double(value)
            scale += abs(Double(w) * Double(value))
        }
        var interleaved = [Float](repeating: 0, count: columns)
        var sums = [Float](repeating: 0, count: blocks)
        QuantizedDot.interleave(x, count: columns, into: &interleaved)
        QuantizedDot.blockSums(x, count: columns, into: &sums)
        let fast = row.withUnsafeBytes { raw in
            switch type {
            case .q4_0: QuantizedDot.q4_0(raw.baseAddress!, interleaved, sums: sums, blocks: blocks)
            case .q4_1: QuantizedDot.q4_1(raw.baseAddress!, interleaved, sums: sums, blocks: blocks)
            default: QuantizedDot.q8_0(raw.baseAddress!, interleaved, blocks: blocks)
            }
        }
        return (fast, reference, scale)
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func fusedDotMatchesDecodeThenDot(type: GGMLType) throws {
        for seed in UInt64(1)...20 {
            let (fast, reference, scale) = try Self.compare(type, seed: seed)
            #expect(
                abs(Double(fast) - reference) <= Self.relativeTolerance * scale,
                "\(type) seed \(seed): \(fast) vs \(reference)")
        }
    }

    @Test func halfWideningMatchesFloat16() {
        // Every fp16 bit pattern: normals, subnormals, zeros of both signs, infinities; NaNs only need to stay NaN.
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let found = withUnsafeBytes(of: bits.littleEndian) { QuantizedDot.half($0.baseAddress!, 0) }
            if expected.isNaN {
                #expect(found.isNaN)
            } else if found.bitPattern != expected.bitPattern {
                Issue.record("fp16 \(bits): \(found) vs \(expected)")
                return
            }
        }
    }

    @Test func interleaveTransposesEachGroupOfSixteen() {
        let x = (0..<32).map(Float.init)
        var permuted = [Float](repeating: -1, count: 32)
        QuantizedDot.interleave(x, count: 32, into: &permuted)
        // Position 4k + lane holds element 4·lane + k of its group.
        #expect(Array(permuted[0..<8]) == [0, 4, 8, 12, 1, 5, 9, 13])
        #expect(Array(permuted[16..<20]) == [16, 20, 24, 28])
    }
}
