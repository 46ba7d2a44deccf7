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
}
