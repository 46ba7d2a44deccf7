import Foundation
import Testing
import Wire

@testable import Server

/// The embedded engine as a backend. Generation itself is tested in InferenceTests; here,
/// loading and the prompt's fit to the context, which need no forward pass.
@Suite struct EmbeddedLlamaBackendTests {
    static let modelPath: String? = {
        let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".cache/models/SmolLM2-135M-Instruct-Q4_1.gguf").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    @Test func missingOrInvalidModelFilesAreClearErrors() throws {
        #expect(throws: (any Error).self) { try EmbeddedLlamaBackend(path: "/nonexistent/model.gguf") }
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID().uuidString).gguf")
        try Data("not a gguf file".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        let error = #expect(throws: (any Error).self) { try EmbeddedLlamaBackend(path: junk.path) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("SOTTO-GGUF"))
    }

    @Test(.enabled(if: modelPath != nil)) func longConversationsDropTheOldestTurnsButKeepTheSystemPrompt() throws {
        let backend = try EmbeddedLlamaBackend(path: Self.modelPath!)
        #expect(backend.modelName.isEmpty == false)
        let long = String(repeating: "the quick brown fox jumps over the lazy dog ", count: 150)  // ~1500 tokens
        let messages: [ChatRequest.Message] = [
            .init(role: .system, content: "SYSTEM-MARKER be brief"),
            .init(role: .user, content: "FIRST " + long), .init(role: .assistant, content: long),
            .init(role: .user, content: "SECOND " + long), .init(role: .assistant, content: long),
            .init(role: .user, content: "LAST question"),
        ]
        let tokens = try backend.promptTokens(messages, reserving: 256)
        #expect(tokens.count + 256 <= backend.generator.contextCapacity)
        let text = try backend.generator.tokenizer.decodeText(tokens)
        #expect(text.contains("SYSTEM-MARKER"))
        #expect(text.contains("LAST question"))
        #expect(!text.contains("FIRST"))
        // A single message longer than the whole context cannot be made to fit.
        let huge = String(repeating: "word ", count: 6000)
        let error = #expect(throws: BackendError.self) {
            try backend.promptTokens([.init(role: .user, content: huge)], reserving: 256)
        }
        #expect(error?.code == .invalidRequest)
    }
}
