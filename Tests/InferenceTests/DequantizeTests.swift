import Inference
import Testing

/// Blocks built by hand with known scales and quants; expected values come from the formulas and from
/// element-by-element references written from the block layouts, independently of the decoder's loops.
@Suite struct DequantizeTests {
    static func decode(_ type: GGMLType, _ bytes: [UInt8], count: Int) throws -> [Float] {
        try bytes.withUnsafeBytes { raw in try Dequantize.row(type, from: raw, count: count) }
    }

    static func half(_ block: [UInt8], at offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(block[offset]) | UInt16(block[offset + 1]) << 8))
    }

    // MARK: Plain floats

    @Test func f32IsCopiedBitForBit() throws {
        let values: [Float] = [
            1.5, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -.infinity, Float(bitPattern: 0x0002_1000),
        ]
        let bytes = values.flatMap { littleEndianBytes($0.bitPattern) }
        let decoded = try Self.decode(.f32, bytes, count: values.count)
        #expect(decoded.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func f16ConvertsEveryClassOfValue() throws {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x3C00, 1), (0xC000, -2), (0x3555, 0.333_251_953_125),
            (0x7BFF, 65_504), (0x0400, 0x1p-14), (0x0001, 0x1p-24), (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        let bytes = cases.flatMap { littleEndianBytes($0.0) }
        let decoded = try Self.decode(.f16, bytes, count: cases.count)
        #expect(decoded.map(\.bitPattern) == cases.map(\.1.bitPattern))
        #expect(try Self.decode(.f16, littleEndianBytes(UInt16(0x7E00)), count: 1)[0].isNaN)
    }

    // MARK: 32-element blocks

    @Test func q4_0IsNibbleMinusEightTimesScale() throws {
        let scales: [Float] = [0.5, -1.25]
        var bytes: [UInt8] = []
        for scale in scales {
            bytes += halfBytes(scale)
            for j in 0..<16 { bytes.append(UInt8(j) | UInt8(15 - j) << 4) }
        }
        let decoded = try Self.decode(.q4_0, bytes, count: 64)
        for (block, d) in scales.enumerated() {
            for j in 0..<16 {
                #expect(decoded[block * 32 + j] == Float(j - 8) * d)
                #expect(decoded[block * 32 + j + 16] == Float(15 - j - 8) * d)
            }
        }
        #expect(decoded[0] == -4)
        #expect(decoded[16] == 3.5)
        #expect(decoded[32] == 10)
        #expect(decoded[63] == 10)
    }

    @Test func q4_1IsNibbleTimesScalePlusMin() throws {
        var bytes = halfBytes(0.25) + halfBytes(-1.5)
        for j in 0..<16 { bytes.append(UInt8(j) | UInt8(15 - j) << 4) }
        let decoded = try Self.decode(.q4_1, bytes, count: 32)
        for j in 0..<16 {
            #expect(decoded[j] == Float(j) * 0.25 - 1.5)
            #expect(decoded[j + 16] == Float(15 - j) * 0.25 - 1.5)
        }
        #expect(decoded[0] == -1.5)
        #expect(decoded[16] == 2.25)
    }

    @Test func q8_0IsSignedByteTimesScale() throws {
        var bytes = halfBytes(0.125)
        for j in 0..<32 { bytes.append(UInt8(bitPattern: Int8(j * 8 - 128))) }
        bytes += halfBytes(-3)
        for j in 0..<32 { bytes.append(UInt8(bitPattern: Int8(127 - j))) }
        let decoded = try Self.decode(.q8_0, bytes, count: 64)
        for j in 0..<32 {
            #expect(decoded[j] == Float(j * 8 - 128) * 0.125)
            #expect(decoded[32 + j] == Float(127 - j) * -3)
        }
        #expect(decoded[0] == -16)
        #expect(decoded[32] == -381)
    }

    // MARK: Q4_K

    /// Q4_K from its layout: eight sub-blocks of 32 elements, each with a 6-bit scale and min packed in 12 bytes;
    /// each run of 64 elements takes its quants from 32 bytes, low nibbles first.
    static func referenceQ4_K(_ block: [UInt8]) -> [Float] {
        let d = half(block, at: 0)
        let dmin = half(block, at: 2)
        let packed = Array(block[4..<16])
        let quants = Array(block[16..<144])
        func scaleAndMin(_ sub: Int) -> (Int, Int) {
            if sub < 4 { return (Int(packed[sub] & 0x3F), Int(packed[sub + 4] & 0x3F)) }
            let scale = Int(packed[sub + 4] & 0x0F) | Int(packed[sub - 4] >> 6) << 4
            let min = Int(packed[sub + 4] >> 4) | Int(packed[sub] >> 6) << 4
            return (scale, min)
        }
        return (0..<256).map { index in
            let sub = index / 32
            let byte = quants[(index / 64) * 32 + index % 32]
            let quant = sub % 2 == 0 ? byte & 0x0F : byte >> 4
            let (scale, min) = scaleAndMin(sub)
            // ggml's order: (d * scale) * q - (dmin * min).
            return d * Float(scale) * Float(quant) - dmin * Float(min)
        }
    }

    @Test func q4_KHandPickedBlock() throws {
        var block = [UInt8](repeating: 0, count: 144)
        block.replaceSubrange(0..<4, with: halfBytes(1) + halfBytes(0.5))
        block[4 + 0] = 0xC5  // scale 0 = 5; top bits 3 go to scale 4
        block[4 + 1] = 0x02  // scale 1 = 2
        block[4 + 4] = 0x43  // min 0 = 3; top bit pattern 1 goes to min 4
        block[4 + 5] = 0x01  // min 1 = 1
        block[4 + 8] = 0x27  // scale 4 = 7 | 3 << 4 = 55, min 4 = 2 | 1 << 4 = 18
        block[16 + 0] = 0xA9  // element 0: 9 (sub-block 0), element 32: 10 (sub-block 1)
        block[16 + 64] = 0x04  // element 128: 4 (sub-block 4), element 160: 0 (sub-block 5)

        let decoded = try Self.decode(.q4_K, block, count: 256)
        #expect(decoded[0] == 43.5)  // 1 * 5 * 9 - 0.5 * 3
        #expect(decoded[1] == -1.5)  // 1 * 5 * 0 - 0.5 * 3
        #expect(decoded[32] == 19.5)  // 1 * 2 * 10 - 0.5 * 1
        #expect(decoded[128] == 211)  // 1 * 55 * 4 - 0.5 * 18
        #expect(decoded[160] == 0)
        #expect(decoded[255] == 0)
        #expect(decoded.map(\.bitPattern) == Self.referenceQ4_K(block).map(\.bitPattern))
    }

    @Test func q4_KMatchesTheLayoutReference() throws {
        var random = SplitMix64(seed: 0x0045_4B34)
        var bytes: [UInt8] = []
        var blocks: [[UInt8]] = []
        for _ in 0..<3 {
            var block = random.bytes(144)
            let d = Float(random.next() % 2000) / 1e4 - 0.1
            let dmin = Float(random.next() % 2000) / 1e4
            block.replaceSubrange(0..<4, with: halfBytes(d) + halfBytes(dmin))
            blocks.append(block)
            bytes += block
        }
        let decoded = try Self.decode(.q4_K, bytes, count: 768)
        let expected = blocks.flatMap(Self.referenceQ4_K)
        #expect(decoded.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    // MARK: Q6_K

    /// Q6_K from its layout: 16 sub-blocks of 16 elements with a signed 8-bit scale each; a 6-bit quant is a
    /// nibble of `ql` plus two bits of `qh`, minus 32. Each half of 128 elements has 64 `ql` bytes (quarters 0
    /// and 1 low nibbles, 2 and 3 high) and 32 `qh` bytes (quarter q in bits 2q and 2q + 1).
    static func referenceQ6_K(_ block: [UInt8]) -> [Float] {
        let low = Array(block[0..<128])
        let high = Array(block[128..<192])
        let scales = Array(block[192..<208])
        let d = half(block, at: 208)
        return (0..<256).map { index in
            let halfIndex = index / 128
            let quarter = index % 128 / 32
            let lane = index % 32
            let lowByte = low[64 * halfIndex + 32 * (quarter % 2) + lane]
            let lowBits = quarter < 2 ? lowByte & 0x0F : lowByte >> 4
            let highBits = (high[32 * halfIndex + lane] >> (2 * quarter)) & 3
            let quant = Int(lowBits | highBits << 4) - 32
            let scale = Int8(bitPattern: scales[index / 16])
            // ggml's order: (d * scale) * q.
            return d * Float(scale) * Float(quant)
        }
    }

    @Test func q6_KHandPickedBlock() throws {
        var block = [UInt8](repeating: 0, count: 210)
        block.replaceSubrange(208..<210, with: halfBytes(0.5))
        block[192 + 0] = 3
        block[192 + 2] = 1
        block[192 + 4] = UInt8(bitPattern: -2)
        block[192 + 6] = 4
        block[192 + 8] = 10
        block[0] = 0x21  // element 0 low 1, element 64 low 2
        block[32] = 0x5F  // element 32 low 15, element 96 low 5
        block[128] = 0xE4  // high bits: element 0 → 0, 32 → 1, 64 → 2, 96 → 3
        block[64] = 0x0F  // element 128 low 15
        block[128 + 32] = 0x03  // element 128 high 3

        let decoded = try Self.decode(.q6_K, block, count: 256)
        #expect(decoded[0] == -46.5)  // 0.5 * 3 * (1 - 32)
        #expect(decoded[1] == -48)  // 0.5 * 3 * (0 - 32)
        #expect(decoded[32] == -0.5)  // 0.5 * 1 * (15 + 16 - 32)
        #expect(decoded[64] == -2)  // 0.5 * -2 * (2 + 32 - 32)
        #expect(decoded[96] == 42)  // 0.5 * 4 * (5 + 48 - 32)
        #expect(decoded[128] == 155)  // 0.5 * 10 * (15 + 48 - 32)
        #expect(decoded.map(\.bitPattern) == Self.referenceQ6_K(block).map(\.bitPattern))
    }

    @Test func q6_KMatchesTheLayoutReference() throws {
        var random = SplitMix64(seed: 0x0036_4B36)
        var bytes: [UInt8] = []
        var blocks: [[UInt8]] = []
        for _ in 0..<3 {
            var block = random.bytes(210)
            block.replaceSubrange(208..<210, with: halfBytes(Float(random.next() % 2000) / 1e5 - 0.01))
            blocks.append(block)
            bytes += block
        }
        let decoded = try Self.decode(.q6_K, bytes, count: 768)
        let expected = blocks.flatMap(Self.referenceQ6_K)
        #expect(decoded.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    // MARK: Misuse

    @Test func sizesMustMatchTheBlocks() throws {
        let cases: [(GGMLType, Int, Int)] = [
            (.q4_0, 16, 9), (.q4_0, 32, 17), (.q4_0, 32, 19), (.q4_K, 256, 143), (.q6_K, 128, 105),
            (.f32, 3, 11), (.f16, -1, 0), (.q8_0, Int.max, 34),
        ]
        for (type, count, byteCount) in cases {
            let bytes = [UInt8](repeating: 0, count: byteCount)
            let error = #expect(throws: GGUFError.self) { try Self.decode(type, bytes, count: count) }
            #expect(error == .dequantizeSizeMismatch(type: type, elements: count, sourceBytes: byteCount))
            #expect(error?.code == .dequantizeSize)
        }
        #expect(try Self.decode(.q4_K, [], count: 0).isEmpty)
    }

    @Test func unsupportedTypesCannotBeDequantized() {
        let error = #expect(throws: GGUFError.self) {
            try Self.decode(.q5_K, [UInt8](repeating: 0, count: 176), count: 256)
        }
        #expect(error == .cannotDequantize(.q5_K))
        #expect(error?.code == .dequantizeType)
        #expect(error?.description.contains("f32, f16, q4_0, q4_1, q8_0, q4_K, q6_K") == true)
    }

    @Test func destinationMustHoldExactlyTheRow() {
        let bytes = [UInt8](repeating: 0, count: 18)
        let destination = UnsafeMutableBufferPointer<Float>.allocate(capacity: 31)
        defer { destination.deallocate() }
        let error = #expect(throws: GGUFError.self) {
            try bytes.withUnsafeBytes { raw in try Dequantize.row(.q4_0, from: raw, into: destination) }
        }
        #expect(error?.code == .dequantizeSize)
    }

    // MARK: Through a file

    @Test func tensorRowsDequantizeInPlace() throws {
        var data: [UInt8] = []
        for row in 0..<2 {
            for block in 0..<2 {
                data += halfBytes(Float(row * 2 + block + 1))
                for j in 0..<16 { data.append(UInt8(j) | UInt8(j) << 4) }
            }
        }
        var builder = GGUFBuilder()
        builder.addTensor("blk.0.attn_v.weight", .q4_0, dimensions: [64, 2], data: data)
        let tensor = try GGUFFile(bytes: builder.build()).tensor(named: "blk.0.attn_v.weight")

        let second = try tensor.dequantizeRow(1)
        #expect(second.count == 64)
        for j in 0..<16 {
            #expect(second[j] == Float(j - 8) * 3)
            #expect(second[j + 16] == Float(j - 8) * 3)
            #expect(second[32 + j] == Float(j - 8) * 4)
        }
        let whole = try tensor.dequantized()
        #expect(whole == (try tensor.dequantizeRow(0)) + second)

        let destination = UnsafeMutableBufferPointer<Float>.allocate(capacity: 64)
        defer { destination.deallocate() }
        try tensor.dequantizeRow(1, into: destination)
        #expect(Array(destination) == second)
        #expect(throws: GGUFError.self) { try tensor.dequantizeRow(2) }
    }
}
