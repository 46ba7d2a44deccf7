import Synchronization

/// How a generation runs and when it stops.
public struct GenerationOptions: Sendable {
    /// The most tokens to generate after the prompt.
    public var maxTokens: Int
    /// Tokens that end the generation besides the model's end-of-sequence and end-of-turn tokens.
    public var stopTokens: Set<Int>
    /// Whether special tokens (such as `<|im_end|>`) appear in the streamed text.
    public var includeSpecialText: Bool

    /// Options with the given limits.
    public init(maxTokens: Int = 256, stopTokens: Set<Int> = [], includeSpecialText: Bool = false) {
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
        self.includeSpecialText = includeSpecialText
    }
}

/// Why a generation ended.
public enum StopReason: Equatable, Sendable {
    /// The model produced an end-of-sequence, end-of-turn or other stop token (not included in the output).
    case stopToken(Int)
    /// ``GenerationOptions/maxTokens`` tokens were generated.
    case maxTokens
    /// The model's cache is full.
    case contextFull
    /// The task was cancelled or the caller asked to stop.
    case cancelled
}

/// What a generation produced.
public struct GenerationResult: Equatable, Sendable {
    /// The generated tokens, without the prompt and without the stop token.
    public var tokens: [Int]
    /// The generated text.
    public var text: String
    /// Why generation ended.
    public var stopReason: StopReason
    /// Tokens in the prompt.
    public var promptTokenCount: Int
    /// Time spent on the prompt, up to the first generated token's logits.
    public var promptDuration: Duration
    /// Time spent generating after the prompt.
    public var generationDuration: Duration
}

/// Greedy text generation with a ``LlamaModel``: feeds the prompt, then picks the most likely token until a stop
/// token, the token limit or cancellation, streaming text as whole UTF-8 characters.
///
/// The model is behind a lock, so generations on one generator run one at a time; the model's cache is reset at
/// the start of each.
public final class Generator: Sendable {
    /// The tokenizer that encodes prompts and decodes output.
    public let tokenizer: Tokenizer
    // Only touched while holding `lock`. A Mutex<LlamaModel> would not do: the region checker cannot see that
    // the caller's non-Sendable callbacks, run under the lock, never keep a reference to the model.
    nonisolated(unsafe) private let model: LlamaModel
    private let lock = Mutex(())

    /// Tokens the model's cache holds: prompt plus answer must fit.
    public var contextCapacity: Int { model.cacheCapacity }

    /// A generator that owns `model`.
    public init(model: sending LlamaModel, tokenizer: Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// A generator for the llama model and tokenizer in `file`.
    public convenience init(file: GGUFFile, contextLimit: Int? = nil, threads: Int? = nil) throws {
        let model = try LlamaModel(file: file, contextLimit: contextLimit, threads: threads)
        self.init(model: model, tokenizer: try Tokenizer(file: file))
    }

    /// Generates from `prompt`, encoded with special-token parsing and the model's BOS/EOS convention.
    public func generate(
        prompt: String, options: GenerationOptions = GenerationOptions(),
        onText: (String) throws -> Void = { _ in }, isCancelled: () -> Bool = { Task.isCancelled }
    ) throws -> GenerationResult {
        try generate(
            promptTokens: tokenizer.encode(prompt, parseSpecial: true, addSpecial: true), options: options,
            onText: onText, isCancelled: isCancelled)
    }

    /// Generates from `promptTokens`, calling `onText` with each piece of text as it completes.
    ///
    /// `isCancelled` is checked before every token; by default it is the current task's cancellation.
    public func generate(
        promptTokens: [Int], options: GenerationOptions = GenerationOptions(),
        onText: (String) throws -> Void = { _ in }, isCancelled: () -> Bool = { Task.isCancelled }
    ) throws -> GenerationResult {
        try lock.withLock { _ throws -> GenerationResult in
            try Self.run(
                model: model, tokenizer: tokenizer, promptTokens: promptTokens, options: options,
                onText: onText, isCancelled: isCancelled)
        }
    }

    /// The generated text as a stream of pieces; cancelling the consuming task (or dropping the stream) stops
    /// generation before the next token.
    public func stream(
        prompt: String, options: GenerationOptions = GenerationOptions()
    ) -> AsyncThrowingStream<String, any Error> {
        let tokens = tokenizer.encode(prompt, parseSpecial: true, addSpecial: true)
        return stream(promptTokens: tokens, options: options)
    }

    /// The text generated from `promptTokens` as a stream of pieces.
    public func stream(
        promptTokens: [Int], options: GenerationOptions = GenerationOptions()
    ) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            // Detached: the work is long and synchronous, and must not inherit the caller's actor.
            let task = Task.detached { [self] in
                do {
                    _ = try generate(
                        promptTokens: promptTokens, options: options,
                        onText: { text in _ = continuation.yield(text) })
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func run(
        model: LlamaModel, tokenizer: Tokenizer, promptTokens: [Int], options: GenerationOptions,
        onText: (String) throws -> Void, isCancelled: () -> Bool
    ) throws -> GenerationResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result = GenerationResult(
            tokens: [], text: "", stopReason: .maxTokens, promptTokenCount: promptTokens.count,
            promptDuration: .zero, generationDuration: .zero)
        model.reset()
        guard !promptTokens.isEmpty else {
            throw LlamaModelError.invalidPosition(position: 0, cached: 0, capacity: model.cacheCapacity)
        }
        guard promptTokens.count <= model.cacheCapacity else {
            throw LlamaModelError.invalidPosition(
                position: promptTokens.count - 1, cached: 0, capacity: model.cacheCapacity)
        }
        var stops = options.stopTokens
        if let eos = tokenizer.eosTokenID { stops.insert(eos) }
        if let eot = tokenizer.eotTokenID { stops.insert(eot) }

        var logits = [Float](repeating: 0, count: model.configuration.vocabularySize)
        for (position, token) in promptTokens.enumerated() {
            if isCancelled() {
                result.stopReason = .cancelled
                result.promptDuration = clock.now - start
                return result
            }
            if position == promptTokens.count - 1 {
                try logits.withUnsafeMutableBufferPointer { buffer throws(LlamaModelError) in
                    try model.logits(for: token, position: position, into: buffer)
                }
            } else {
                // Only the last prompt token's logits are needed: skip the vocabulary projection for the rest.
                try model.feed(token, position: position)
            }
        }
        let generationStart = clock.now
        result.promptDuration = generationStart - start

        var decoder = StreamingDecoder(tokenizer: tokenizer, includeSpecial: options.includeSpecialText)
        var position = promptTokens.count
        while true {
            if result.tokens.count >= options.maxTokens {
                result.stopReason = .maxTokens
                break
            }
            if isCancelled() {
                result.stopReason = .cancelled
                break
            }
            let next = Self.argmax(logits)
            if stops.contains(next) {
                result.stopReason = .stopToken(next)
                break
            }
            result.tokens.append(next)
            let piece = try decoder.push(next)
            if !piece.isEmpty {
                result.text += piece
                try onText(piece)
            }
            if position >= model.cacheCapacity {
                result.stopReason = .contextFull
                break
            }
            // The last token's logits are computed only when another token may follow.
            if result.tokens.count < options.maxTokens {
                try logits.withUnsafeMutableBufferPointer { buffer throws(LlamaModelError) in
                    try model.logits(for: next, position: position, into: buffer)
                }
                position += 1
            }
        }
        let rest = decoder.finish()
        if !rest.isEmpty {
            result.text += rest
            try onText(rest)
        }
        result.generationDuration = clock.now - generationStart
        return result
    }

    /// The index of the largest value, the first one on ties, so greedy decoding is deterministic.
    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for (index, value) in values.enumerated() where value > bestValue {
            best = index
            bestValue = value
        }
        return best
    }
}
