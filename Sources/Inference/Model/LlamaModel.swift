import Foundation

/// A llama-architecture transformer bound to the tensors of a GGUF file, run one token at a time with a key/value
/// cache.
///
/// Weights stay in the file's mapping and are decoded row by row as they are used. The instance holds the cache
/// and scratch buffers, so it is not safe to share between threads; one instance is one conversation.
public final class LlamaModel {
    /// The hyperparameters.
    public let configuration: LlamaConfiguration
    /// How many positions the cache holds: the most tokens one sequence can have.
    public let cacheCapacity: Int
    /// Threads that share each matrix-vector product.
    public let threadCount: Int
    /// Positions whose keys and values are cached: the next position to feed.
    public private(set) var cachedCount = 0

    private let embedding: GGUFTensor
    private let layers: [Layer]
    private let outputNorm: [Float]
    private let output: WeightMatrix

    // Key and value cache: [layer][position][kvHead * headDimension].
    private let keyCache: UnsafeMutablePointer<Float>
    private let valueCache: UnsafeMutablePointer<Float>
    // Scratch: the residual stream, its normalised copy, q, attention output, FFN activations, scores.
    private let residual: UnsafeMutablePointer<Float>
    private let normalized: UnsafeMutablePointer<Float>
    private let query: UnsafeMutablePointer<Float>
    private let attention: UnsafeMutablePointer<Float>
    private let projected: UnsafeMutablePointer<Float>
    private let gate: UnsafeMutablePointer<Float>
    private let up: UnsafeMutablePointer<Float>
    private let scores: UnsafeMutablePointer<Float>
    private let ropeInverseFrequencies: [Double]

    struct Layer {
        let attentionNorm: [Float]
        let query: WeightMatrix
        let key: WeightMatrix
        let value: WeightMatrix
        let attentionOutput: WeightMatrix
        let feedForwardNorm: [Float]
        let feedForwardGate: WeightMatrix
        let feedForwardUp: WeightMatrix
        let feedForwardDown: WeightMatrix
    }

    /// Binds the model in `file`, checking every tensor's shape against the hyperparameters.
    ///
    /// - Parameters:
    ///   - contextLimit: the cache's capacity in positions; by default the model's context length, capped at
    ///     4096 so a long-context model does not reserve gigabytes it will rarely use.
    ///   - threads: threads per matrix-vector product; by default every core.
    public init(file: GGUFFile, contextLimit: Int? = nil, threads: Int? = nil) throws(LlamaModelError) {
        let configuration = try LlamaConfiguration(metadata: file.metadata)
        self.configuration = configuration
        let capacity = contextLimit ?? min(configuration.contextLength, 4096)
        guard capacity > 0 else {
            throw .invalidHyperparameter(key: "contextLimit", value: "\(capacity)", reason: "must be > 0")
        }
        cacheCapacity = capacity
        threadCount = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)

        func tensor(_ name: String) throws(LlamaModelError) -> GGUFTensor {
            do throws(GGUFError) { return try file.tensor(named: name) } catch { throw .file(error) }
        }
        func vector(_ name: String, _ length: Int) throws(LlamaModelError) -> [Float] {
            let found = try tensor(name)
            guard found.dimensions == [length] else {
                throw .tensorShapeMismatch(tensor: name, expected: [length], found: found.dimensions)
            }
            try WeightMatrix.checkDecodable(found)
            do throws(GGUFError) { return try found.dequantized() } catch { throw .file(error) }
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws(LlamaModelError) -> WeightMatrix {
            try WeightMatrix(try tensor(name), rows: rows, columns: columns)
        }

        let dim = configuration.embeddingLength
        let vocabulary = configuration.vocabularySize
        let embedding = try tensor("token_embd.weight")
        // Checked as a matrix for its shape and type; the forward pass reads single rows of it.
        _ = try WeightMatrix(embedding, rows: vocabulary, columns: dim)
        self.embedding = embedding

        var layers: [Layer] = []
        for index in 0..<configuration.layerCount {
            let prefix = "blk.\(index)."
            layers.append(
                Layer(
                    attentionNorm: try vector(prefix + "attn_norm.weight", dim),
                    query: try matrix(prefix + "attn_q.weight", rows: configuration.queryDimension, columns: dim),
                    key: try matrix(prefix + "attn_k.weight", rows: configuration.kvDimension, columns: dim),
                    value: try matrix(prefix + "attn_v.weight", rows: configuration.kvDimension, columns: dim),
                    attentionOutput: try matrix(
                        prefix + "attn_output.weight", rows: dim, columns: configuration.queryDimension),
                    feedForwardNorm: try vector(prefix + "ffn_norm.weight", dim),
                    feedForwardGate: try matrix(
                        prefix + "ffn_gate.weight", rows: configuration.feedForwardLength, columns: dim),
                    feedForwardUp: try matrix(
                        prefix + "ffn_up.weight", rows: configuration.feedForwardLength, columns: dim),
                    feedForwardDown: try matrix(
                        prefix + "ffn_down.weight", rows: dim, columns: configuration.feedForwardLength)))
        }
        self.layers = layers
        outputNorm = try vector("output_norm.weight", dim)
        // Small models tie the output projection to the embedding and ship no output.weight.
        let outputTensor = file.tensorIfPresent(named: "output.weight") ?? embedding
        output = try WeightMatrix(outputTensor, rows: vocabulary, columns: dim)

        let cacheSize = configuration.layerCount * capacity * configuration.kvDimension
        keyCache = .allocate(capacity: cacheSize)
        valueCache = .allocate(capacity: cacheSize)
        keyCache.initialize(repeating: 0, count: cacheSize)
        valueCache.initialize(repeating: 0, count: cacheSize)
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
            return pointer
        }
        residual = buffer(dim)
        normalized = buffer(max(dim, configuration.feedForwardLength))
        query = buffer(configuration.queryDimension)
        attention = buffer(configuration.queryDimension)
        projected = buffer(max(dim, configuration.kvDimension))
        gate = buffer(configuration.feedForwardLength)
        up = buffer(configuration.feedForwardLength)
        scores = buffer(capacity)
        ropeInverseFrequencies = LlamaKernels.ropeInverseFrequencies(
            dimensionCount: configuration.ropeDimensionCount, base: configuration.ropeFrequencyBase)
    }

    deinit {
        for pointer in [keyCache, valueCache, residual, normalized, query, attention, projected, gate, up, scores] {
            pointer.deallocate()
        }
    }

    /// Forgets every cached position, to start a new sequence.
    public func reset() {
        cachedCount = 0
    }

    /// The next-token logits after feeding `token` at `position`.
    ///
    /// `position` is normally ``cachedCount``; a smaller one rewinds the cache to it, dropping later positions.
    public func logits(for token: Int, position: Int) throws(LlamaModelError) -> [Float] {
        var result = [Float](repeating: 0, count: configuration.vocabularySize)
        try result.withUnsafeMutableBufferPointer { buffer throws(LlamaModelError) in
            try logits(for: token, position: position, into: buffer)
        }
        return result
    }

    /// Writes the next-token logits after feeding `token` at `position` into `destination`, which holds
    /// ``LlamaConfiguration/vocabularySize`` floats.
    public func logits(
        for token: Int, position: Int, into destination: UnsafeMutableBufferPointer<Float>
    ) throws(LlamaModelError) {
        precondition(destination.count == configuration.vocabularySize, "the logits buffer must hold the vocabulary")
        try feed(token, position: position)
        LlamaKernels.rmsNorm(residual, outputNorm, epsilon: configuration.rmsEpsilon, into: normalized)
        output.multiply(normalized, into: destination.baseAddress!, threads: threadCount)
    }

    /// Runs `token` through every layer at `position`, leaving the final hidden state in `residual` and its
    /// keys and values in the cache.
    func feed(_ token: Int, position: Int) throws(LlamaModelError) {
        let config = configuration
        guard token >= 0, token < config.vocabularySize else {
            throw .tokenOutOfRange(id: token, vocabularySize: config.vocabularySize)
        }
        guard position >= 0, position <= cachedCount, position < cacheCapacity else {
            throw .invalidPosition(position: position, cached: cachedCount, capacity: cacheCapacity)
        }
        let dim = config.embeddingLength
        do throws(GGUFError) {
            try embedding.dequantizeRow(token, into: UnsafeMutableBufferPointer(start: residual, count: dim))
        } catch {
            throw .file(error)
        }
        let kvDim = config.kvDimension
        for (index, layer) in layers.enumerated() {
            let layerBase = index * cacheCapacity * kvDim
            let keyRow = keyCache + layerBase + position * kvDim
            let valueRow = valueCache + layerBase + position * kvDim

            LlamaKernels.rmsNorm(residual, layer.attentionNorm, epsilon: config.rmsEpsilon, into: normalized)
            layer.query.multiply(normalized, into: query, threads: threadCount)
            layer.key.multiply(normalized, into: keyRow, threads: threadCount)
            layer.value.multiply(normalized, into: valueRow, threads: threadCount)
            applyRoPE(query, heads: config.headCount, position: position)
            applyRoPE(keyRow, heads: config.kvHeadCount, position: position)

            attend(
                keys: keyCache + layerBase, values: valueCache + layerBase, positions: position + 1)
            layer.attentionOutput.multiply(attention, into: projected, threads: threadCount)
            for i in 0..<dim { residual[i] += projected[i] }

            LlamaKernels.rmsNorm(residual, layer.feedForwardNorm, epsilon: config.rmsEpsilon, into: normalized)
            layer.feedForwardGate.multiply(normalized, into: gate, threads: threadCount)
            layer.feedForwardUp.multiply(normalized, into: up, threads: threadCount)
            for i in 0..<config.feedForwardLength {
                let g = gate[i]
                gate[i] = g / (1 + exp(-g)) * up[i]
            }
            layer.feedForwardDown.multiply(gate, into: projected, threads: threadCount)
            for i in 0..<dim { residual[i] += projected[i] }
        }
        cachedCount = position + 1
    }

    /// Grouped-query attention of `query` over the first `positions` cached keys and values of one layer,
    /// into `attention`.
    private func attend(keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>, positions: Int) {
        let config = configuration
        let headDim = config.headDimension
        let kvDim = config.kvDimension
        let scale = 1 / Float(headDim).squareRoot()
        for head in 0..<config.headCount {
            let kvHead = config.kvHead(forQueryHead: head)
            let q = UnsafePointer(query + head * headDim)
            var maximum = -Float.infinity
            for t in 0..<positions {
                let score = LlamaKernels.dot(q, keys + t * kvDim + kvHead * headDim, count: headDim) * scale
                scores[t] = score
                maximum = max(maximum, score)
            }
            var total: Float = 0
            for t in 0..<positions {
                let weight = exp(scores[t] - maximum)
                scores[t] = weight
                total += weight
            }
            let out = attention + head * headDim
            out.update(repeating: 0, count: headDim)
            for t in 0..<positions {
                let weight = scores[t] / total
                let v = values + t * kvDim + kvHead * headDim
                for i in 0..<headDim { out[i] += weight * v[i] }
            }
        }
    }

    /// Rotates each head's adjacent pairs (2i, 2i+1) by `position · base^(-2i/d)`.
    ///
    /// This is ggml's "normal" rope (mode 0), which llama GGUF files expect: llama.cpp's converter permutes the
    /// rows of Q and K so that Hugging Face's rotate-half pairs (i, i + d/2) become adjacent.
    private func applyRoPE(_ vector: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        LlamaKernels.applyRoPE(
            vector, heads: heads, headDimension: configuration.headDimension, position: position,
            inverseFrequencies: ropeInverseFrequencies)
    }
}
