import Foundation
import Inference
import Testing

/// Greedy generation with the default model, SmolLM2-135M-Instruct (`scripts/fetch-model.sh` downloads it).
@Suite struct RealModelGenerationTests {
    static let modelPath = RealModelTokenizerTests.modelPath

    @Test(.enabled(if: modelPath != nil, "no model: run scripts/fetch-model.sh"))
    func capitalOfFranceIsParis() throws {
        let file = try GGUFFile(path: try #require(Self.modelPath))
        let generator = try Generator(file: file, contextLimit: 256)
        let result = try generator.generate(
            prompt: "The capital of France is", options: GenerationOptions(maxTokens: 8))
        print(
            "SmolLM2 greedy: \(result.text.debugDescription) prompt \(result.promptTokenCount) tokens in "
                + "\(result.promptDuration), \(result.tokens.count) tokens in \(result.generationDuration)")
        #expect(result.text.contains("Paris"))
    }

    /// The quantised kernels give the same logits whatever the batch and thread count: each vector is quantised
    /// by itself and each row is computed whole by one thread, so only the loop order changes.
    @Test(.enabled(if: modelPath != nil, "no model: run scripts/fetch-model.sh"))
    func batchesAndThreadsDoNotChangeLogits() throws {
        let file = try GGUFFile(path: try #require(Self.modelPath))
        let tokenizer = try Tokenizer(metadata: file.metadata)
        let prompt = tokenizer.encode(
            "A batch of prompt tokens goes through each weight row once; the logits must not notice.",
            parseSpecial: false, addSpecial: false)
        #expect(prompt.count > 16)
        let vocabulary = try LlamaConfiguration(metadata: file.metadata).vocabularySize
        func lastLogits(threads: Int, batch: Int, tokenByToken: Bool) throws -> [Float] {
            let model = try LlamaModel(file: file, contextLimit: 128, threads: threads, batchCapacity: batch)
            var logits = [Float](repeating: 0, count: vocabulary)
            try logits.withUnsafeMutableBufferPointer { buffer in
                if tokenByToken {
                    for (position, token) in prompt.enumerated() {
                        try model.logits(for: token, position: position, into: buffer)
                    }
                } else {
                    try model.logits(for: prompt, position: 0, into: buffer)
                }
            }
            return logits
        }
        let reference = try lastLogits(threads: 1, batch: 1, tokenByToken: true)
        #expect(try lastLogits(threads: 2, batch: 7, tokenByToken: false) == reference)
        #expect(try lastLogits(threads: 3, batch: 32, tokenByToken: false) == reference)
    }
}
