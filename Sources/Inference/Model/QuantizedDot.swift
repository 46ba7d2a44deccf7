/// Integer dot products of packed weight rows with an activation vector quantised to 8 bits, read block by block
/// straight from the GGUF bytes.
///
/// This is llama.cpp's scheme for its Q4_0, Q4_1 and Q8_0 matrices: the activation `x` is quantised once per
/// matrix-vector product to one int8 per element and one scale per 32-element block (``QuantizedActivations``),
/// then each block's `Σ q_w · q_x` is an exact integer sum and only the per-block scales are floats. Using the
/// same scheme is what keeps our logits within rounding of the reference, and integer lanes are twice as wide
/// as float ones.
///
/// The kernels are written with plain SIMD integer types so they compile to vector code on every target: the
/// products are 16-bit (`|q_w · q_x| ≤ 128 · 127`, and at most four are summed per lane before widening), and
/// 16-bit lanes widen to 32 bits by shifts, because the generic SIMD conversions are calls, not instructions.
/// Q4 rows are taken in pairs so one 256-bit vector holds a block of each row and the activation is loaded once
/// for both.
enum QuantizedDot {
    /// Elements per block of the 32-element formats.
    static let blockLength = 32

    /// Q4_1 rows `a` and `b` · `x`: per block `d_w · d_x · Σ q_w·q_x + m_w · s_x`.
    @inline(__always)
    static func q4_1Pair(
        _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ x: QuantizedActivations.View, blocks: Int
    ) -> (Float, Float) {
        var accumulator = SIMD8<Float>()
        var minimums = SIMD2<Float>()
        for block in 0..<blocks {
            let blockA = a + block * 20
            let blockB = b + block * 20
            let products = Nibbles(blockA + 4, blockB + 4).products(x.nibbleOrder + block * 64)
            let header = q4_1Header(blockA, blockB)
            let scales = header.lowHalf * x.scales[block]
            accumulator.accumulate(SIMD8<Float>(products), pairScale(scales[0], scales[1]))
            minimums += header.highHalf * x.scaledSums[block]
        }
        return (accumulator.lowHalf.sum() + minimums[0], accumulator.highHalf.sum() + minimums[1])
    }

    /// ``q4_1Pair(_:_:_:blocks:)`` for two activation vectors at once (two tokens of a prompt), unpacking each
    /// block once: `(a·x, b·x, a·y, b·y)`.
    @inline(__always)
    static func q4_1Pair(
        _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ x: QuantizedActivations.View, _ y: QuantizedActivations.View,
        blocks: Int
    ) -> SIMD4<Float> {
        var accumulatorX = SIMD8<Float>()
        var accumulatorY = SIMD8<Float>()
        var minimums = SIMD4<Float>()
        for block in 0..<blocks {
            let blockA = a + block * 20
            let blockB = b + block * 20
            let nibbles = Nibbles(blockA + 4, blockB + 4)
            let header = q4_1Header(blockA, blockB)
            let scalesX = header.lowHalf * x.scales[block]
            let scalesY = header.lowHalf * y.scales[block]
            accumulatorX.accumulate(
                SIMD8<Float>(nibbles.products(x.nibbleOrder + block * 64)), pairScale(scalesX[0], scalesX[1]))
            accumulatorY.accumulate(
                SIMD8<Float>(nibbles.products(y.nibbleOrder + block * 64)), pairScale(scalesY[0], scalesY[1]))
            minimums += SIMD4(
                lowHalf: header.highHalf * x.scaledSums[block], highHalf: header.highHalf * y.scaledSums[block])
        }
        return SIMD4(
            accumulatorX.lowHalf.sum(), accumulatorX.highHalf.sum(), accumulatorY.lowHalf.sum(),
            accumulatorY.highHalf.sum()) + minimums
    }

    /// Both rows' d and m (four fp16 values) widened at once: `(d_a, d_b, m_a, m_b)`.
    @inline(__always)
    static func q4_1Header(_ blockA: UnsafeRawPointer, _ blockB: UnsafeRawPointer) -> SIMD4<Float> {
        let headerA = blockA.loadUnaligned(as: UInt32.self)
        let headerB = blockB.loadUnaligned(as: UInt32.self)
        return halves(SIMD4(headerA & 0xFFFF, headerB & 0xFFFF, headerA &>> 16, headerB &>> 16))
    }

    /// Q4_0 rows `a` and `b` · `x`: per block `d_w · d_x · (Σ q_w·q_x − 8 · Σ q_x)`, the bracket an exact integer.
    @inline(__always)
    static func q4_0Pair(
        _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ x: QuantizedActivations.View, blocks: Int
    ) -> (Float, Float) {
        var accumulator = SIMD8<Float>()
        for block in 0..<blocks {
            let blockA = a + block * 18
            let blockB = b + block * 18
            // Subtracting 8·Σq_x / 4 from each of the four lanes of a row removes the offset exactly.
            let offset = SIMD8<Int32>(repeating: 2 * x.integerSums[block])
            let products = Nibbles(blockA + 2, blockB + 2).products(x.nibbleOrder + block * 64) &- offset
            let header = halves(
                SIMD4(
                    UInt32(blockA.loadUnaligned(as: UInt16.self)), UInt32(blockB.loadUnaligned(as: UInt16.self)), 0, 0))
            let scales = header.lowHalf * x.scales[block]
            accumulator.accumulate(SIMD8<Float>(products), pairScale(scales[0], scales[1]))
        }
        return (accumulator.lowHalf.sum(), accumulator.highHalf.sum())
    }

    /// Q8_0 row · `x`: per block `d_w · d_x · Σ q_w·q_x`.
    @inline(__always)
    static func q8_0(_ row: UnsafeRawPointer, _ x: QuantizedActivations.View, blocks: Int) -> Float {
        var accumulator = SIMD8<Float>()
        for block in 0..<blocks {
            let base = row + block * 34
            let words = unsafeBitCast(base.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt16>.self), to: Lanes.self)
            // Each 16-bit lane holds elements 2i (low byte) and 2i + 1 (high byte); shifts sign-extend both.
            let even = (words &<< 8) &>> 8
            let odd = words &>> 8
            let xs = UnsafeRawPointer(x.evenOdd + block * 32)
            let products =
                widenPairs(even &* xs.loadUnaligned(as: Lanes.self))
                &+ widenPairs(odd &* xs.loadUnaligned(fromByteOffset: 32, as: Lanes.self))
            accumulator.accumulate(SIMD8<Float>(products), SIMD8(repeating: half(base, 0) * x.scales[block]))
        }
        return accumulator.sum()
    }

    typealias Lanes = SIMD16<Int16>

    /// One Q4 block of two rows unpacked to one nibble per 16-bit lane (lanes 0-7 row `a`, 8-15 row `b`), ready
    /// to multiply with any number of activation vectors.
    ///
    /// A 16-bit lane of the packed quants holds bytes `2i` and `2i + 1`, whose low nibbles are elements `2i`,
    /// `2i + 1` and high nibbles `16 + 2i`, `17 + 2i`; the activation's nibble order lines up with those four shifts.
    struct Nibbles {
        let low: Lanes
        let lowOdd: Lanes
        let high: Lanes
        let highOdd: Lanes

        @inline(__always)
        init(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) {
            let packed = SIMD16<UInt16>(
                lowHalf: a.loadUnaligned(as: SIMD8<UInt16>.self), highHalf: b.loadUnaligned(as: SIMD8<UInt16>.self))
            low = unsafeBitCast(packed & 0xF, to: Lanes.self)
            lowOdd = unsafeBitCast((packed &>> 8) & 0xF, to: Lanes.self)
            high = unsafeBitCast((packed &>> 4) & 0xF, to: Lanes.self)
            highOdd = unsafeBitCast(packed &>> 12, to: Lanes.self)
        }

        /// `Σ q_w · q_x` with one block of activations in nibble order, as four partial sums per row (lanes 0-3
        /// row `a`, 4-7 row `b`).
        @inline(__always)
        func products(_ x: UnsafePointer<Int16>) -> SIMD8<Int32> {
            let xs = UnsafeRawPointer(x)
            var sum = low &* xs.loadUnaligned(as: Lanes.self)
            sum &+= lowOdd &* xs.loadUnaligned(fromByteOffset: 32, as: Lanes.self)
            sum &+= high &* xs.loadUnaligned(fromByteOffset: 64, as: Lanes.self)
            sum &+= highOdd &* xs.loadUnaligned(fromByteOffset: 96, as: Lanes.self)
            return widenPairs(sum)
        }
    }

    /// Adjacent pairs of 16-bit lanes summed into 32-bit lanes, by shifts on the 32-bit view.
    @inline(__always)
    static func widenPairs(_ lanes: Lanes) -> SIMD8<Int32> {
        let words = unsafeBitCast(lanes, to: SIMD8<Int32>.self)
        return ((words &<< 16) &>> 16) &+ (words &>> 16)
    }

    @inline(__always)
    static func pairScale(_ a: Float, _ b: Float) -> SIMD8<Float> {
        SIMD8(lowHalf: SIMD4(repeating: a), highHalf: SIMD4(repeating: b))
    }

    /// Four fp16 bit patterns (the low 16 bits of each lane) as floats, by the exponent shift of ``half(_:_:)``:
    /// exact for finite values; block scales are never infinite or NaN in a valid file (an infinity would read
    /// as 2^16, a NaN as a large finite value, rather than propagate).
    @inline(__always)
    static func halves(_ bits: SIMD4<UInt32>) -> SIMD4<Float> {
        let magnitude = unsafeBitCast((bits & 0x7FFF) &<< 13, to: SIMD4<Float>.self) * 0x1p112
        return unsafeBitCast(
            unsafeBitCast(magnitude, to: SIMD4<UInt32>.self) | ((bits & 0x8000) &<< 16), to: SIMD4<Float>.self)
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

/// An activation vector quantised for ``QuantizedDot``: per 32-element block one int8 per element and the scale
/// `d = max|x| / 127` rounded to fp16, as llama.cpp's `quantize_row_q8_0` / `q8_1` compute them (`q = x · 127 /
/// max|x|` rounded to nearest even), and the block sums `Σ q` and `s = fp16(d · Σ q)` that the affine formats need.
///
/// The integers are stored widened to 16 bits in the two orders the kernels read: nibble order (for Q4 rows,
/// each group of eight doubled for a pair of rows) and even-then-odd (for Q8_0 rows).
struct QuantizedActivations: ~Copyable {
    /// Elements of the vectors it can hold.
    let capacity: Int
    private let storage: UnsafeMutableRawPointer

    /// Raw pointers into the storage, shared with the threads of one product.
    struct View: @unchecked Sendable {
        let scales: UnsafeMutablePointer<Float>
        let scaledSums: UnsafeMutablePointer<Float>
        let integerSums: UnsafeMutablePointer<Int32>
        let nibbleOrder: UnsafeMutablePointer<Int16>
        let evenOdd: UnsafeMutablePointer<Int16>

        /// The view of the vector that starts `blocks` blocks further on (the next one of a batch).
        @inline(__always)
        func advanced(byBlocks blocks: Int) -> View {
            View(
                scales: scales + blocks, scaledSums: scaledSums + blocks, integerSums: integerSums + blocks,
                nibbleOrder: nibbleOrder + 64 * blocks, evenOdd: evenOdd + 32 * blocks)
        }
    }
    let view: View

    init(capacity: Int) {
        precondition(capacity % QuantizedDot.blockLength == 0, "a multiple of the block length")
        self.capacity = capacity
        let blocks = capacity / QuantizedDot.blockLength
        // Floats and sums, then 64 + 32 Int16 per block; 64-byte aligned so vector loads stay in cache lines.
        let bytes = blocks * (4 + 4 + 4) + capacity * 2 * 3
        storage = .allocate(byteCount: bytes, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        let nibbleOrder = storage.bindMemory(to: Int16.self, capacity: capacity * 2)
        let evenOdd = (storage + capacity * 4).bindMemory(to: Int16.self, capacity: capacity)
        let floats = storage + capacity * 6
        view = View(
            scales: floats.bindMemory(to: Float.self, capacity: blocks),
            scaledSums: (floats + blocks * 4).bindMemory(to: Float.self, capacity: blocks),
            integerSums: (floats + blocks * 8).bindMemory(to: Int32.self, capacity: blocks),
            nibbleOrder: nibbleOrder, evenOdd: evenOdd)
    }

    deinit { storage.deallocate() }

    /// Quantises the first `count` elements of `x` (a multiple of 32, at most ``capacity``).
    func quantize(_ x: UnsafePointer<Float>, count: Int) {
        precondition(count % QuantizedDot.blockLength == 0 && count <= capacity)
        var q = SIMD32<Int32>()
        for block in 0..<(count / QuantizedDot.blockLength) {
            let values = x + block * QuantizedDot.blockLength
            var maximum: Float = 0
            for i in 0..<32 { maximum = Swift.max(maximum, abs(values[i])) }
            let scale = maximum / 127
            let inverse: Float = maximum != 0 ? 127 / maximum : 0
            var sum: Int32 = 0
            for i in 0..<32 {
                // Adding 1.5·2^23 rounds to the nearest integer, ties to even, into the low mantissa bits: no
                // libm call on baseline x86-64, and no trap on a NaN.
                let rounded = values[i] * inverse + 0x1.8p23
                let integer = Int32(bitPattern: rounded.bitPattern) &- 0x4B40_0000
                q[i] = integer
                sum &+= integer
            }
            let halfScale = Float(Float16(scale))
            view.scales[block] = halfScale
            view.scaledSums[block] = Float(Float16(scale * Float(sum)))
            view.integerSums[block] = sum
            let nibble = view.nibbleOrder + block * 64
            // Group g holds, for lanes i = 0..<8, element 2i, 2i + 1, 16 + 2i or 17 + 2i, written twice.
            for group in 0..<4 {
                let first = (group & 2) * 8 + (group & 1)
                for i in 0..<8 {
                    let value = Int16(truncatingIfNeeded: q[first + 2 * i])
                    nibble[16 * group + i] = value
                    nibble[16 * group + 8 + i] = value
                }
            }
            let evenOdd = view.evenOdd + block * 32
            for i in 0..<16 {
                evenOdd[i] = Int16(truncatingIfNeeded: q[2 * i])
                evenOdd[16 + i] = Int16(truncatingIfNeeded: q[2 * i + 1])
            }
        }
    }

    /// The quantised value of element `index` in block `block` (for tests).
    func value(block: Int, index: Int) -> Int16 {
        view.evenOdd[block * 32 + (index % 2 == 0 ? index / 2 : 16 + index / 2)]
    }
}
