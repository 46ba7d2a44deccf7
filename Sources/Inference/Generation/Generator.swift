import Synchronization

/// How a generation runs and when it stops.
///
/// The defaults are greedy decoding without penalties, so output depends only on the model and the prompt.
public struct GenerationOptions: Sendable {
    /// The most tokens to generate after the prompt.
    public var maxTokens: Int
    /// Tokens that end the generation besides the model's end-of-sequence and end-of-turn tokens.
    public var stopTokens: Set<Int>
    /// Whether special tokens (such as `<|im_end|>`) appear in the streamed text.
    public var includeSpecialText: Bool
    /// Texts that end the generation when the output contains one; the stop text and anything after it is not
    /// emitted. Empty strings are ignored.
    public var stopStrings: [String]
    /// Whether to keep going past the model's end-of-sequence and end-of-turn tokens (for benchmarks);
    /// ``stopTokens`` still apply.
    public var ignoresEndOfSequence: Bool
    /// Divides the logits before the draw; 0 (the default) is greedy. See ``Sampler``.
    public var temperature: Float
    /// Keeps only the `topK` most likely tokens; 0 keeps all.
    public var topK: Int
    /// Keeps the smallest set of most likely tokens whose probabilities reach `topP`; 1 keeps all.
    public var topP: Float
    /// Drops tokens less likely than `minP` times the most likely one; 0 keeps all.
    public var minP: Float
    /// Penalises tokens among the last ``repeatLastN`` prompt and generated tokens; 1 is no penalty.
    public var repeatPenalty: Float
    /// How many recent tokens ``repeatPenalty`` looks at.
    public var repeatLastN: Int
    /// Fixes the random draws, so the same seed, model and prompt give the same output; nil draws a fresh seed.
    public var seed: UInt64?

    /// Options with the given limits and sampling settings.
    public init(
        maxTokens: Int = 256, stopTokens: Set<Int> = [], includeSpecialText: Bool = false, stopStrings: [String] = [],
        ignoresEndOfSequence: Bool = false, temperature: Float = 0, topK: Int = 0, topP: Float = 1, minP: Float = 0,
        repeatPenalty: Float = 1, repeatLastN: Int = 64, seed: UInt64? = nil
    ) {
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
        self.includeSpecialText = includeSpecialText
        self.stopStrings = stopStrings
        self.ignoresEndOfSequence = ignoresEndOfSequence
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.seed = seed
    }

    /// A sampler with these settings, fresh for one generation.
    public func makeSampler() -> Sampler {
        Sampler(
            temperature: temperature, topK: topK, topP: topP, minP: minP, repeatPenalty: repeatPenalty,
            repeatLastN: repeatLastN, seed: seed)
    }
}

/// Why a generation ended.
public enum StopReason: Equatable, Sendable {
    /// The model produced an end-of-sequence, end-of-turn or other stop token (not included in the output).
    case stopToken(Int)
    /// The output contained this ``GenerationOptions/stopStrings`` entry (not included in the text; the tokens
    /// that produced it are in ``GenerationResult/tokens``).
    case stopString(String)
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

/// Text generation with a ``LlamaModel``: feeds the prompt, then picks tokens with a ``Sampler`` (greedy by
/// default) until a stop token or stop string, the token limit or cancellation, streaming text as whole UTF-8
/// characters.
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
    /// Bytes held by the model's key/value cache.
    public var cacheByteCount: Int { model.cacheByteCount }

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
    /// `onPromptProgress` is called after each batch of the prompt with the tokens read so far.
    public func generate(
        promptTokens: [Int], options: GenerationOptions = GenerationOptions(),
        onText: (String) throws -> Void = { _ in }, isCancelled: () -> Bool = { Task.isCancelled },
        onPromptProgress: (Int) -> Void = { _ in }
    ) throws -> GenerationResult {
        try lock.withLock { _ throws -> GenerationResult in
            try Self.run(
                model: model, tokenizer: tokenizer, promptTokens: promptTokens, options: options,
                onText: onText, isCancelled: isCancelled, onPromptProgress: onPromptProgress)
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
        onText: (String) throws -> Void, isCancelled: () -> Bool, onPromptProgress: (Int) -> Void = { _ in }
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
        if !options.ignoresEndOfSequence {
            if let eos = tokenizer.eosTokenID { stops.insert(eos) }
            if let eot = tokenizer.eotTokenID { stops.insert(eot) }
        }
        var sampler = options.makeSampler()
        var stopText = StopStringMatcher(options.stopStrings)
        // The penalty looks back over the prompt too, as llama.cpp's does.
        var history = promptTokens

        var logits = [Float](repeating: 0, count: model.configuration.vocabularySize)
        // The prompt goes through in batches, cancellation checked between them; only the last batch's last
        // token needs the vocabulary projection.
        var fed = 0
        while fed < promptTokens.count {
            if isCancelled() {
                result.stopReason = .cancelled
                result.promptDuration = clock.now - start
                return result
            }
            let end = min(fed + model.batchCapacity, promptTokens.count)
            let batch = Array(promptTokens[fed..<end])
            if end == promptTokens.count {
                try logits.withUnsafeMutableBufferPointer { buffer throws(LlamaModelError) in
                    try model.logits(for: batch, position: fed, into: buffer)
                }
            } else {
                try model.feed(batch, position: fed)
            }
            fed = end
            onPromptProgress(fed)
        }
        let generationStart = clock.now
        result.promptDuration = generationStart - start

        var decoder = StreamingDecoder(tokenizer: tokenizer, includeSpecial: options.includeSpecialText)
        var position = promptTokens.count
        var stoppedByText = false
        // Sends what the stop-string matcher releases; true once a stop string has ended the text.
        func emit(_ piece: String) throws -> Bool {
            let (text, stop) = stopText.push(piece)
            if !text.isEmpty {
                result.text += text
                try onText(text)
            }
            if let stop {
                result.stopReason = .stopString(stop)
                stoppedByText = true
            }
            return stoppedByText
        }
        generation: while true {
            if result.tokens.count >= options.maxTokens {
                result.stopReason = .maxTokens
                break
            }
            if isCancelled() {
                result.stopReason = .cancelled
                break
            }
            let next = sampler.sample(logits, history: history)
            if stops.contains(next) {
                result.stopReason = .stopToken(next)
                break
            }
            result.tokens.append(next)
            history.append(next)
            let piece = try decoder.push(next)
            if !piece.isEmpty, try emit(piece) { break generation }
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
        if !stoppedByText {
            let rest = decoder.finish()
            let stopped = rest.isEmpty ? false : try emit(rest)
            if !stopped {
                let held = stopText.flush()
                if !held.isEmpty {
                    result.text += held
                    try onText(held)
                }
            }
        }
        result.generationDuration = clock.now - generationStart
        return result
    }

}

/// Finds stop strings in streamed text, holding back only the tail that could still become one.
///
/// Works on UTF-8 bytes rather than `Character`s: grapheme clusters would hide a stop string "\n" inside "\r\n".
/// A held tail always starts where a stop string starts, on a scalar boundary, so what is released is whole text.
struct StopStringMatcher {
    private let stops: [(text: String, bytes: [UInt8])]
    private var held: [UInt8] = []

    init(_ stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }.map { ($0, Array($0.utf8)) }
    }

    /// The text that is now safe to emit, and the stop string if one completed (the text before it is emitted,
    /// nothing after it).
    mutating func push(_ piece: String) -> (text: String, stop: String?) {
        guard !stops.isEmpty else { return (piece, nil) }
        held += piece.utf8
        // The earliest complete stop string wins; on equal starts, the one listed first.
        var found: (start: Int, text: String)?
        for stop in stops {
            if let start = Self.firstIndex(of: stop.bytes, in: held), start < (found?.start ?? Int.max) {
                found = (start, stop.text)
            }
        }
        if let found {
            let text = String(decoding: held[..<found.start], as: UTF8.self)
            held.removeAll()
            return (text, found.text)
        }
        let keep = heldTailLength()
        let text = String(decoding: held[..<(held.count - keep)], as: UTF8.self)
        held.removeFirst(held.count - keep)
        return (text, nil)
    }

    /// Releases whatever is held back, at the end of the generation.
    mutating func flush() -> String {
        defer { held.removeAll() }
        return String(decoding: held, as: UTF8.self)
    }

    /// The length of the longest suffix of `held` that is a proper prefix of some stop string.
    private func heldTailLength() -> Int {
        var longest = 0
        for stop in stops {
            var length = min(stop.bytes.count - 1, held.count)
            while length > longest {
                if held.suffix(length).elementsEqual(stop.bytes.prefix(length)) {
                    longest = length
                    break
                }
                length -= 1
            }
        }
        return longest
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
