import Foundation
import Inference
import Testing

/// The forward pass against an independent Double-precision reference on a tiny synthetic model.
@Suite struct LlamaModelTests {
    static let tokens = [3, 17, 5, 30, 0, 9, 9, 21]

    static func maxDifference(_ a: [Float], _ b: [Double]) -> Double {
        zip(a, b).map { abs(Double($0) - $1) }.max() ?? .infinity
    }

    static func model(_ tiny: TinyLlama, threads: Int = 2) throws -> LlamaModel {
        try LlamaModel(file: try GGUFFile(bytes: tiny.fileBytes()), threads: threads)
    }

    static func loadError(_ bytes: [UInt8]) -> LlamaModelError? {
        do {
            _ = try LlamaModel(file: try GGUFFile(bytes: bytes))
            return nil
        } catch let error as LlamaModelError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [false, true])
    func logitsMatchReference(tied: Bool) throws {
        let tiny = TinyLlama(seed: 7, tied: tied)
        let model = try Self.model(tiny)
        let reference = tiny.referenceLogits(Self.tokens)
        for (position, token) in Self.tokens.enumerated() {
            let logits = try model.logits(for: token, position: position)
            #expect(logits.count == 32)
            #expect(Self.maxDifference(logits, reference[position]) < 1e-4, "position \(position)")
        }
    }

    /// With a head dimension of 16 the cache is fp16: the logits stay within fp16 rounding of the exact reference,
    /// 2e-3 of the largest logit (fp16 keeps 11 bits, 4.9e-4 relative, and q, k, v and the weights are each rounded;
    /// a wrongly read cache would be off by the order of the logits), and differ from the fp32 cache's.
    @Test func halfCacheStaysWithinRoundingOfTheReference() throws {
        let tiny = TinyLlama(seed: 17, dim: 64)
        #expect(tiny.headDim == 16)
        let bytes = try tiny.fileBytes()
        let half = try LlamaModel(file: try GGUFFile(bytes: bytes), threads: 2)
        let single = try LlamaModel(file: try GGUFFile(bytes: bytes), threads: 2, cachePrecision: .single)
        #expect(half.cachePrecision == .half && single.cachePrecision == .single)
        #expect(half.cacheByteCount * 2 == single.cacheByteCount)
        let reference = tiny.referenceLogits(Self.tokens)
        var largestGap: Float = 0
        for (position, token) in Self.tokens.enumerated() {
            let halfLogits = try half.logits(for: token, position: position)
            let singleLogits = try single.logits(for: token, position: position)
            let bound = 2e-3 * reference[position].map(abs).max()!
            #expect(Self.maxDifference(halfLogits, reference[position]) < bound, "position \(position)")
            #expect(Self.maxDifference(singleLogits, reference[position]) < 1e-4, "position \(position)")
            largestGap = max(largestGap, zip(halfLogits, singleLogits).map { abs($0 - $1) }.max()!)
        }
        #expect(largestGap > 1e-6)
    }

    @Test func configurationFromMetadata() throws {
        let file = try GGUFFile(bytes: TinyLlama().fileBytes())
        let configuration = try LlamaConfiguration(metadata: file.metadata)
        #expect(configuration.layerCount == 2)
        #expect(configuration.headDimension == 4)
        #expect(configuration.ropeDimensionCount == 4)
        #expect(configuration.kvDimension == 8)
        #expect(configuration.vocabularySize == 32)
        #expect(configuration.ropeFrequencyBase == 10000)
    }

    /// Position 1 turns pair (0, 1) by 1 radian and pair (2, 3) by 10000^(-2/4) = 0.01 radian.
    @Test func ropeRotatesAdjacentPairs() {
        var vector: [Float] = [1, 0, 0, 1, 2, 3, 4, 5]
        let frequencies = LlamaKernels.ropeInverseFrequencies(dimensionCount: 4, base: 10000)
        #expect(frequencies == [1, 0.01])
        vector.withUnsafeMutableBufferPointer {
            LlamaKernels.applyRoPE(
                $0.baseAddress!, heads: 2, headDimension: 4, position: 1, inverseFrequencies: frequencies)
        }
        let (c1, s1, c2, s2) = (cos(1.0), sin(1.0), cos(0.01), sin(0.01))
        let expected: [Double] = [
            c1, s1, -s2, c2,
            2 * c1 - 3 * s1, 2 * s1 + 3 * c1, 4 * c2 - 5 * s2, 4 * s2 + 5 * c2,
        ]
        for (got, want) in zip(vector, expected) { #expect(abs(Double(got) - want) < 1e-6) }
    }

    @Test func ropeAtPositionZeroIsIdentity() {
        var vector: [Float] = [1, 2, 3, 4]
        vector.withUnsafeMutableBufferPointer {
            LlamaKernels.applyRoPE(
                $0.baseAddress!, heads: 1, headDimension: 4, position: 0,
                inverseFrequencies: LlamaKernels.ropeInverseFrequencies(dimensionCount: 4, base: 10000))
        }
        #expect(vector == [1, 2, 3, 4])
    }

    @Test func groupedQueryHeadsShareConsecutively() throws {
        let configuration = try LlamaConfiguration(
            layerCount: 1, embeddingLength: 32, feedForwardLength: 8, headCount: 8, kvHeadCount: 2,
            contextLength: 16, vocabularySize: 4)
        #expect((0..<8).map(configuration.kvHead(forQueryHead:)) == [0, 0, 0, 0, 1, 1, 1, 1])
    }

    /// The reference is sensitive to the head mapping: interleaving the groups gives other logits, and the
    /// model agrees with the consecutive mapping only.
    @Test func groupedQueryMappingMattersToLogits() throws {
        let tiny = TinyLlama(seed: 11)
        let model = try Self.model(tiny)
        var logits: [Float] = []
        for (position, token) in Self.tokens.prefix(4).enumerated() {
            logits = try model.logits(for: token, position: position)
        }
        let consecutive = tiny.referenceLogits(Array(Self.tokens.prefix(4)))[3]
        let interleaved = tiny.referenceLogits(Array(Self.tokens.prefix(4)), kvHead: { $0 % 2 })[3]
        #expect(Self.maxDifference(logits, consecutive) < 1e-4)
        #expect(Self.maxDifference(logits, interleaved) > 1e-3)
    }

    @Test func cachedLogitsEqualRecomputation() throws {
        let tiny = TinyLlama(seed: 3)
        let model = try Self.model(tiny)
        var incremental: [[Float]] = []
        for (position, token) in Self.tokens.enumerated() {
            incremental.append(try model.logits(for: token, position: position))
        }
        #expect(model.cachedCount == Self.tokens.count)
        // Recompute every prefix from an empty cache and compare its last logits.
        for end in 1...Self.tokens.count {
            model.reset()
            var last: [Float] = []
            for (position, token) in Self.tokens.prefix(end).enumerated() {
                last = try model.logits(for: token, position: position)
            }
            #expect(last == incremental[end - 1], "prefix of \(end)")
        }
    }

    @Test func rewindingOverwritesLaterPositions() throws {
        let tiny = TinyLlama(seed: 5)
        let model = try Self.model(tiny)
        for (position, token) in Self.tokens.enumerated() { _ = try model.logits(for: token, position: position) }
        let branch = [Self.tokens[0], Self.tokens[1], 12, 13]
        _ = try model.logits(for: 12, position: 2)
        #expect(model.cachedCount == 3)
        let logits = try model.logits(for: 13, position: 3)
        #expect(Self.maxDifference(logits, tiny.referenceLogits(branch)[3]) < 1e-4)
    }

    /// A prompt fed in batches (of 3, so the 8 tokens take three passes) leaves the same cache and logits as
    /// feeding it token by token: every token's arithmetic is the same, only the order of the loops differs.
    @Test func batchedPromptEqualsTokenByToken() throws {
        let tiny = TinyLlama(seed: 13)
        let single = try Self.model(tiny)
        var expected: [Float] = []
        for (position, token) in Self.tokens.enumerated() {
            expected = try single.logits(for: token, position: position)
        }
        let batched = try LlamaModel(file: try GGUFFile(bytes: tiny.fileBytes()), threads: 2, batchCapacity: 3)
        var logits = [Float](repeating: 0, count: 32)
        try logits.withUnsafeMutableBufferPointer { buffer in
            try batched.logits(for: Self.tokens, position: 0, into: buffer)
        }
        #expect(batched.cachedCount == Self.tokens.count)
        #expect(logits == expected)
        // The next token continues from the batched cache as from the incremental one.
        #expect(try batched.logits(for: 4, position: 8) == single.logits(for: 4, position: 8))
    }

    @Test func singleThreadAgreesWithParallel() throws {
        let tiny = TinyLlama(seed: 9, vocabulary: 300)
        let serial = try Self.model(tiny, threads: 1)
        let parallel = try Self.model(tiny, threads: 4)
        for (position, token) in Self.tokens.enumerated() {
            #expect(
                try serial.logits(for: token, position: position) == parallel.logits(for: token, position: position))
        }
    }

    @Test func rejectsBadPositionsAndTokens() throws {
        let model = try Self.model(TinyLlama())
        #expect(throws: LlamaModelError.invalidPosition(position: 1, cached: 0, capacity: 64)) {
            try model.logits(for: 1, position: 1)
        }
        #expect(throws: LlamaModelError.tokenOutOfRange(id: 32, vocabularySize: 32)) {
            try model.logits(for: 32, position: 0)
        }
        #expect(throws: LlamaModelError.invalidPosition(position: -1, cached: 0, capacity: 64)) {
            try model.logits(for: 1, position: -1)
        }
        // A batch that would run past the cache is refused before anything is computed.
        #expect(throws: LlamaModelError.invalidPosition(position: 64, cached: 0, capacity: 64)) {
            try model.feed(Array(repeating: 1, count: 65), position: 0)
        }
        #expect(throws: LlamaModelError.tokenOutOfRange(id: -1, vocabularySize: 32)) {
            try model.feed([1, 2, -1], position: 0)
        }
        #expect(model.cachedCount == 0)
    }

    @Test func rejectsOtherArchitectures() throws {
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("gpt2"))
        let error = Self.loadError(builder.build())
        #expect(error == .unsupportedArchitecture("gpt2"))
        #expect(error?.code == .architecture)
    }

    @Test func rejectsIndivisibleHeads() throws {
        var tiny = TinyLlama()
        tiny.kvHeads = 3
        let error = Self.loadError(tiny.fileBytes())
        #expect(error?.code == .hyperparameter)
    }

    @Test func rejectsMismatchedTensorShape() throws {
        let tiny = TinyLlama()
        var builder = GGUFBuilder()
        tiny.addMetadata(to: &builder)
        tiny.addTensors(to: &builder, reshape: ("blk.1.attn_k.weight", [8, 16]))
        let error = Self.loadError(builder.build())
        #expect(error == .tensorShapeMismatch(tensor: "blk.1.attn_k.weight", expected: [16, 8], found: [8, 16]))
        #expect(error?.code == .tensorShape)
    }

    @Test func rejectsMissingTensor() throws {
        let tiny = TinyLlama()
        var builder = GGUFBuilder()
        tiny.addMetadata(to: &builder)
        tiny.addTensors(to: &builder, skip: "blk.0.ffn_down.weight")
        #expect(Self.loadError(builder.build()) == .file(.missingTensor("blk.0.ffn_down.weight")))
    }

    @Test func rejectsMissingHyperparameter() throws {
        var builder = GGUFBuilder()
        builder.add("general.architecture", .string("llama"))
        builder.add("llama.vocab_size", .uint32(32))
        #expect(Self.loadError(builder.build()) == .file(.missingKey("llama.attention.head_count")))
    }
}
