import Foundation

/// The numeric building blocks of the llama forward pass, kept apart from the model so they can be tested on
/// hand examples and later replaced by faster versions one at a time.
public enum LlamaKernels {
    /// The dot product of two float vectors of `count` elements, sixteen lanes at a time.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD16<Float>()
        var index = 0
        let rawA = UnsafeRawPointer(a)
        let rawB = UnsafeRawPointer(b)
        let stride = MemoryLayout<Float>.stride
        while index + 16 <= count {
            let left = rawA.loadUnaligned(fromByteOffset: index * stride, as: SIMD16<Float>.self)
            let right = rawB.loadUnaligned(fromByteOffset: index * stride, as: SIMD16<Float>.self)
            accumulator.accumulate(left, right)
            index += 16
        }
        var sum = accumulator.sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }

    /// `output[i] = input[i] / rms(input) · weight[i]` over `weight.count` elements, the mean of squares summed
    /// in Double as ggml does.
    public static func rmsNorm(
        _ input: UnsafePointer<Float>, _ weight: [Float], epsilon: Float, into output: UnsafeMutablePointer<Float>
    ) {
        var sum: Double = 0
        for i in 0..<weight.count { sum += Double(input[i]) * Double(input[i]) }
        let mean = Float(sum / Double(weight.count))
        let scale = 1 / (mean + epsilon).squareRoot()
        for i in 0..<weight.count { output[i] = input[i] * scale * weight[i] }
    }

    /// RoPE's per-pair angular frequencies `base^(-2i/d)` for `i` in `0 ..< d/2`, `d` the rotated dimensions.
    public static func ropeInverseFrequencies(dimensionCount: Int, base: Float) -> [Double] {
        let d = Double(dimensionCount)
        return (0..<dimensionCount / 2).map { pow(Double(base), -2 * Double($0) / d) }
    }

    /// Rotates, in each of `heads` consecutive heads, the adjacent pairs (2i, 2i+1) by `position · frequency[i]`;
    /// dimensions past the frequencies stay as they are.
    ///
    /// This is ggml's "normal" rope (mode 0), which llama GGUF files expect: llama.cpp's converter permutes the
    /// rows of Q and K so that Hugging Face's rotate-half pairs (i, i + d/2) become adjacent.
    public static func applyRoPE(
        _ vector: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, position: Int,
        inverseFrequencies: [Double]
    ) {
        for (pair, frequency) in inverseFrequencies.enumerated() {
            let angle = Double(position) * frequency
            let cosine = Float(cos(angle))
            let sine = Float(sin(angle))
            for head in 0..<heads {
                let x = vector + head * headDimension + 2 * pair
                let first = x[0]
                let second = x[1]
                x[0] = first * cosine - second * sine
                x[1] = first * sine + second * cosine
            }
        }
    }

    // fp16 vectors (the key/value cache) are read sixteen elements at a time as eight 32-bit lanes: the low
    // halves are the even elements, the high halves the odd ones. The float vectors they meet are kept in that
    // order: in each group of sixteen, the eight even elements, then the eight odd ones.

    /// Elements per group of the fp16 kernels; vectors have a multiple of it.
    static let halfGroup = 16

    /// `x` rounded to fp16 values and reordered for ``dotHalves(_:_:count:)``.
    static func permuteForHalves(
        _ x: UnsafePointer<Float>, count: Int, roundingInto permuted: UnsafeMutablePointer<Float>
    ) {
        for group in stride(from: 0, to: count, by: halfGroup) {
            for lane in 0..<8 {
                permuted[group + lane] = Float(Float16(x[group + 2 * lane]))
                permuted[group + 8 + lane] = Float(Float16(x[group + 2 * lane + 1]))
            }
        }
    }

    /// `Σ x[i] · h[i]` for the permuted `x` and the fp16 vector `h`.
    @inline(__always)
    static func dotHalves(_ permuted: UnsafePointer<Float>, _ halves: UnsafeRawPointer, count: Int) -> Float {
        var even = SIMD8<Float>()
        var odd = SIMD8<Float>()
        let x = UnsafeRawPointer(permuted)
        for group in stride(from: 0, to: count, by: halfGroup) {
            let bits = halves.loadUnaligned(fromByteOffset: 2 * group, as: SIMD8<UInt32>.self)
            even.accumulate(
                widenHalves(bits & 0xFFFF), x.loadUnaligned(fromByteOffset: 4 * group, as: SIMD8<Float>.self))
            odd.accumulate(
                widenHalves(bits &>> 16), x.loadUnaligned(fromByteOffset: 4 * group + 32, as: SIMD8<Float>.self))
        }
        return (even + odd).sum()
    }

    /// `out[i] = Σ_t weights[t] · h_t[i]` over `count` fp16 vectors `h_t`, `stride` bytes apart, each of
    /// `length` elements (a multiple of ``halfGroup``); the sums are kept in registers a group at a time.
    static func weightedSumOfHalves(
        _ halves: UnsafeRawPointer, stride: Int, weights: UnsafePointer<Float>, count: Int, length: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        for group in Swift.stride(from: 0, to: length, by: halfGroup) {
            var even = SIMD8<Float>()
            var odd = SIMD8<Float>()
            var row = halves + 2 * group
            for t in 0..<count {
                let bits = row.loadUnaligned(as: SIMD8<UInt32>.self)
                let weight = weights[t]
                even.accumulate(widenHalves(bits & 0xFFFF), SIMD8(repeating: weight))
                odd.accumulate(widenHalves(bits &>> 16), SIMD8(repeating: weight))
                row += stride
            }
            for lane in 0..<8 {
                out[group + 2 * lane] = even[lane]
                out[group + 2 * lane + 1] = odd[lane]
            }
        }
    }

    /// Eight fp16 bit patterns (the low 16 bits of each lane) as floats, four lanes at a time by
    /// ``QuantizedDot/halves(_:)``: exact for finite values; the cache holds no others.
    @inline(__always)
    static func widenHalves(_ bits: SIMD8<UInt32>) -> SIMD8<Float> {
        SIMD8(lowHalf: QuantizedDot.halves(bits.lowHalf), highHalf: QuantizedDot.halves(bits.highHalf))
    }

    /// `e^x` for eight lanes: Cephes' `expf` (range reduction by ln 2 in two parts, a degree-6 polynomial, the
    /// exponent put in by bit shift), within 2 ulp of the exact value over the range of floats; inputs are clamped
    /// to [-87.3, 88.376], so very negative ones give about 1e-38 and large ones about 2e38 rather than 0 and infinity.
    /// ggml likewise uses a vector approximation for its softmax and SiLU.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.376_26))
        // n = round(x / ln 2): adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
        let shifted = clamped * 1.442_695_04 + 0x1.8p23
        let n = shifted - 0x1.8p23
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 0.166_666_655
        p = p * r + 0.500_000_01
        let value = p * (r * r) + r + 1
        let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
        return value * scale
    }

    /// `x[i] = e^(x[i] − maximum)` for `count` elements, returning their sum in Double (softmax's numerator and
    /// denominator).
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int, subtracting maximum: Float) -> Double {
        var total: Double = 0
        var index = 0
        let raw = UnsafeMutableRawPointer(x)
        while index + 8 <= count {
            let values = exp(raw.loadUnaligned(fromByteOffset: 4 * index, as: SIMD8<Float>.self) - maximum)
            raw.storeBytes(of: values, toByteOffset: 4 * index, as: SIMD8<Float>.self)
            total += Double(values.sum())
            index += 8
        }
        if index < count {
            var tail = SIMD8<Float>(repeating: -.infinity)
            for lane in 0..<(count - index) { tail[lane] = x[index + lane] - maximum }
            let values = exp(tail)
            for lane in 0..<(count - index) {
                x[index + lane] = values[lane]
                total += Double(values[lane])
            }
        }
        return total
    }

    /// `gate[i] = silu(gate[i]) · up[i]` (SwiGLU), `silu(g) = g / (1 + e^−g)`.
    static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        var index = 0
        let g = UnsafeMutableRawPointer(gate)
        let u = UnsafeRawPointer(up)
        while index + 8 <= count {
            let values = g.loadUnaligned(fromByteOffset: 4 * index, as: SIMD8<Float>.self)
            let result = values / (1 + exp(-values)) * u.loadUnaligned(fromByteOffset: 4 * index, as: SIMD8<Float>.self)
            g.storeBytes(of: result, toByteOffset: 4 * index, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            let value = gate[index]
            gate[index] = value / (1 + exp(SIMD8(repeating: -value))[0]) * up[index]
            index += 1
        }
    }
}

extension SIMD8 where Scalar == Float {
    /// `self += a · b`, fused into one rounding where the build has FMA (as ggml's kernels are), two roundings
    /// otherwise: on a target without FMA a fused multiply-add is a libm call per lane. Written per vector type:
    /// through a generic `SIMD` extension the debug build kept a lane-by-lane loop.
    @inline(__always)
    mutating func accumulate(_ a: SIMD8<Float>, _ b: SIMD8<Float>) {
        #if SOTTO_FMA
            addProduct(a, b)
        #else
            self += a * b
        #endif
    }
}

extension SIMD16 where Scalar == Float {
    /// `self += a · b` as ``SIMD8/accumulate(_:_:)``.
    @inline(__always)
    mutating func accumulate(_ a: SIMD16<Float>, _ b: SIMD16<Float>) {
        #if SOTTO_FMA
            addProduct(a, b)
        #else
            self += a * b
        #endif
    }
}
