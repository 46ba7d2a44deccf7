import Foundation
import Inference
import Testing

/// Greedy generation on a tiny model with a synthetic byte-level vocabulary.
@Suite struct GeneratorTests {
    static let vocabulary = VocabularyBuilder()
    static let prompt = [40, 80, 120, 7]

    static func make(seed: UInt64 = 21) throws -> (Generator, TinyLlama) {
        let tokenizer = try vocabulary.tokenizer()
        let tiny = TinyLlama(seed: seed, vocabulary: tokenizer.vocabularySize, tied: true)
        let model = try LlamaModel(file: try GGUFFile(bytes: tiny.fileBytes()), threads: 2)
        return (Generator(model: model, tokenizer: tokenizer), tiny)
    }

    /// The reference's greedy continuation, recomputing the whole sequence for every token.
    static func referenceGreedy(_ tiny: TinyLlama, prompt: [Int], count: Int) -> [Int] {
        var tokens = prompt
        for _ in 0..<count {
            let logits = tiny.referenceLogits(tokens).last!
            tokens.append(logits.indices.max { logits[$0] < logits[$1] }!)
        }
        return Array(tokens.dropFirst(prompt.count))
    }

    @Test func greedyTokensMatchReference() throws {
        let (generator, tiny) = try Self.make()
        let expected = Self.referenceGreedy(tiny, prompt: Self.prompt, count: 6)
        // The synthetic model may pick a stop token; only compare when the reference does not.
        try #require(!expected.contains(2))
        var pieces: [String] = []
        let result = try generator.generate(
            promptTokens: Self.prompt, options: GenerationOptions(maxTokens: 6)
        ) { pieces.append($0) }
        #expect(result.tokens == expected)
        #expect(result.stopReason == .maxTokens)
        #expect(result.promptTokenCount == 4)
        let tokenizer = try Self.vocabulary.tokenizer()
        #expect(result.text == (try tokenizer.decodeText(expected, includeSpecial: false)))
        #expect(pieces.joined() == result.text)
    }

    @Test func stopsOnStopToken() throws {
        let (generator, tiny) = try Self.make()
        let first = Self.referenceGreedy(tiny, prompt: Self.prompt, count: 1)[0]
        let result = try generator.generate(
            promptTokens: Self.prompt, options: GenerationOptions(maxTokens: 5, stopTokens: [first]))
        #expect(result.tokens.isEmpty)
        #expect(result.stopReason == .stopToken(first))
        #expect(result.text.isEmpty)
    }

    @Test func cancellationStopsBetweenTokens() throws {
        let (generator, _) = try Self.make()
        var checks = 0
        // The prompt is one batch (one check); cancel after it and 2 generated tokens.
        #expect(Self.prompt.count <= 32)
        let result = try generator.generate(
            promptTokens: Self.prompt, options: GenerationOptions(maxTokens: 10, stopTokens: [2]),
            isCancelled: {
                checks += 1
                return checks > 3
            })
        #expect(result.stopReason == .cancelled)
        #expect(result.tokens.count == 2)
    }

    @Test func repeatedGenerationsAreIdentical() throws {
        let (generator, _) = try Self.make()
        let options = GenerationOptions(maxTokens: 4, stopTokens: [2])
        let first = try generator.generate(promptTokens: Self.prompt, options: options)
        let second = try generator.generate(promptTokens: Self.prompt, options: options)
        #expect(first.tokens == second.tokens)
    }

    @Test func streamYieldsTheGeneratedText() async throws {
        let (generator, _) = try Self.make()
        let options = GenerationOptions(maxTokens: 5, stopTokens: [2])
        let expected = try generator.generate(promptTokens: Self.prompt, options: options).text
        var streamed = ""
        for try await piece in generator.stream(promptTokens: Self.prompt, options: options) { streamed += piece }
        #expect(streamed == expected)
    }

    @Test func emptyPromptIsAnError() throws {
        let (generator, _) = try Self.make()
        #expect(throws: LlamaModelError.self) { try generator.generate(promptTokens: []) }
    }
}
