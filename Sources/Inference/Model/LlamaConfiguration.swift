/// The hyperparameters of a llama-architecture model, read from its GGUF metadata and checked for consistency.
public struct LlamaConfiguration: Equatable, Sendable {
    /// Transformer blocks (`llama.block_count`).
    public var layerCount: Int
    /// Width of the residual stream (`llama.embedding_length`).
    public var embeddingLength: Int
    /// Width of the feed-forward hidden layer (`llama.feed_forward_length`).
    public var feedForwardLength: Int
    /// Query heads (`llama.attention.head_count`).
    public var headCount: Int
    /// Key/value heads (`llama.attention.head_count_kv`); fewer than `headCount` means grouped-query attention.
    public var kvHeadCount: Int
    /// Width of one head (`llama.attention.key_length`, else `embeddingLength / headCount`).
    public var headDimension: Int
    /// How many leading dimensions of each head RoPE rotates (`llama.rope.dimension_count`, else all).
    public var ropeDimensionCount: Int
    /// RoPE base frequency (`llama.rope.freq_base`, 10000 when absent).
    public var ropeFrequencyBase: Float
    /// RMSNorm epsilon (`llama.attention.layer_norm_rms_epsilon`).
    public var rmsEpsilon: Float
    /// The context the model was trained for (`llama.context_length`).
    public var contextLength: Int
    /// Tokens in the vocabulary (`llama.vocab_size`, else the tokenizer's token count).
    public var vocabularySize: Int

    /// Width of all query heads together.
    public var queryDimension: Int { headCount * headDimension }
    /// Width of all key (or value) heads together.
    public var kvDimension: Int { kvHeadCount * headDimension }
    /// Query heads that share one key/value head.
    public var groupSize: Int { headCount / kvHeadCount }

    /// The key/value head that query head `head` attends with: consecutive query heads share one, as ggml
    /// broadcasts them and Hugging Face's `repeat_kv` repeats them.
    public func kvHead(forQueryHead head: Int) -> Int { head / groupSize }

    /// A configuration from explicit values, validated.
    public init(
        layerCount: Int, embeddingLength: Int, feedForwardLength: Int, headCount: Int, kvHeadCount: Int,
        headDimension: Int? = nil, ropeDimensionCount: Int? = nil, ropeFrequencyBase: Float = 10000,
        rmsEpsilon: Float = 1e-5, contextLength: Int, vocabularySize: Int
    ) throws(LlamaModelError) {
        self.layerCount = layerCount
        self.embeddingLength = embeddingLength
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        let head = headDimension ?? (headCount > 0 ? embeddingLength / headCount : 0)
        self.headDimension = head
        self.ropeDimensionCount = ropeDimensionCount ?? head
        self.ropeFrequencyBase = ropeFrequencyBase
        self.rmsEpsilon = rmsEpsilon
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        try validate(explicitHeadDimension: headDimension != nil)
    }

    /// Reads the hyperparameters of `metadata`, which must describe a llama model.
    public init(metadata: GGUFMetadata) throws(LlamaModelError) {
        func read<T>(_ body: () throws(GGUFError) -> T) throws(LlamaModelError) -> T {
            do throws(GGUFError) { return try body() } catch { throw .file(error) }
        }
        let architecture = try read { () throws(GGUFError) in try metadata.string("general.architecture") }
        guard architecture == "llama" else { throw .unsupportedArchitecture(architecture) }
        let vocabulary = try read { () throws(GGUFError) -> Int in
            if metadata.contains("llama.vocab_size") { return try metadata.integer("llama.vocab_size") }
            guard case .array(let tokens) = try metadata.value("tokenizer.ggml.tokens") else {
                throw .wrongValueType(key: "tokenizer.ggml.tokens", expected: "an array", found: "a scalar")
            }
            return tokens.count
        }
        let heads = try read { () throws(GGUFError) in try metadata.integer("llama.attention.head_count") }
        let keyLength = try read { () throws(GGUFError) -> Int? in
            metadata.contains("llama.attention.key_length")
                ? try metadata.integer("llama.attention.key_length") : nil
        }
        if let keyLength {
            let valueLength = try read { () throws(GGUFError) in
                try metadata.integer("llama.attention.value_length", default: keyLength)
            }
            guard valueLength == keyLength else {
                throw .invalidHyperparameter(
                    key: "llama.attention.value_length", value: "\(valueLength)",
                    reason: "differs from llama.attention.key_length \(keyLength), which llama never does")
            }
        }
        let rmsEpsilonKey = "llama.attention.layer_norm_rms_epsilon"
        try self.init(
            layerCount: try read { () throws(GGUFError) in try metadata.integer("llama.block_count") },
            embeddingLength: try read { () throws(GGUFError) in try metadata.integer("llama.embedding_length") },
            feedForwardLength: try read { () throws(GGUFError) in
                try metadata.integer("llama.feed_forward_length")
            },
            headCount: heads,
            kvHeadCount: try read { () throws(GGUFError) in
                try metadata.integer("llama.attention.head_count_kv", default: heads)
            },
            headDimension: keyLength,
            ropeDimensionCount: try read { () throws(GGUFError) -> Int? in
                metadata.contains("llama.rope.dimension_count")
                    ? try metadata.integer("llama.rope.dimension_count") : nil
            },
            ropeFrequencyBase: try read { () throws(GGUFError) in
                try metadata.float32("llama.rope.freq_base", default: 10000)
            },
            rmsEpsilon: try read { () throws(GGUFError) in try metadata.float32(rmsEpsilonKey) },
            contextLength: try read { () throws(GGUFError) in try metadata.integer("llama.context_length") },
            vocabularySize: vocabulary)
    }

    private func validate(explicitHeadDimension: Bool) throws(LlamaModelError) {
        func positive(_ key: String, _ value: Int) throws(LlamaModelError) {
            guard value > 0 else { throw .invalidHyperparameter(key: key, value: "\(value)", reason: "must be > 0") }
        }
        try positive("llama.block_count", layerCount)
        try positive("llama.embedding_length", embeddingLength)
        try positive("llama.feed_forward_length", feedForwardLength)
        try positive("llama.attention.head_count", headCount)
        try positive("llama.attention.head_count_kv", kvHeadCount)
        try positive("llama.context_length", contextLength)
        try positive("llama.vocab_size", vocabularySize)
        if !explicitHeadDimension, embeddingLength % headCount != 0 {
            throw .invalidHyperparameter(
                key: "llama.embedding_length", value: "\(embeddingLength)",
                reason: "not a multiple of the \(headCount) attention heads")
        }
        try positive("llama.attention.key_length", headDimension)
        guard headCount % kvHeadCount == 0 else {
            throw .invalidHyperparameter(
                key: "llama.attention.head_count_kv", value: "\(kvHeadCount)",
                reason: "does not divide the \(headCount) query heads, so heads cannot be grouped")
        }
        guard ropeDimensionCount > 0, ropeDimensionCount <= headDimension, ropeDimensionCount % 2 == 0 else {
            throw .invalidHyperparameter(
                key: "llama.rope.dimension_count", value: "\(ropeDimensionCount)",
                reason: "must be even and between 2 and the head width \(headDimension)")
        }
        guard ropeFrequencyBase.isFinite, ropeFrequencyBase > 1 else {
            throw .invalidHyperparameter(
                key: "llama.rope.freq_base", value: "\(ropeFrequencyBase)", reason: "must be finite and > 1")
        }
        guard rmsEpsilon.isFinite, rmsEpsilon > 0 else {
            throw .invalidHyperparameter(
                key: "llama.attention.layer_norm_rms_epsilon", value: "\(rmsEpsilon)",
                reason: "must be finite and > 0")
        }
    }
}
