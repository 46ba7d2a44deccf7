/// Dot products of one packed weight row with a float vector, read block by block straight from the GGUF bytes.
///
/// They replace "decode the row into scratch, then dot": the decoded row never touches memory, and the affine
/// parts of a block (Q4_0's −8, Q4_1's min) fold into one product with the block's sum of `x`, computed once
/// per matrix-vector product by ``blockSums(_:count:into:)``. Products are summed as separate multiplies and
/// adds, never `addProduct`: on the baseline x86-64 target there is no FMA instruction, so a fused
/// multiply-add becomes a libm call per lane. Results equal the decoded dot up to float reassociation.
enum QuantizedDot {
    /// Elements per block of the 32-element formats.
    static let blockLength = 32

    /// `sums[b] = Σ x[32b ..< 32b + 32]` for each of the `count / 32` blocks of `x`.
    static func blockSums(_ x: UnsafePointer<Float>, count: Int, into sums: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(x)
        for block in 0..<(count / blockLength) {
            var total = SIMD4<Float>()
            for part in 0..<8 {
                total += raw.loadUnaligned(fromByteOffset: (block * blockLength + 4 * part) * 4, as: SIMD4<Float>.self)
            }
            sums[block] = total.sum()
        }
    }

    /// Copies `x` into the order the kernels read it: each group of 16 floats transposed as a 4 × 4 matrix.
    ///
    /// The kernels load a block's quants as four 32-bit lanes and take byte (or nibble) `k` of every lane with
    /// one shift, which yields elements `k, k + 4, k + 8, k + 12` of a 16-element half. Permuting `x` once per
    /// matrix-vector product lines it up with those lanes, so no row needs a shuffle.
    static func interleave(_ x: UnsafePointer<Float>, count: Int, into permuted: UnsafeMutablePointer<Float>) {
        for group in 0..<(count / 16) {
            let source = x + group * 16
            let target = permuted + group * 16
            for k in 0..<4 {
                for lane in 0..<4 { target[4 * k + lane] = source[4 * lane + k] }
            }
        }
    }

    /// Q4_0 row · `x` (`x` interleaved): per block `d · (Σ q·x − 8 · Σ x)`.
    static func q4_0(
        _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, sums: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var accumulator = SIMD4<Float>()
        var offsets: Float = 0
        for block in 0..<blocks {
            let base = row + block * 18
            let d = half(base, 0)
            accumulator += nibbleDot(base + 2, x + block * blockLength) * d
            offsets += d * sums[block]
        }
        return accumulator.sum() - 8 * offsets
    }

    /// Q4_1 row · `x` (`x` interleaved): per block `d · Σ q·x + m · Σ x`.
    static func q4_1(
        _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, sums: UnsafePointer<Float>, blocks: Int
    ) -> Float {
        var accumulator = SIMD4<Float>()
        var minimums: Float = 0
        for block in 0..<blocks {
            let base = row + block * 20
            let d = half(base, 0)
            let m = half(base, 2)
            accumulator += nibbleDot(base + 4, x + block * blockLength) * d
            minimums += m * sums[block]
        }
        return accumulator.sum() + minimums
    }

    /// Q8_0 row · `x` (`x` interleaved): per block `d · Σ q·x`.
    static func q8_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        var accumulator = SIMD4<Float>()
        for block in 0..<blocks {
            let base = row + block * 34
            let d = half(base, 0)
            let xBlock = UnsafeRawPointer(x + block * blockLength)
            var partial = SIMD4<Float>()
            for halfIndex in 0..<2 {
                // Flipping the sign bit maps int8 q to the unsigned byte q + 128, which the exponent trick widens.
                let words =
                    base.loadUnaligned(fromByteOffset: 2 + 16 * halfIndex, as: SIMD4<UInt32>.self)
                    ^ 0x8080_8080
                for k in 0..<4 {
                    let quants = (words &>> UInt32(8 * k)) & 0xFF
                    let values = widen(quants) - 128
                    let xs = xBlock.loadUnaligned(fromByteOffset: (16 * halfIndex + 4 * k) * 4, as: SIMD4<Float>.self)
                    partial += values * xs
                }
            }
            accumulator += partial * d
        }
        return accumulator.sum()
    }

    /// `Σ q·x` over one Q4 block: 16 bytes whose low nibbles are elements 0-15 and high nibbles 16-31.
    @inline(__always)
    static func nibbleDot(_ quants: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> SIMD4<Float> {
        let words = quants.loadUnaligned(as: SIMD4<UInt32>.self)
        let xRaw = UnsafeRawPointer(x)
        var partial = SIMD4<Float>()
        // Shift 8k takes the low nibble of byte k of each lane (elements k + 4·lane); shift 8k + 4 its high
        // nibble (elements 16 + k + 4·lane): the interleaved x holds them at 4k and 16 + 4k.
        for k in 0..<4 {
            let low = widen((words &>> UInt32(8 * k)) & 0x0F)
            let high = widen((words &>> UInt32(8 * k + 4)) & 0x0F)
            let xLow = xRaw.loadUnaligned(fromByteOffset: 16 * k, as: SIMD4<Float>.self)
            let xHigh = xRaw.loadUnaligned(fromByteOffset: 64 + 16 * k, as: SIMD4<Float>.self)
            partial += low * xLow + high * xHigh
        }
        return partial
    }

    /// Small unsigned integers (< 2^23) as floats, exactly: OR-ing them under the exponent of 2^23 gives
    /// 2^23 + q, and subtracting 2^23 leaves q. Plain bit operations, unlike the generic SIMD conversion, which
    /// is not inlined.
    @inline(__always)
    static func widen(_ values: SIMD4<UInt32>) -> SIMD4<Float> {
        unsafeBitCast(values | 0x4B00_0000, to: SIMD4<Float>.self) - 0x1p23
    }

    /// The little-endian fp16 at `offset`, widened exactly.
    ///
    /// Done with bit operations because without F16C the `Float16` conversion is a runtime call, and there are
    /// one or two scales per 32 weights. Shifting the exponent and mantissa into place and multiplying by 2^112
    /// rebiases normals and subnormals alike; only infinities and NaNs take the slow path.
    @inline(__always)
    static func half(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
        let bits = UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        let magnitude = UInt32(bits & 0x7FFF)
        guard magnitude < 0x7C00 else { return Float(Float16(bitPattern: bits)) }
        let value = Float(bitPattern: magnitude << 13) * 0x1p112
        return bits & 0x8000 == 0 ? value : -value
    }
}
