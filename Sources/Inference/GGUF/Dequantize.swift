/// Decodes ggml blocks to Float with ggml's own formulas and order of operations, so results match it bit for bit.
public enum Dequantize {
    /// Decodes `destination.count` elements of `type` from `source`, which must hold exactly their blocks.
    public static func row(
        _ type: GGMLType, from source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>
    ) throws(GGUFError) {
        let blocks = try blockCount(type, elements: destination.count, sourceBytes: source.count)
        guard blocks > 0, let input = source.baseAddress, let output = destination.baseAddress else { return }
        switch type {
        case .f32: decodeF32(input, output, count: blocks)
        case .f16: decodeF16(input, output, count: blocks)
        case .q4_0: decodeQ4_0(input, output, blocks: blocks)
        case .q4_1: decodeQ4_1(input, output, blocks: blocks)
        case .q8_0: decodeQ8_0(input, output, blocks: blocks)
        case .q4_K: decodeQ4_K(input, output, blocks: blocks)
        case .q6_K: decodeQ6_K(input, output, blocks: blocks)
        default: throw .cannotDequantize(type)
        }
    }

    /// Decodes `count` elements of `type` from `source` into a new array.
    public static func row(
        _ type: GGMLType, from source: UnsafeRawBufferPointer, count: Int
    ) throws(GGUFError)
        -> [Float]
    {
        // Validate before allocating: `count` is only trusted once it matches the bytes actually present.
        _ = try blockCount(type, elements: count, sourceBytes: source.count)
        var failure: GGUFError?
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(GGUFError) {
                try row(type, from: source, into: buffer)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return values
    }

    private static func blockCount(_ type: GGMLType, elements: Int, sourceBytes: Int) throws(GGUFError) -> Int {
        guard let layout = type.blockLayout else { throw .cannotDequantize(type) }
        guard elements >= 0, elements % layout.elementsPerBlock == 0,
            type.byteCount(elements: elements) == sourceBytes
        else { throw .dequantizeSizeMismatch(type: type, elements: elements, sourceBytes: sourceBytes) }
        return elements / layout.elementsPerBlock
    }

    @inline(__always)
    private static func half(_ pointer: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
    }

    @inline(__always)
    private static func byte(_ pointer: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        pointer.load(fromByteOffset: offset, as: UInt8.self)
    }

    private static func decodeF32(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count {
            let bits = UInt32(littleEndian: input.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            output[index] = Float(bitPattern: bits)
        }
    }

    private static func decodeF16(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count { output[index] = half(input, index * 2) }
    }

    // Q4_0: fp16 d, then 16 bytes; byte j holds element j (low nibble) and j + 16 (high), each minus 8, times d.
    private static func decodeQ4_0(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 18
            let out = output + block * 32
            let d = half(base, 0)
            for j in 0..<16 {
                let quants = byte(base, 2 + j)
                out[j] = Float(Int32(quants & 0x0F) - 8) * d
                out[j + 16] = Float(Int32(quants >> 4) - 8) * d
            }
        }
    }

    // Q4_1: fp16 d and m, then 16 bytes of nibbles in the Q4_0 order; element = q * d + m.
    private static func decodeQ4_1(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 20
            let out = output + block * 32
            let d = half(base, 0)
            let m = half(base, 2)
            for j in 0..<16 {
                let quants = byte(base, 4 + j)
                out[j] = Float(quants & 0x0F) * d + m
                out[j + 16] = Float(quants >> 4) * d + m
            }
        }
    }

    // Q8_0: fp16 d, then 32 signed bytes; element = q * d.
    private static func decodeQ8_0(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 34
            let out = output + block * 32
            let d = half(base, 0)
            for j in 0..<32 {
                out[j] = Float(Int8(bitPattern: byte(base, 2 + j))) * d
            }
        }
    }

    // Q4_K: fp16 d and dmin, 12 bytes packing eight 6-bit scales and mins, 128 bytes of nibbles. Each 64 elements
    // share 32 bytes: the low nibbles are the first sub-block of 32, the high nibbles the second.
    private static func decodeQ4_K(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 144
            let scales = base + 4
            let d = half(base, 0)
            let dmin = half(base, 2)
            for group in 0..<4 {
                let (scale1, min1) = scaleAndMin(scales, 2 * group)
                let (scale2, min2) = scaleAndMin(scales, 2 * group + 1)
                let d1 = d * Float(scale1)
                let m1 = dmin * Float(min1)
                let d2 = d * Float(scale2)
                let m2 = dmin * Float(min2)
                let quants = base + 16 + 32 * group
                let out = output + block * 256 + 64 * group
                for l in 0..<32 {
                    let packed = byte(quants, l)
                    out[l] = d1 * Float(packed & 0x0F) - m1
                    out[l + 32] = d2 * Float(packed >> 4) - m2
                }
            }
        }
    }

    // Sub-blocks 0-3 keep scale and min in the low 6 bits of bytes 0-3 and 4-7; sub-blocks 4-7 take their low
    // 4 bits from a nibble of bytes 8-11 and their top 2 bits from the spare top bits of bytes 0-7.
    @inline(__always)
    private static func scaleAndMin(_ scales: UnsafeRawPointer, _ index: Int) -> (UInt8, UInt8) {
        if index < 4 {
            return (byte(scales, index) & 63, byte(scales, index + 4) & 63)
        }
        let scale = (byte(scales, index + 4) & 0x0F) | ((byte(scales, index - 4) >> 6) << 4)
        let min = (byte(scales, index + 4) >> 4) | ((byte(scales, index) >> 6) << 4)
        return (scale, min)
    }

    // Q6_K: 128 bytes of low nibbles, 64 bytes of 2-bit high pairs, 16 signed scales, fp16 d. Each half of 128
    // elements uses 64 low bytes, 32 high bytes and 8 scales; element = d * scale * (q - 32).
    private static func decodeQ6_K(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Float>, blocks: Int) {
        for block in 0..<blocks {
            let base = input + block * 210
            let d = half(base, 208)
            for halfIndex in 0..<2 {
                let low = base + 64 * halfIndex
                let high = base + 128 + 32 * halfIndex
                let scales = base + 192 + 8 * halfIndex
                let out = output + block * 256 + 128 * halfIndex
                for l in 0..<32 {
                    let scaleIndex = l / 16
                    let lowA = byte(low, l)
                    let lowB = byte(low, l + 32)
                    let bits = byte(high, l)
                    let q1 = Int32((lowA & 0x0F) | ((bits & 3) << 4)) - 32
                    let q2 = Int32((lowB & 0x0F) | (((bits >> 2) & 3) << 4)) - 32
                    let q3 = Int32((lowA >> 4) | (((bits >> 4) & 3) << 4)) - 32
                    let q4 = Int32((lowB >> 4) | (((bits >> 6) & 3) << 4)) - 32
                    out[l] = d * scale(scales, scaleIndex) * Float(q1)
                    out[l + 32] = d * scale(scales, scaleIndex + 2) * Float(q2)
                    out[l + 64] = d * scale(scales, scaleIndex + 4) * Float(q3)
                    out[l + 96] = d * scale(scales, scaleIndex + 6) * Float(q4)
                }
            }
        }
    }

    @inline(__always)
    private static func scale(_ scales: UnsafeRawPointer, _ index: Int) -> Float {
        Float(Int8(bitPattern: byte(scales, index)))
    }
}
