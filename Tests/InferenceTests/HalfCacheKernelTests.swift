import Foundation
import Testing

@testable import Inference

/// The fp16 key/value cache kernels against `Float16` conversions done one element at a time.
@Suite struct HalfCacheKernelTests {
    @Test func wideningMatchesFloat16ForEveryFiniteValue() {
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            guard expected.isFinite else { continue }
            let found = LlamaKernels.widenHalves(SIMD8(repeating: UInt32(bits)))
            if found[0].bitPattern != expected.bitPattern {
                Issue.record("fp16 \(bits): \(found[0]) vs \(expected)")
                return
            }
        }
    }

    /// Values that need rounding, a subnormal and negatives, over two groups of sixteen.
    static let x: [Float] = (0..<32).map { index in Float(index % 7) * 0.3137 - 1 + (index == 5 ? 1e-6 : 0) }
    static let h: [Float] = (0..<32).map { index in Float(Float16(Float(index % 5) * -0.771 + 1.5)) }
    static var hBits: [UInt16] { h.map { Float16($0).bitPattern } }

    @Test func dotRoundsTheFloatSideToHalfAndSumsExactly() {
        var permuted = [Float](repeating: 0, count: 32)
        LlamaKernels.permuteForHalves(Self.x, count: 32, roundingInto: &permuted)
        let found = Self.hBits.withUnsafeBytes { LlamaKernels.dotHalves(permuted, $0.baseAddress!, count: 32) }
        let expected = zip(Self.x, Self.h).reduce(0.0) { $0 + Double(Float(Float16($1.0))) * Double($1.1) }
        #expect(abs(Double(found) - expected) <= 1e-6 * 32)
        // The rounding of x to fp16 is part of it: the unrounded product differs.
        let unrounded = zip(Self.x, Self.h).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(expected - unrounded) > 1e-6)
    }

    /// Three vectors of 32 fp16 values laid out 80 bytes apart (as cache rows with other heads between them).
    @Test func weightedSumOfHalvesAddsWeightedRows() {
        let stride = 80
        var bytes = [UInt8](repeating: 0xFF, count: 3 * stride)
        let rows: [[Float]] = (0..<3).map { row in Self.h.map { $0 * Float(row + 1) } }
        for (row, values) in rows.enumerated() {
            for (index, value) in values.enumerated() {
                let bits = Float16(value).bitPattern
                bytes[row * stride + 2 * index] = UInt8(bits & 0xFF)
                bytes[row * stride + 2 * index + 1] = UInt8(bits >> 8)
            }
        }
        let weights: [Float] = [0.5, 0.25, -0.125]
        var out = [Float](repeating: .nan, count: 32)
        bytes.withUnsafeBytes { raw in
            LlamaKernels.weightedSumOfHalves(
                raw.baseAddress!, stride: stride, weights: weights, count: 3, length: 32, into: &out)
        }
        for index in 0..<32 {
            let expected = (0..<3).reduce(0.0) { $0 + Double(weights[$1]) * Double(Float(Float16(rows[$1][index]))) }
            #expect(abs(Double(out[index]) - expected) <= 1e-5, "element \(index)")
        }
    }

    @Test func cachePrecisionStoresHalvesAndSingles() {
        let values: [Float] = [1, -2.5, 1e-5, 65504, 0.1]
        var halves = [UInt16](repeating: 0, count: 5)
        halves.withUnsafeMutableBytes { CachePrecision.half.store(values, count: 5, into: $0.baseAddress!) }
        #expect(halves == values.map { Float16($0).bitPattern })
        var singles = [Float](repeating: 0, count: 5)
        singles.withUnsafeMutableBytes { CachePrecision.single.store(values, count: 5, into: $0.baseAddress!) }
        #expect(singles == values)
        #expect(CachePrecision.half.byteCount == 2 && CachePrecision.single.byteCount == 4)
    }
}

/// The vector exponential and the kernels built on it against Foundation's `exp`.
@Suite struct VectorExponentialTests {
    /// Relative error over the range softmax and SiLU use, on a dense grid: within 2 ulp (2.4e-7 relative).
    @Test func exponentialIsWithinTwoUlp() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0013 })
            let found = LlamaKernels.exp(lanes)
            for lane in 0..<8 {
                let exact = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, abs(Double(found[lane]) - exact) / exact)
            }
            x += 0.0107
        }
        #expect(worst <= 2.4e-7, "worst relative error \(worst)")
    }

    @Test func exponentialClampsInsteadOfOverflowing() {
        let found = LlamaKernels.exp(SIMD8(-.infinity, -1000, -88, 0, 1, 88.5, 1000, .infinity))
        #expect(found[0] >= 0 && found[0] < 1e-37 && found[1] < 1e-37)
        #expect(found[3] == 1)
        #expect(abs(found[4] - Float(M_E)) <= 2 * Float(M_E).ulp)
        #expect(found[6].isFinite && found[7].isFinite && found[6] > 1e38 && found[6] == found[7])
    }

    @Test func softmaxNumeratorsAndSumIncludingTail() {
        // 11 elements: one vector of eight and a tail of three.
        var scores: [Float] = (0..<11).map { Float($0) * 0.7 - 3 }
        let maximum = scores.max()!
        let expected = scores.map { Foundation.exp(Double($0 - maximum)) }
        let total = scores.withUnsafeMutableBufferPointer {
            LlamaKernels.exponentiate($0.baseAddress!, count: 11, subtracting: maximum)
        }
        #expect(abs(total - expected.reduce(0, +)) <= 1e-6)
        for (found, exact) in zip(scores, expected) { #expect(abs(Double(found) - exact) <= 1e-6 * exact) }
    }

    @Test func swiGLUMatchesTheFormula() {
        var gate: [Float] = (0..<13).map { Float($0) * 1.9 - 12 }
        let up: [Float] = (0..<13).map { Float($0) * -0.3 + 1 }
        let expected = zip(gate, up).map { g, u in Double(g) / (1 + Foundation.exp(-Double(g))) * Double(u) }
        gate.withUnsafeMutableBufferPointer { LlamaKernels.swiGLU($0.baseAddress!, up, count: 13) }
        for (found, exact) in zip(gate, expected) {
            #expect(abs(Double(found) - exact) <= 1e-6 * max(1, abs(exact)), "\(found) vs \(exact)")
        }
    }
}
