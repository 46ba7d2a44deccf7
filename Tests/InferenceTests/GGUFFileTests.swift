import Inference
import Testing

@Suite struct GGUFFileTests {
    /// One value of every scalar type, every array element type, a nested and an empty array.
    static let everyValue: [(String, GGUFValue)] = [
        ("t.uint8", .uint8(0xFE)),
        ("t.int8", .int8(-7)),
        ("t.uint16", .uint16(0xBEEF)),
        ("t.int16", .int16(-12_345)),
        ("t.uint32", .uint32(0xDEAD_BEEF)),
        ("t.int32", .int32(-2_000_000_000)),
        ("t.float32", .float32(-1.5e-3)),
        ("t.bool.true", .bool(true)),
        ("t.bool.false", .bool(false)),
        ("t.string", .string("héllo, 世界 🦙")),
        ("t.string.empty", .string("")),
        ("t.uint64", .uint64(0xFEDC_BA98_7654_3210)),
        ("t.int64", .int64(-9_000_000_000_000_000_000)),
        ("t.float64", .float64(3.141_592_653_589_793)),
        ("a.uint8", .array(.uint8([0, 1, 255]))),
        ("a.int8", .array(.int8([-128, 0, 127]))),
        ("a.uint16", .array(.uint16([0, 65_535]))),
        ("a.int16", .array(.int16([-32_768, 32_767]))),
        ("a.uint32", .array(.uint32([1, 2, 4_000_000_000]))),
        ("a.int32", .array(.int32([-1, 0, 1]))),
        ("a.float32", .array(.float32([0.5, -0.25, .infinity]))),
        ("a.bool", .array(.bool([true, false, true]))),
        ("a.string", .array(.string(["<s>", "</s>", "▁the", ""]))),
        ("a.uint64", .array(.uint64([.max, 0]))),
        ("a.int64", .array(.int64([.min, .max]))),
        ("a.float64", .array(.float64([1e300, -1e-300]))),
        ("a.empty", .array(.float32([]))),
        ("a.nested", .array(.array([.int32([1, 2]), .string(["x"]), .array([.uint8([9])]), .bool([])]))),
    ]

    @Test(arguments: [UInt32(2), 3])
    func parsesEveryMetadataType(version: UInt32) throws {
        var builder = GGUFBuilder()
        builder.version = version
        for (key, value) in Self.everyValue { builder.add(key, value) }
        let file = try GGUFFile(bytes: builder.build())

        #expect(file.version == version)
        #expect(file.metadata.keys == Self.everyValue.map(\.0))
        #expect(file.metadata.count == Self.everyValue.count)
        for (key, value) in Self.everyValue {
            #expect(file.metadata[key] == value, "\(key)")
        }
        #expect(file.tensors.isEmpty)
        #expect(file.alignment == 32)
    }

    @Test func minimalFileHasNoMetadataAndNoTensors() throws {
        let bytes = GGUFBuilder().build()
        #expect(bytes.count == 24)
        let file = try GGUFFile(bytes: bytes)
        #expect(file.metadata.count == 0)
        #expect(file.tensors.isEmpty)
        #expect(file.byteCount == 24)
    }

    @Test(arguments: [32, 64])
    func laysTensorDataOutAtTheFileAlignment(alignment: Int) throws {
        var builder = GGUFBuilder()
        if alignment != 32 { builder.setAlignment(UInt32(alignment)) }
        builder.add("general.architecture", .string("llama"))
        var random = SplitMix64(seed: 7)
        let first = random.bytes(4 * 3 * 5)
        let second = random.bytes(2 * 7)
        let third = random.bytes(34 * 2)
        builder.addTensor("a", .f32, dimensions: [3, 5], data: first)
        builder.addTensor("b", .f16, dimensions: [7], data: second)
        builder.addTensor("c", .q8_0, dimensions: [32, 2], data: third)
        let file = try GGUFFile(bytes: builder.build())

        #expect(file.alignment == alignment)
        #expect(file.dataOffset % alignment == 0)
        #expect(file.tensors.map(\.name) == ["a", "b", "c"])
        for (tensor, expected) in zip(file.tensors, [first, second, third]) {
            #expect(tensor.offset % alignment == 0)
            #expect(tensor.fileOffset == file.dataOffset + tensor.offset)
            #expect(Array(tensor.data) == expected)
            // The mapping is page-aligned, so data aligned in the file is aligned in memory too.
            #expect(Int(bitPattern: tensor.data.baseAddress) % alignment == 0)
        }
    }

    @Test func describesTensorShapes() throws {
        var builder = GGUFBuilder()
        builder.addTensor(
            "blk.0.attn_q.weight", .q4_0, dimensions: [64, 3, 2], data: .init(repeating: 1, count: 18 * 12))
        builder.addTensor(
            "token_embd.weight", .q6_K, dimensions: [256, 2, 1, 1], data: .init(repeating: 2, count: 420))
        builder.addTensor("output_norm.weight", .f32, dimensions: [5], data: .init(repeating: 3, count: 20))
        builder.addTensor("blk.0.ffn_up.weight", .q4_K, dimensions: [512], data: .init(repeating: 4, count: 288))
        builder.addTensor("blk.0.ffn_down.weight", .q4_1, dimensions: [32, 2], data: .init(repeating: 5, count: 40))
        let file = try GGUFFile(bytes: builder.build())

        let q = try file.tensor(named: "blk.0.attn_q.weight")
        #expect(q.type == .q4_0)
        #expect(q.dimensions == [64, 3, 2])
        #expect(q.elementCount == 384)
        #expect(q.rowLength == 64)
        #expect(q.rowCount == 6)
        #expect(q.rowByteCount == 36)
        #expect(q.byteCount == 216)

        let embedding = try file.tensor(named: "token_embd.weight")
        #expect(embedding.dimensions == [256, 2, 1, 1])
        #expect(embedding.byteCount == 420)
        #expect(try embedding.row(1).count == 210)
        #expect(try Array(embedding.row(1)) == Array(repeating: 2, count: 210))

        #expect(try file.tensor(named: "output_norm.weight").byteCount == 20)
        #expect(try file.tensor(named: "blk.0.ffn_up.weight").byteCount == 288)
        #expect(try file.tensor(named: "blk.0.ffn_down.weight").rowByteCount == 20)
        #expect(file.tensorIfPresent(named: "output.weight") == nil)
        #expect(file.tensorIfPresent(named: "output_norm.weight")?.type == .f32)
    }

    @Test func tensorDataIsReadInPlace() throws {
        var builder = GGUFBuilder()
        builder.addTensor("w", .f32, dimensions: [8, 2], data: .init(repeating: 0x41, count: 64))
        let file = try GGUFFile(bytes: builder.build())
        let tensor = try file.tensor(named: "w")
        #expect(tensor.data.baseAddress == file.tensors[0].data.baseAddress)
        #expect(try tensor.row(0).baseAddress == tensor.data.baseAddress)
        #expect(try tensor.row(1).baseAddress == tensor.data.baseAddress! + 32)
    }

    @Test func missingTensorAndRowAreClearErrors() throws {
        var builder = GGUFBuilder()
        builder.addTensor("w", .f32, dimensions: [2, 3], data: .init(repeating: 0, count: 24))
        let file = try GGUFFile(bytes: builder.build())

        let missing = #expect(throws: GGUFError.self) { try file.tensor(named: "output.weight") }
        #expect(missing?.code == .missingTensor)
        #expect(missing?.description.contains("'output.weight'") == true)

        let tensor = file.tensors[0]
        for row in [-1, 3, Int.max] {
            let error = #expect(throws: GGUFError.self) { try tensor.row(row) }
            #expect(error == .rowOutOfRange(tensor: "w", row: row, rowCount: 3))
            #expect(error?.code == .row)
        }
    }

    @Test func typedAccessorsReturnValues() throws {
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("llama"))
        builder.add("llama.block_count", .uint32(30))
        builder.add("llama.context_length", .uint64(8192))
        builder.add("llama.rope.dimension_count", .int8(64))
        builder.add("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
        builder.add("t.int32", .int32(-3))
        builder.add("t.int64", .int64(-4))
        builder.add("t.float64", .float64(0.25))
        builder.add("t.bool", .bool(true))
        builder.add("tokenizer.ggml.tokens", .array(.string(["a", "b"])))
        builder.add("tokenizer.ggml.scores", .array(.float32([0, -1])))
        builder.add("tokenizer.ggml.token_type", .array(.int32([1, 3])))
        builder.add("t.uint32s", .array(.uint32([7])))
        builder.add("t.uint8s", .array(.uint8([1, 2])))
        builder.add("t.uint64s", .array(.uint64([5])))
        let file = try GGUFFile(bytes: builder.build())
        let metadata = file.metadata

        #expect(try file.architecture() == "llama")
        #expect(try metadata.uint32("llama.block_count") == 30)
        #expect(try metadata.uint64("llama.context_length") == 8192)
        #expect(try metadata.integer("llama.block_count") == 30)
        #expect(try metadata.integer("llama.context_length") == 8192)
        #expect(try metadata.integer("llama.rope.dimension_count") == 64)
        #expect(try metadata.integer("llama.expert_count", default: 0) == 0)
        #expect(try metadata.float32("llama.attention.layer_norm_rms_epsilon") == 1e-5)
        #expect(try metadata.float32("llama.rope.freq_base", default: 10_000) == 10_000)
        #expect(try metadata.float32("llama.attention.layer_norm_rms_epsilon", default: 1) == 1e-5)
        #expect(try metadata.int32("t.int32") == -3)
        #expect(try metadata.int64("t.int64") == -4)
        #expect(try metadata.float64("t.float64") == 0.25)
        #expect(try metadata.bool("t.bool"))
        #expect(try metadata.stringArray("tokenizer.ggml.tokens") == ["a", "b"])
        #expect(try metadata.float32Array("tokenizer.ggml.scores") == [0, -1])
        #expect(try metadata.int32Array("tokenizer.ggml.token_type") == [1, 3])
        #expect(try metadata.uint32Array("t.uint32s") == [7])
        #expect(try metadata.integerArray("t.uint8s") == [1, 2])
        #expect(try metadata.integerArray("t.uint64s") == [5])
        #expect(try metadata.array("t.uint8s").count == 2)
        #expect(metadata.contains("t.bool"))
        #expect(!metadata.contains("t.nothing"))
    }

    @Test func typedAccessorsNameTheKeyWhenMissingOrMistyped() throws {
        var builder = GGUFBuilder()
        builder.add("llama.block_count", .uint32(30))
        builder.add("tokenizer.ggml.tokens", .array(.int32([1])))
        builder.add("t.huge", .uint64(.max))
        builder.add("t.huges", .array(.uint64([.max])))
        let metadata = try GGUFFile(bytes: builder.build()).metadata

        let missing = #expect(throws: GGUFError.self) { try metadata.string("general.architecture") }
        #expect(missing == .missingKey("general.architecture"))
        #expect(missing?.code == .missingKey)
        #expect(missing?.description.contains("'general.architecture'") == true)

        let mistyped = #expect(throws: GGUFError.self) { try metadata.float32("llama.block_count") }
        #expect(mistyped == .wrongValueType(key: "llama.block_count", expected: "float32", found: "uint32"))
        #expect(mistyped?.code == .keyType)
        #expect(mistyped?.description.contains("'llama.block_count' is uint32, expected float32") == true)

        let wrongArray = #expect(throws: GGUFError.self) { try metadata.stringArray("tokenizer.ggml.tokens") }
        #expect(
            wrongArray
                == .wrongValueType(key: "tokenizer.ggml.tokens", expected: "array of string", found: "array of int32"))
        #expect(throws: GGUFError.self) { try metadata.string("llama.block_count") }
        #expect(throws: GGUFError.self) { try metadata.uint64("llama.block_count") }
        #expect(throws: GGUFError.self) { try metadata.integer("tokenizer.ggml.tokens") }
        #expect(throws: GGUFError.self) { try metadata.float32("llama.block_count", default: 1) }

        let tooBig = #expect(throws: GGUFError.self) { try metadata.integer("t.huge") }
        #expect(tooBig?.code == .keyRange)
        let tooBigArray = #expect(throws: GGUFError.self) { try metadata.integerArray("t.huges") }
        #expect(tooBigArray?.code == .keyRange)
    }

    @Test func errorMessagesStartWithTheCodeAndDefuseHostileNames() {
        let error = GGUFError.duplicateTensor("evil\u{1B}[2J\nname\u{202E}")
        #expect(error.description.hasPrefix("SOTTO-GGUF-DUPLICATE-TENSOR: "))
        #expect(!error.description.contains("\u{1B}"))
        #expect(!error.description.contains("\n"))
        #expect(!error.description.contains("\u{202E}"))
        #expect(error.description.contains("'evil\\u{1b}[2J\\u{a}name\\u{202e}'"))

        let long = GGUFError.missingKey(String(repeating: "k", count: 10_000))
        #expect(long.description.count < 400)
    }

    @Test func typeIDsMatchGGML() {
        let expected: [(GGMLType, UInt32)] = [
            (.f32, 0), (.f16, 1), (.q4_0, 2), (.q4_1, 3), (.q5_0, 6), (.q5_1, 7), (.q8_0, 8), (.q8_1, 9),
            (.q2_K, 10), (.q3_K, 11), (.q4_K, 12), (.q5_K, 13), (.q6_K, 14), (.q8_K, 15), (.bf16, 30),
        ]
        for (type, id) in expected {
            #expect(type.rawValue == id)
            #expect(GGMLType(rawValue: id) == type)
        }
        for retired: UInt32 in [4, 5, 31, 32, 33, 36, 37, 38] {
            #expect(GGMLType(rawValue: retired) == nil)
        }
        #expect(GGMLType.q4_K.description == "q4_K")
    }

    @Test func blockLayoutsMatchGGML() {
        let expected: [(GGMLType, Int, Int)] = [
            (.f32, 1, 4), (.f16, 1, 2), (.q4_0, 32, 18), (.q4_1, 32, 20), (.q8_0, 32, 34), (.q4_K, 256, 144),
            (.q6_K, 256, 210),
        ]
        for (type, elements, bytes) in expected {
            #expect(type.blockLayout?.elementsPerBlock == elements, "\(type)")
            #expect(type.blockLayout?.bytesPerBlock == bytes, "\(type)")
            #expect(type.isSupported)
        }
        #expect(GGMLType.allCases.filter(\.isSupported).count == expected.count)
        #expect(GGMLType.q5_K.blockLayout == nil)
        #expect(GGMLType.q4_0.byteCount(elements: 64) == 36)
        #expect(GGMLType.q4_0.byteCount(elements: 48) == nil)
        #expect(GGMLType.q6_K.byteCount(elements: 512) == 420)
        #expect(GGMLType.f32.byteCount(elements: Int.max) == nil)
        #expect(GGMLType.bf16.byteCount(elements: 2) == nil)
    }
}
