import Foundation
import TestSupport
import Testing
import Wire

@testable import Server

/// The embedded engine as a backend. Generation itself is tested in InferenceTests; here,
/// loading and the prompt's fit to the context, which need no forward pass.
@Suite struct EmbeddedLlamaBackendTests {
    static let modelPath = Fixtures.defaultModelPath

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
        // It says by how much, in sizes only.
        let capacity = backend.generator.contextCapacity
        #expect(
            error?.message.contains("the model's context holds \(capacity), 256 of them kept for the answer") == true)
        #expect(error?.message.contains("shorten it by at least") == true)
        #expect(error?.message.contains("word") == false)
    }
}

/// Generation through the backend with the real model (fast: the engine is optimised even in
/// debug builds).
@Suite(.serialized) struct EmbeddedLlamaBackendGenerationTests {
    static let modelPath = EmbeddedLlamaBackendTests.modelPath

    @Test(.enabled(if: modelPath != nil)) func answersAndReportsTheFinish() async throws {
        let backend = try EmbeddedLlamaBackend(path: Self.modelPath!)
        let request = ChatRequest(
            messages: [.init(role: .user, content: "What is the capital of Germany?")], maxTokens: 12)
        var text = ""
        var finish: BackendEvent?
        for try await event in try await backend.generate(request) {
            switch event {
            case .token(let piece): text += piece
            case .finished: finish = event
            case .progress: break
            }
        }
        #expect(text.contains("Berlin"), "\(text)")
        guard case .finished(_, let prompt, let completion) = finish else {
            Issue.record("no finish event")
            return
        }
        #expect(prompt > 5)
        #expect(completion >= 1 && completion <= 12)
    }

    /// The client's length limit is honoured (within the server's bounds), and the stop says so.
    @Test(.enabled(if: modelPath != nil)) func theRequestedLengthLimitStopsTheAnswerAsALengthStop() async throws {
        let backend = try EmbeddedLlamaBackend(path: Self.modelPath!, defaultMaxTokens: 64)
        func finish(_ request: ChatRequest) async throws -> (FinishReason, Int, String) {
            var text = ""
            for try await event in try await backend.generate(request) {
                switch event {
                case .token(let piece): text += piece
                case .finished(let reason, _, let completion): return (reason, completion, text)
                case .progress: break
                }
            }
            throw BackendError(.failed, "no finish")
        }
        let count = [ChatRequest.Message(role: .user, content: "Count from one to one hundred, in words.")]
        let (reason, completion, _) = try await finish(ChatRequest(messages: count, maxTokens: 3))
        #expect(reason == .length)
        #expect(completion == 3)
        // Above the server's bound (eight times its default), the bound applies.
        let (bounded, boundedCount, _) = try await finish(ChatRequest(messages: count, maxTokens: 100_000))
        #expect(bounded == .length || boundedCount < 64 * 8)
        #expect(boundedCount <= 64 * 8)

        // A continuation goes on from the cut answer's last word.
        let (_, _, rest) = try await finish(
            ChatRequest(
                messages: [
                    .init(role: .user, content: "What is the capital of Germany?"),
                    .init(role: .assistant, content: "The capital of Germany is"),
                ], maxTokens: 6, continuesLast: true))
        #expect(rest.contains("Berlin"), "\(rest)")
    }

    /// A long prompt reports its reading batch by batch before the first token; a short one
    /// does not.
    @Test(.enabled(if: modelPath != nil)) func aLongPromptReportsItsReading() async throws {
        let backend = try EmbeddedLlamaBackend(path: Self.modelPath!)
        func reading(_ content: String) async throws -> [(Int, Int)] {
            var seen: [(Int, Int)] = []
            var tokenSeen = false
            for try await event in try await backend.generate(
                ChatRequest(messages: [.init(role: .user, content: content)], maxTokens: 1))
            {
                switch event {
                case .progress(let read, let total):
                    #expect(!tokenSeen)
                    seen.append((read, total))
                case .token: tokenSeen = true
                case .finished: break
                }
            }
            return seen
        }
        let long = try await reading(String(repeating: "the quick brown fox jumps over the lazy dog ", count: 60))
        #expect(long.count > 5)
        #expect(zip(long, long.dropFirst()).allSatisfy { $0.0 < $1.0 })
        #expect(long.last.map { $0.0 == $0.1 } == true)
        #expect(long.first.map { $0.1 >= EmbeddedLlamaBackend.progressThreshold } == true)
        #expect(try await reading("Hi").isEmpty)
    }

    @Test(.enabled(if: modelPath != nil)) func aFullQueueIsBusyAndCancellationFreesIt() async throws {
        let backend = try EmbeddedLlamaBackend(path: Self.modelPath!, queueLimit: 0)
        let long = ChatRequest(messages: [.init(role: .user, content: "Count from one to a thousand.")], maxTokens: 400)
        var first: AsyncThrowingStream<BackendEvent, any Error>? = try await backend.generate(long)
        let error = await #expect(throws: BackendError.self) { try await backend.generate(long) }
        #expect(error?.code == .busy)
        #expect(error?.retryAfterSeconds != nil)
        // Dropping the stream cancels the generation, which frees its place within a token or so.
        first = nil
        _ = first
        var admitted = false
        for _ in 0..<200 where !admitted {
            try await Task.sleep(for: .milliseconds(25))
            if let stream = try? await backend.generate(
                ChatRequest(messages: [.init(role: .user, content: "Hi")], maxTokens: 1))
            {
                admitted = true
                for try await _ in stream {}
            }
        }
        #expect(admitted)
    }

    @Test(.enabled(if: modelPath != nil)) func badSamplingSettingsAreRefusedBeforeQueueing() async throws {
        let backend = try EmbeddedLlamaBackend(path: Self.modelPath!)
        let request = ChatRequest(
            messages: [.init(role: .user, content: "Hi")], sampling: .init(temperature: -1, repeatPenalty: 0))
        let error = await #expect(throws: BackendError.self) { try await backend.generate(request) }
        #expect(error?.code == .invalidRequest)
    }
}
