import Testing

@testable import Inference

/// The integer kernels against decoding: the row decoded with ``Dequantize`` and the quantised activation decoded
/// from its integers and scales, dotted in Double.
///
/// Both sides use the same decoded values, so they differ only by Float rounding and summation order. The bound
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

    /// The kernel's result for `x` and the reference: the row decoded with ``Dequantize`` dotted in Double with `x`
    /// decoded from its quantised form (`d_x · q_x`), and the scale `Σ |w · x|` that rounding errors grow with.
    static func compare(_ type: GGMLType, seed: UInt64) throws -> (fast: Float, reference: Double, scale: Double) {
        var random = SplitMix(state: seed)
        let blocks = columns / QuantizedDot.blockLength
        let row = randomRow(type, blocks: blocks, using: &random)
        let other = randomRow(type, blocks: blocks, using: &random)
        let x = (0..<columns).map { _ in Float.random(in: -2...2, using: &random) }
        let weights = try row.withUnsafeBytes { raw in try Dequantize.row(type, from: raw, count: columns) }
        let activations = QuantizedActivations(capacity: columns)
        activations.quantize(x, count: columns)
        var reference = 0.0
        var scale = 0.0
        for (index, w) in weights.enumerated() {
            let block = index / QuantizedDot.blockLength
            let decoded =
                Double(activations.view.scales[block])
                * Double(activations.value(block: block, index: index % QuantizedDot.blockLength))
            reference += Double(w) * decoded
            scale += abs(Double(w) * decoded)
        }
        let view = activations.view
        let fast = row.withUnsafeBytes { raw in
            other.withUnsafeBytes { otherRaw in
                switch type {
                // The row goes first in one call and second in another: both halves of the pair kernel are checked.
                case .q4_0:
                    pairAgreement(
                        QuantizedDot.q4_0Pair(raw.baseAddress!, otherRaw.baseAddress!, view, blocks: blocks),
                        QuantizedDot.q4_0Pair(otherRaw.baseAddress!, raw.baseAddress!, view, blocks: blocks))
                case .q4_1:
                    pairAgreement(
                        QuantizedDot.q4_1Pair(raw.baseAddress!, otherRaw.baseAddress!, view, blocks: blocks),
                        QuantizedDot.q4_1Pair(otherRaw.baseAddress!, raw.baseAddress!, view, blocks: blocks))
                default: QuantizedDot.q8_0(raw.baseAddress!, view, blocks: blocks)
                }
            }
        }
        return (fast, reference, scale)
    }

    /// The row's result from the first and second slot of a pair kernel, which must be bit-identical.
    static func pairAgreement(_ first: (Float, Float), _ second: (Float, Float)) -> Float {
        first.0 == second.1 ? first.0 : .nan
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func integerDotMatchesDecodeThenDot(type: GGMLType) throws {
        for seed in UInt64(1)...20 {
            let (fast, reference, scale) = try Self.compare(type, seed: seed)
            #expect(
                abs(Double(fast) - reference) <= Self.relativeTolerance * scale,
                "\(type) seed \(seed): \(fast) vs \(reference)")
        }
    }

    /// The two-token Q4_1 kernel gives exactly the one-token kernel's results for each token.
    @Test func twoTokenKernelEqualsOneTokenKernel() {
        var random = SplitMix(state: 99)
        let blocks = Self.columns / QuantizedDot.blockLength
        let rowA = Self.randomRow(.q4_1, blocks: blocks, using: &random)
        let rowB = Self.randomRow(.q4_1, blocks: blocks, using: &random)
        let x = (0..<(2 * Self.columns)).map { _ in Float.random(in: -3...3, using: &random) }
        let activations = QuantizedActivations(capacity: 2 * Self.columns)
        activations.quantize(x, count: 2 * Self.columns)
        let first = activations.view
        let second = first.advanced(byBlocks: blocks)
        rowA.withUnsafeBytes { a in
            rowB.withUnsafeBytes { b in
                let both = QuantizedDot.q4_1Pair(a.baseAddress!, b.baseAddress!, first, second, blocks: blocks)
                let one = QuantizedDot.q4_1Pair(a.baseAddress!, b.baseAddress!, first, blocks: blocks)
                let two = QuantizedDot.q4_1Pair(a.baseAddress!, b.baseAddress!, second, blocks: blocks)
                #expect(both == SIMD4(one.0, one.1, two.0, two.1))
                #expect(one.0 != two.0)
            }
        }
    }

    @Test func quantizationFollowsLlamaCpp() {
        // One block with a known maximum, one of zeros, one with a NaN: scale = max/127 in fp16, q = round(x·127/max)
        // to nearest even, Σq, s = fp16(d · Σq); zeros give zeros, and a NaN neither traps nor spreads to other blocks.
        var x = (0..<32).map { Float($0) - 16 }
        x[5] = 63.5
        x += [Float](repeating: 0, count: 32)
        x += [Float](repeating: 1, count: 31) + [.nan]
        let activations = QuantizedActivations(capacity: 96)
        activations.quantize(x, count: 96)
        let view = activations.view
        #expect(view.scales[0] == Float(Float16(Float(63.5) / 127)))
        var sum: Int32 = 0
        for index in 0..<32 {
            let expected = (x[index] * (127 / 63.5)).rounded(.toNearestOrEven)
            #expect(Float(activations.value(block: 0, index: index)) == expected, "element \(index)")
            sum += Int32(expected)
        }
        #expect(view.integerSums[0] == sum)
        #expect(view.scaledSums[0] == Float(Float16(Float(63.5) / 127 * Float(sum))))
        #expect(view.scales[1] == 0 && view.integerSums[1] == 0)
        #expect((0..<32).allSatisfy { activations.value(block: 1, index: $0) == 0 })
    }

    @Test func vectorHalfWideningMatchesFloat16ForFiniteValues() {
        for bits in UInt32(0)...0xFFFF {
            let expected = Float(Float16(bitPattern: UInt16(bits)))
            guard expected.isFinite else { continue }
            let found = QuantizedDot.halves(SIMD4(bits, 0, bits, 0x3C00))
            if found[0].bitPattern != expected.bitPattern || found[2].bitPattern != expected.bitPattern || found[3] != 1
            {
                Issue.record("fp16 \(bits): \(found) vs \(expected)")
                return
            }
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
}
