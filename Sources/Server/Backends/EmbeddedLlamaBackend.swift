import Foundation
import Inference
import Synchronization
import Wire

/// The embedded engine as a backend: a llama-architecture GGUF model run in this process.
/// One answer is computed at a time; up to `queueLimit` more wait, and beyond that requests
/// are refused as busy (HTTP 503 with a retry hint) rather than queued without bound.
public final class EmbeddedLlamaBackend: InferenceBackend {
    public let modelName: String
    let generator: Generator
    let template: ChatTemplate
    let queueLimit: Int
    let answerLimit: Int
    private let admitted = Atomic<Int>(0)

    /// Loads the model at `path`.
    /// - Throws: the GGUF, tokenizer, template or model error that stops loading, with its code.
    public init(path: String, queueLimit: Int = 4, defaultMaxTokens: Int = 512, threads: Int? = nil) throws {
        let file = try GGUFFile(path: path)
        generator = try Generator(file: file, threads: threads)
        template = try ChatTemplate(metadata: file.metadata)
        modelName = Self.modelName(of: file, path: path)
        self.queueLimit = queueLimit
        answerLimit = defaultMaxTokens
    }

    public var contextTokens: Int? { generator.contextCapacity }
    public var defaultMaxTokens: Int? { answerLimit }

    /// The name a server running the model at `path` reports, read from its metadata only.
    /// - Throws: the GGUF error when the file is not a readable model.
    public static func modelName(path: String) throws -> String {
        modelName(of: try GGUFFile(path: path), path: path)
    }

    static func modelName(of file: GGUFFile, path: String) -> String {
        (try? file.metadata.string("general.name")) ?? URL(fileURLWithPath: path).lastPathComponent
    }

    public func generate(_ request: ChatRequest) async throws -> AsyncThrowingStream<BackendEvent, any Error> {
        let maxTokens = max(1, min(request.maxTokens ?? answerLimit, answerLimit * 8))
        let options = try Self.options(for: request.sampling, maxTokens: maxTokens)
        // Admission: the one running plus the waiting ones.
        let current = admitted.add(1, ordering: .relaxed).newValue
        guard current <= queueLimit + 1 else {
            admitted.subtract(1, ordering: .relaxed)
            throw BackendError(.busy, "the model is answering other requests", retryAfterSeconds: 10)
        }
        let prompt: [Int]
        do {
            prompt = try promptTokens(
                request.messages, reserving: maxTokens, continuingLast: request.continuesLast == true)
        } catch {
            admitted.subtract(1, ordering: .relaxed)
            throw error
        }
        let generator = self.generator
        return AsyncThrowingStream { continuation in
            let cancelled = CancelFlag()
            let task = Task.detached { [self] in
                defer { admitted.subtract(1, ordering: .relaxed) }
                do {
                    let total = prompt.count
                    let result = try generator.generate(
                        promptTokens: prompt, options: options,
                        onText: { text in if !text.isEmpty { continuation.yield(.token(text)) } },
                        isCancelled: { cancelled.isSet },
                        onPromptProgress: { read in
                            // Only a prompt long enough to keep the client waiting is worth telling.
                            if total >= Self.progressThreshold {
                                continuation.yield(.progress(read: read, total: total))
                            }
                        })
                    let reason: FinishReason =
                        switch result.stopReason {
                        case .maxTokens, .contextFull: .length
                        case .cancelled: .cancelled
                        default: .stop
                        }
                    continuation.yield(
                        .finished(
                            reason: reason, promptTokens: result.promptTokenCount, completionTokens: result.tokens.count
                        ))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: BackendError(.failed, "the embedded model failed: \(error)"))
                }
            }
            continuation.onTermination = { _ in
                // Stops compute before the next token.
                cancelled.set()
                task.cancel()
            }
        }
    }

    /// Prompts of at least this many tokens report their reading (`BackendEvent.progress`).
    static let progressThreshold = 256

    /// The generation options for a request's sampling settings: anything the client leaves out keeps the
    /// engine's default, which is greedy decoding without penalties.
    /// - Throws: an invalid-request error naming the first setting out of range.
    static func options(for sampling: ChatRequest.Sampling?, maxTokens: Int) throws -> GenerationOptions {
        var options = GenerationOptions(maxTokens: maxTokens)
        guard let sampling else { return options }
        func check(_ valid: Bool, _ message: String) throws {
            if !valid { throw BackendError(.invalidRequest, message) }
        }
        // Ranges that keep the arithmetic finite: a zero penalty would divide by zero, a NaN would poison the draw.
        try check(sampling.temperature.map { $0 >= 0 && $0 <= 100 } ?? true, "temperature must be between 0 and 100")
        try check(sampling.topK.map { $0 >= 0 } ?? true, "top_k must be 0 (off) or more")
        try check(sampling.topP.map { $0 > 0 && $0 <= 1 } ?? true, "top_p must be above 0 and at most 1")
        try check(sampling.minP.map { $0 >= 0 && $0 <= 1 } ?? true, "min_p must be between 0 and 1")
        try check(
            sampling.repeatPenalty.map { $0 > 0 && $0 <= 10 } ?? true, "repeat_penalty must be above 0 and at most 10")
        if let temperature = sampling.temperature { options.temperature = Float(temperature) }
        if let topK = sampling.topK { options.topK = topK }
        if let topP = sampling.topP { options.topP = Float(topP) }
        if let minP = sampling.minP { options.minP = Float(minP) }
        if let repeatPenalty = sampling.repeatPenalty { options.repeatPenalty = Float(repeatPenalty) }
        options.seed = sampling.seed
        return options
    }

    /// The prompt for `messages`, dropping the oldest turns (never the system prompt, never the
    /// last message) until it leaves room for `reserving` generated tokens.
    /// With `continuingLast`, the last message is an answer to go on from (`ChatRequest.continuesLast`).
    func promptTokens(_ messages: [ChatRequest.Message], reserving: Int, continuingLast: Bool = false) throws -> [Int] {
        var turns = messages.map { message in
            let role: ChatRole =
                switch message.role {
                case .system: .system
                case .user: .user
                case .assistant: .assistant
                }
            return ChatMessage(role: role, content: message.content)
        }
        let capacity = generator.contextCapacity
        while true {
            let tokens = try template.encode(turns, with: generator.tokenizer, continuingLast: continuingLast)
            if tokens.count + reserving <= capacity { return tokens }
            guard let oldest = turns.indices.first(where: { turns[$0].role != .system }), oldest < turns.count - 1
            else {
                // Sizes only: what the message takes, what fits, and by how much it is over.
                throw BackendError(
                    .invalidRequest,
                    "the last message alone is \(tokens.count) tokens; the model's context holds \(capacity), \(reserving) of them kept for the answer: shorten it by at least \(tokens.count + reserving - capacity) tokens"
                )
            }
            turns.remove(at: oldest)
        }
    }

}

/// Set once by the stream's termination, read by the generating thread between tokens.
final class CancelFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
