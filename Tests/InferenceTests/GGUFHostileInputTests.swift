import Inference
import Testing

/// Broken and hostile files: each must be refused with its own code, never crash, never allocate what it claims.
@Suite struct GGUFHostileInputTests {
    /// A small valid file with strings, arrays and two tensors, the last of which ends the file.
    static func smallValidFile() -> [UInt8] {
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("llama"))
        builder.add("llama.block_count", .uint32(1))
        builder.add("tokenizer.ggml.tokens", .array(.string(["<s>", "a"])))
        builder.add("tokenizer.ggml.scores", .array(.float32([0, -1])))
        builder.addTensor("output_norm.weight", .f32, dimensions: [4, 2], data: .init(repeating: 0x3F, count: 32))
        builder.addTensor("token_embd.weight", .q8_0, dimensions: [32], data: .init(repeating: 1, count: 34))
        return builder.build()
    }

    /// The header of a file whose body the test writes by hand.
    static func header(tensors: UInt64 = 0, entries: UInt64 = 1) -> ByteWriter {
        var out = ByteWriter()
        out.append(Array("GGUF".utf8))
        out.append(UInt32(3))
        out.append(tensors)
        out.append(entries)
        return out
    }

    static func code(_ bytes: [UInt8]) -> GGUFError.Code? { loadError(bytes)?.code }

    static func withEntry(type: UInt32, payload: [UInt8], key: [UInt8] = Array("k".utf8)) -> [UInt8] {
        var builder = GGUFBuilder()
        builder.addRaw(key: key, type: type, payload: payload)
        return builder.build()
    }

    static func withTensor(_ configure: (inout GGUFBuilder) -> Void) -> [UInt8] {
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("llama"))
        configure(&builder)
        return builder.build()
    }

    // MARK: Truncation

    @Test func everyTruncationIsAnErrorNeverACrash() throws {
        let bytes = Self.smallValidFile()
        _ = try GGUFFile(bytes: bytes)
        let expectedCodes: Set<GGUFError.Code> = [.truncated, .stringLength, .count, .tensorBounds]
        for length in 0..<bytes.count {
            let error = loadError(Array(bytes.prefix(length)))
            #expect(error != nil, "a prefix of \(length) bytes opened")
            if let error { #expect(expectedCodes.contains(error.code), "prefix \(length): \(error)") }
        }
    }

    @Test func truncationSaysWhatWasBeingRead() {
        let error = loadError(Array(Self.smallValidFile().prefix(10)))
        #expect(error == .truncated(context: "the tensor count", offset: 8, needed: 8, available: 2))
        #expect(error?.description.contains("while reading the tensor count at offset 8") == true)
    }

    // MARK: Header

    @Test func badMagicIsRefused() {
        var bytes = Self.smallValidFile()
        bytes.replaceSubrange(0..<4, with: Array("GGML".utf8))
        let error = loadError(bytes)
        #expect(error?.code == .magic)
        #expect(error?.description.contains("47 47 4d 4c") == true)
        bytes.replaceSubrange(0..<4, with: Array("gguf".utf8))
        #expect(Self.code(bytes) == .magic)
    }

    @Test(arguments: [UInt32(0), 1, 4, 0xFFFF_FFFF])
    func otherVersionsAreRefused(version: UInt32) {
        var builder = GGUFBuilder()
        builder.version = version
        let error = loadError(builder.build())
        #expect(error == .unsupportedVersion(version))
        #expect(error?.code == .version)
        #expect(error?.description.contains("version \(version)") == true)
    }

    @Test func bigEndianFilesAreNamedAsSuch() {
        var builder = GGUFBuilder()
        builder.version = UInt32(3).byteSwapped
        let error = loadError(builder.build())
        #expect(error?.code == .version)
        #expect(error?.description.contains("big-endian") == true)
    }

    @Test func hugeTensorCountFailsFast() {
        var builder = GGUFBuilder()
        builder.tensorCountOverride = 1 << 60
        let error = loadError(builder.build())
        #expect(error == .countTooLarge(context: "the tensor count", count: 1 << 60, offset: 8, available: 0))
        #expect(error?.code == .count)
    }

    @Test func hugeMetadataCountFailsFast() {
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("llama"))
        builder.metadataCountOverride = .max
        #expect(Self.code(builder.build()) == .count)
    }

    @Test func tensorCountBeyondTheTensorInfosIsRefused() {
        var builder = GGUFBuilder()
        builder.addTensor("a", .f32, dimensions: [1], data: [0, 0, 0, 0])
        builder.tensorCountOverride = 2
        let error = loadError(builder.build())
        #expect(error.map { [.count, .truncated, .stringLength].contains($0.code) } == true)
    }

    // MARK: Strings

    @Test func hugeKeyLengthFailsFast() {
        var out = Self.header()
        out.append(UInt64(1) << 63)
        out.append(Array("general.architecture".utf8))
        let error = loadError(out.bytes)
        #expect(error?.code == .stringLength)
        #expect(error?.description.contains("the key of metadata entry 0 at offset 24") == true)
    }

    @Test func hugeStringValueLengthFailsFast() {
        let bytes = Self.withEntry(type: 8, payload: littleEndianBytes(UInt64.max))
        #expect(Self.code(bytes) == .stringLength)
    }

    @Test func stringLengthOnePastTheEndIsRefused() {
        let bytes = Self.withEntry(type: 8, payload: littleEndianBytes(UInt64(6)) + Array("hello".utf8))
        let error = loadError(bytes)
        #expect(error?.code == .stringLength)
        #expect(error?.description.contains("'k'") == true)
    }

    @Test(
        arguments: [[0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF], [0x61, 0xF0, 0x9F, 0xA6]] as [[UInt8]])
    func invalidUTF8IsRefusedEverywhere(bad: [UInt8]) {
        var string = ByteWriter()
        string.appendString(bad)
        #expect(Self.code(Self.withEntry(type: 8, payload: string.bytes)) == .utf8)
        #expect(Self.code(Self.withEntry(type: 4, payload: [0, 0, 0, 0], key: bad)) == .utf8)

        var array = ByteWriter()
        array.append(UInt32(8))
        array.append(UInt64(2))
        array.appendString(Array("ok".utf8))
        array.appendString(bad)
        #expect(Self.code(Self.withEntry(type: 9, payload: array.bytes)) == .utf8)

        var builder = GGUFBuilder()
        builder.tensors.append(.init(name: bad, dimensions: [1], typeID: 0, data: [0, 0, 0, 0]))
        #expect(Self.code(builder.build()) == .utf8)
    }

    // MARK: Values

    @Test(arguments: [UInt32(13), 255, 0xFFFF_FFFF])
    func unknownValueTypesAreRefused(type: UInt32) {
        let error = loadError(Self.withEntry(type: type, payload: [0, 0, 0, 0]))
        #expect(error == .unknownValueType(key: "k", typeID: type, offset: 33))
        #expect(error?.code == .valueType)

        let nested = littleEndianBytes(type) + littleEndianBytes(UInt64(0))
        #expect(Self.code(Self.withEntry(type: 9, payload: nested)) == .valueType)
    }

    @Test func booleansOtherThanZeroOrOneAreRefused() {
        #expect(Self.code(Self.withEntry(type: 7, payload: [2])) == .bool)
        let array = littleEndianBytes(UInt32(7)) + littleEndianBytes(UInt64(3)) + [1, 0, 7]
        let error = loadError(Self.withEntry(type: 9, payload: array))
        #expect(error == .invalidBool(key: "k", byte: 7, offset: 37 + 12 + 2))
    }

    @Test func hugeArrayCountsFailFast() {
        for elementType: UInt32 in [0, 6, 8, 9, 12] {
            let array = littleEndianBytes(elementType) + littleEndianBytes(UInt64(1) << 62)
            #expect(Self.code(Self.withEntry(type: 9, payload: array)) == .count, "type \(elementType)")
        }
        // Two strings need at least 16 bytes; only 8 are left.
        let strings = littleEndianBytes(UInt32(8)) + littleEndianBytes(UInt64(2)) + littleEndianBytes(UInt64(0))
        #expect(Self.code(Self.withEntry(type: 9, payload: strings)) == .count)
    }

    @Test func arraysNestUpToTheLimit() throws {
        func nested(_ depth: Int) -> GGUFArray { depth == 1 ? .uint8([1]) : .array([nested(depth - 1)]) }
        var builder = GGUFBuilder()
        builder.add("deep", .array(nested(8)))
        #expect(try GGUFFile(bytes: builder.build()).metadata["deep"] == .array(nested(8)))

        builder = GGUFBuilder()
        builder.add("deeper", .array(nested(9)))
        #expect(loadError(builder.build()) == .nestingTooDeep(key: "deeper", limit: 8))
    }

    @Test func deeplyNestedArraysCannotExhaustTheStack() {
        var payload = ByteWriter()
        for _ in 0..<200_000 {
            payload.append(UInt32(9))
            payload.append(UInt64(1))
        }
        #expect(Self.code(Self.withEntry(type: 9, payload: payload.bytes)) == .nesting)
    }

    @Test func duplicateKeysAreRefused() {
        var builder = GGUFBuilder()
        builder.add("general.name", .string("a"))
        builder.add("general.architecture", .string("llama"))
        builder.add("general.name", .uint32(2))
        #expect(loadError(builder.build()) == .duplicateKey("general.name"))
    }

    // MARK: Alignment

    @Test(arguments: [GGUFValue.uint32(0), .uint32(3), .uint32(48), .int32(-32), .string("32"), .uint64(1 << 63)])
    func invalidAlignmentsAreRefused(value: GGUFValue) {
        var builder = GGUFBuilder()
        builder.add("general.alignment", value)
        builder.addTensor("a", .f32, dimensions: [1], data: [0, 0, 0, 0])
        let error = loadError(builder.build())
        #expect(error?.code == .alignment, "\(value)")
        #expect(error?.description.contains("power of two") == true)
    }

    @Test func alignmentPastTheFileLeavesTensorsOutOfBounds() {
        var builder = GGUFBuilder()
        builder.add("general.alignment", .uint64(1 << 62))
        builder.addTensor("a", .f32, dimensions: [1], data: [0, 0, 0, 0])
        #expect(Self.code(builder.build()) == .tensorBounds)
    }

    // MARK: Tensor infos

    @Test(arguments: [[], [1, 1, 1, 1, 1]] as [[UInt64]])
    func dimensionCountsOutsideOneToFourAreRefused(dimensions: [UInt64]) {
        let bytes = Self.withTensor { $0.addTensor("w", .f32, dimensions: dimensions, data: [0, 0, 0, 0]) }
        let error = loadError(bytes)
        #expect(error == .invalidDimensionCount(tensor: "w", count: UInt32(dimensions.count)))
        #expect(error?.code == .dimensionCount)
    }

    @Test func hugeDimensionCountFailsFast() {
        let bytes = Self.withTensor { builder in
            builder.addTensor("w", .f32, dimensions: [1], data: [0, 0, 0, 0])
            builder.tensors[0].dimensionCountOverride = .max
        }
        #expect(Self.code(bytes) == .dimensionCount)
    }

    @Test(arguments: [[0], [4, 0], [1 << 63], [1, .max]] as [[UInt64]])
    func zeroOrOutOfRangeDimensionsAreRefused(dimensions: [UInt64]) {
        let bytes = Self.withTensor { $0.addTensor("w", .f32, dimensions: dimensions, data: []) }
        #expect(Self.code(bytes) == .dimension)
    }

    @Test(
        arguments: [[1 << 32, 1 << 32], [1 << 31, 1 << 31], [1 << 62, 2, 2], [1 << 16, 1 << 16, 1 << 16, 1 << 16]]
            as [[UInt64]])
    func overflowingElementOrByteCountsAreRefused(dimensions: [UInt64]) {
        let bytes = Self.withTensor { $0.addTensor("w", .f32, dimensions: dimensions, data: []) }
        let error = loadError(bytes)
        #expect(error == .tensorTooLarge(tensor: "w"))
        #expect(error?.code == .tensorSize)
    }

    @Test(arguments: [UInt32(4), 5, 31, 42, 99, 0xFFFF_FFFF])
    func unknownTensorTypesAreRefused(typeID: UInt32) {
        let bytes = Self.withTensor { $0.addTensor("blk.0.attn_k.weight", typeID: typeID, dimensions: [256]) }
        let error = loadError(bytes)
        #expect(error == .unknownTensorType(tensor: "blk.0.attn_k.weight", typeID: typeID))
        #expect(error?.code == .tensorType)
    }

    @Test(arguments: GGMLType.allCases.filter { !$0.isSupported })
    func knownButUnsupportedTypesNameTypeAndTensor(type: GGMLType) {
        let bytes = Self.withTensor { $0.addTensor("blk.0.ffn_down.weight", typeID: type.rawValue, dimensions: [256]) }
        let error = loadError(bytes)
        #expect(error?.code == .unsupportedType)
        let expected = "unsupported tensor type \(type.name) in tensor 'blk.0.ffn_down.weight'"
        #expect(error?.description.contains(expected) == true)
    }

    @Test func rowsMustBeWholeBlocks() {
        let q4 = Self.withTensor {
            $0.addTensor("w", .q4_0, dimensions: [16, 2], data: .init(repeating: 0, count: 18))
        }
        #expect(loadError(q4) == .rowNotBlockAligned(tensor: "w", rowLength: 16, type: .q4_0))
        let k = Self.withTensor {
            $0.addTensor("w", .q4_K, dimensions: [128, 2], data: .init(repeating: 0, count: 144))
        }
        #expect(Self.code(k) == .block)
        let whole = Self.withTensor {
            $0.addTensor("w", .q4_0, dimensions: [32, 3], data: .init(repeating: 0, count: 54))
        }
        #expect(loadError(whole) == nil)
    }

    @Test func duplicateTensorNamesAreRefused() {
        let bytes = Self.withTensor { builder in
            builder.addTensor("w", .f32, dimensions: [1], data: [0, 0, 0, 0])
            builder.addTensor("w", .f32, dimensions: [1], data: [0, 0, 0, 0])
        }
        #expect(loadError(bytes) == .duplicateTensor("w"))
    }

    // MARK: Tensor data ranges

    @Test(arguments: [UInt64(1) << 40, UInt64.max & ~31, UInt64(Int64.max) & ~31])
    func tensorOffsetsPastTheEndAreRefused(offset: UInt64) {
        let bytes = Self.withTensor { builder in
            builder.addTensor("w", .f32, dimensions: [8], data: .init(repeating: 0, count: 32), offset: offset)
            builder.tensors[0].writesData = false
        }
        let error = loadError(bytes)
        #expect(error?.code == .tensorBounds)
        #expect(error?.description.contains("'w' needs 32 bytes at data offset \(offset)") == true)
    }

    @Test func tensorsEndingPastTheEndAreRefused() {
        let bytes = Self.withTensor { builder in
            builder.addTensor("w", .f32, dimensions: [8], data: .init(repeating: 0, count: 32))
        }
        #expect(loadError(bytes) == nil)
        #expect(Self.code(Array(bytes.dropLast())) == .tensorBounds)
    }

    @Test func overlappingTensorsAreRefused() {
        let partly = Self.withTensor { builder in
            builder.addTensor("a", .f32, dimensions: [16], data: .init(repeating: 1, count: 64), offset: 0)
            builder.addTensor("b", .f32, dimensions: [16], data: .init(repeating: 2, count: 64), offset: 32)
        }
        #expect(loadError(partly) == .overlappingTensors("a", "b"))

        let same = Self.withTensor { builder in
            builder.addTensor("a", .f32, dimensions: [8], data: .init(repeating: 1, count: 32), offset: 64)
            builder.addTensor("b", .f32, dimensions: [8], data: .init(repeating: 2, count: 32), offset: 64)
            builder.addTensor("c", .f32, dimensions: [8], data: .init(repeating: 3, count: 32), offset: 0)
        }
        #expect(Self.code(same) == .overlap)

        let touching = Self.withTensor { builder in
            builder.addTensor("b", .f32, dimensions: [8], data: .init(repeating: 2, count: 32), offset: 32)
            builder.addTensor("a", .f32, dimensions: [8], data: .init(repeating: 1, count: 32), offset: 0)
        }
        #expect(loadError(touching) == nil)
    }

    @Test func misalignedTensorOffsetsAreRefused() {
        let bytes = Self.withTensor { builder in
            builder.addTensor("w", .f32, dimensions: [4], data: .init(repeating: 0, count: 16), offset: 16)
        }
        #expect(loadError(bytes) == .misalignedTensor(tensor: "w", offset: 16, alignment: 32))

        var builder = GGUFBuilder()
        builder.setAlignment(64)
        builder.addTensor("w", .f32, dimensions: [4], data: .init(repeating: 0, count: 16), offset: 32)
        #expect(Self.code(builder.build()) == .misaligned)
    }
}
