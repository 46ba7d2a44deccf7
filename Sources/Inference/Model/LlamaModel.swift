import Foundation

/// A llama-architecture transformer bound to the tensors of a GGUF file, with a key/value cache; a prompt goes
/// through in batches of up to ``batchCapacity`` tokens, generation one token at a time.
///
/// Weights stay in the file's mapping and are read block by block as they are used; in a batch each weight row is
/// read once for all its tokens. The instance holds the cache and scratch buffers, so it is not safe to share
/// between threads; one instance is one conversation.
public final class LlamaModel {
    /// The hyperparameters.
    public let configuration: LlamaConfiguration
    /// How many positions the cache holds: the most tokens one sequence can have.
    public let cacheCapacity: Int
    /// Threads that share each matrix-vector product.
    public var threadCount: Int { context.pool.threadCount }
    /// Positions whose keys and values are cached: the next position to feed.
    public private(set) var cachedCount = 0
    /// Bytes held by the key/value cache.
    public var cacheByteCount: Int {
        2 * configuration.layerCount * cacheCapacity * configuration.kvDimension * cachePrecision.byteCount
    }
    /// The most tokens one forward pass takes; longer prompts go through in several.
    public let batchCapacity: Int

    private let embedding: GGUFTensor
    private let layers: [Layer]
    private let outputNorm: [Float]
    private let output: WeightMatrix
    private let context: ProductContext

    // Key and value cache: [layer][position][kvHead * headDimension].
    /// The precision of the cached keys and values.
    public let cachePrecision: CachePrecision
    private let keyCache: UnsafeMutableRawPointer
    private let valueCache: UnsafeMutableRawPointer
    private let keyScratch: UnsafeMutablePointer<Float>
    private let valueScratch: UnsafeMutablePointer<Float>
    // Scratch, one row per token of a batch: the residual stream, its normalised copy, q, attention output, FFN
    // activations; and one row of attention scores per thread.
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
    ///   - batchCapacity: the most prompt tokens one forward pass takes (scratch grows with it).
    ///   - cachePrecision: fp16 by default, as llama.cpp's cache; fp16 needs a head dimension that is a multiple of
    ///     16, and other models get fp32.
    public init(
        file: GGUFFile, contextLimit: Int? = nil, threads: Int? = nil, batchCapacity: Int = 32,
        cachePrecision: CachePrecision = .half
    ) throws(LlamaModelError) {
        let configuration = try LlamaConfiguration(metadata: file.metadata)
        self.configuration = configuration
        let capacity = contextLimit ?? min(configuration.contextLength, 4096)
        guard capacity > 0 else {
            throw .invalidHyperparameter(key: "contextLimit", value: "\(capacity)", reason: "must be > 0")
        }
        cacheCapacity = capacity
        self.batchCapacity = max(1, batchCapacity)

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
        let precision = configuration.headDimension % LlamaKernels.halfGroup == 0 ? cachePrecision : .single
        self.cachePrecision = precision
        keyCache = .allocate(byteCount: cacheSize * precision.byteCount, alignment: 64)
        valueCache = .allocate(byteCount: cacheSize * precision.byteCount, alignment: 64)
        keyCache.initializeMemory(as: UInt8.self, repeating: 0, count: cacheSize * precision.byteCount)
        valueCache.initializeMemory(as: UInt8.self, repeating: 0, count: cacheSize * precision.byteCount)
        let batch = self.batchCapacity
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
            return pointer
        }
        let widest = max(dim, configuration.queryDimension, configuration.feedForwardLength)
        residual = buffer(batch * dim)
        normalized = buffer(batch * dim)
        query = buffer(batch * configuration.queryDimension)
        attention = buffer(batch * configuration.queryDimension)
        projected = buffer(batch * dim)
        gate = buffer(batch * configuration.feedForwardLength)
        up = buffer(batch * configuration.feedForwardLength)
        keyScratch = buffer(batch * configuration.kvDimension)
        valueScratch = buffer(batch * configuration.kvDimension)
        let threadCount = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        scores = buffer(capacity * threadCount)
        context = ProductContext(threads: threadCount, capacity: batch * widest)
        ropeInverseFrequencies = LlamaKernels.ropeInverseFrequencies(
            dimensionCount: configuration.ropeDimensionCount, base: configuration.ropeFrequencyBase)
    }

    deinit {
        keyCache.deallocate()
        valueCache.deallocate()
        for pointer in [
            residual, normalized, query, attention, projected, gate, up, scores, keyScratch, valueScratch,
        ] {
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
            try logits(for: [token], position: position, into: buffer)
        }
        return result
    }

    /// Writes the next-token logits after feeding `token` at `position` into `destination`, which holds
    /// ``LlamaConfiguration/vocabularySize`` floats.
    public func logits(
        for token: Int, position: Int, into destination: UnsafeMutableBufferPointer<Float>
    ) throws(LlamaModelError) {
        try logits(for: [token], position: position, into: destination)
    }

    /// Feeds `tokens` at `position`, `position + 1`, … and writes the logits after the last one into
    /// `destination` (``LlamaConfiguration/vocabularySize`` floats).
    public func logits(
        for tokens: [Int], position: Int, into destination: UnsafeMutableBufferPointer<Float>
    ) throws(LlamaModelError) {
        precondition(destination.count == configuration.vocabularySize, "the logits buffer must hold the vocabulary")
        let last = try feed(tokens, position: position)
        let dim = configuration.embeddingLength
        LlamaKernels.rmsNorm(residual + last * dim, outputNorm, epsilon: configuration.rmsEpsilon, into: normalized)
        context.load(normalized, count: dim, batch: 1)
        output.multiply(context, into: destination.baseAddress!)
    }

    /// Runs `tokens` through every layer at `position`, `position + 1`, …, in batches of ``batchCapacity``,
    /// leaving their keys and values in the cache and the last batch's hidden states in `residual`; returns the
    /// row of the last token there.
    @discardableResult
    public func feed(_ tokens: [Int], position: Int) throws(LlamaModelError) -> Int {
        let config = configuration
        guard !tokens.isEmpty else {
            throw .invalidPosition(position: position, cached: cachedCount, capacity: cacheCapacity)
        }
        for token in tokens where token < 0 || token >= config.vocabularySize {
            throw .tokenOutOfRange(id: token, vocabularySize: config.vocabularySize)
        }
        guard position >= 0, position <= cachedCount, position + tokens.count <= cacheCapacity else {
            throw .invalidPosition(
                position: position + tokens.count - 1, cached: cachedCount, capacity: cacheCapacity)
        }
        var start = 0
        var lastRow = 0
        while start < tokens.count {
            let count = min(batchCapacity, tokens.count - start)
            try forward(tokens[start..<(start + count)], position: position + start)
            lastRow = count - 1
            start += count
        }
        return lastRow
    }

    /// One forward pass of up to ``batchCapacity`` tokens.
    private func forward(_ tokens: ArraySlice<Int>, position: Int) throws(LlamaModelError) {
        let config = configuration
        let dim = config.embeddingLength
        let batch = tokens.count
        for (row, token) in tokens.enumerated() {
            do throws(GGUFError) {
                try embedding.dequantizeRow(
                    token, into: UnsafeMutableBufferPointer(start: residual + row * dim, count: dim))
            } catch {
                throw .file(error)
            }
        }
        let kvDim = config.kvDimension
        let queryDim = config.queryDimension
        let ffn = config.feedForwardLength
        for (index, layer) in layers.enumerated() {
            let layerBase = index * cacheCapacity * kvDim

            normalizeRows(batch, layer.attentionNorm)
            context.load(normalized, count: dim, batch: batch)
            WeightMatrix.multiply(
                [(layer.query, query), (layer.key, keyScratch), (layer.value, valueScratch)], context)
            for row in 0..<batch {
                applyRoPE(query + row * queryDim, heads: config.headCount, position: position + row)
                applyRoPE(keyScratch + row * kvDim, heads: config.kvHeadCount, position: position + row)
            }
            // The batch's keys and values go into consecutive cache rows.
            let elementSize = cachePrecision.byteCount
            let rowsOffset = (layerBase + position * kvDim) * elementSize
            cachePrecision.store(keyScratch, count: batch * kvDim, into: keyCache + rowsOffset)
            cachePrecision.store(valueScratch, count: batch * kvDim, into: valueCache + rowsOffset)

            attend(
                keys: keyCache + layerBase * elementSize, values: valueCache + layerBase * elementSize,
                position: position, batch: batch)
            context.load(attention, count: queryDim, batch: batch)
            layer.attentionOutput.multiply(context, into: projected)
            for i in 0..<(batch * dim) { residual[i] += projected[i] }

            normalizeRows(batch, layer.feedForwardNorm)
            context.load(normalized, count: dim, batch: batch)
            WeightMatrix.multiply([(layer.feedForwardGate, gate), (layer.feedForwardUp, up)], context)
            LlamaKernels.swiGLU(gate, up, count: batch * ffn)
            context.load(gate, count: ffn, batch: batch)
            layer.feedForwardDown.multiply(context, into: projected)
            for i in 0..<(batch * dim) { residual[i] += projected[i] }
        }
        cachedCount = position + batch
    }

    /// RMSNorm of each of the batch's residual rows into `normalized`.
    private func normalizeRows(_ batch: Int, _ weight: [Float]) {
        let dim = configuration.embeddingLength
        for row in 0..<batch {
            LlamaKernels.rmsNorm(
                residual + row * dim, weight, epsilon: configuration.rmsEpsilon, into: normalized + row * dim)
        }
    }

    /// Causal grouped-query attention of the batch's queries over the cached keys and values of one layer (token
    /// `row` sees positions up to `position + row`), into `attention`, the (token, head) pairs shared out over
    /// the worker threads.
    private func attend(keys: UnsafeMutableRawPointer, values: UnsafeMutableRawPointer, position: Int, batch: Int) {
        let heads = configuration.headCount
        let jobs = batch * heads
        let shares = context.pool.threadCount
        let job = AttentionJob(
            configuration: configuration, query: query, attention: attention, scores: scores,
            scoresStride: cacheCapacity, keys: keys, values: values, precision: cachePrecision, position: position)
        // Short contexts are cheaper on one thread than the hand-off.
        if shares == 1 || jobs * (position + batch) < 256 {
            for index in 0..<jobs { job.run(index / heads, head: index % heads, share: 0) }
        } else {
            let perShare = (jobs + shares - 1) / shares
            context.pool.run { share in
                for index in (share * perShare)..<min(jobs, (share + 1) * perShare) {
                    job.run(index / heads, head: index % heads, share: share)
                }
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

/// The number format of the key/value cache.
public enum CachePrecision: Sendable, Equatable {
    /// IEEE half precision, as llama.cpp's default cache: half the memory; queries and attention weights are
    /// rounded to fp16 before they meet the cache, as ggml's fp16 products do.
    case half
    /// IEEE single precision.
    case single

    var byteCount: Int { self == .half ? 2 : 4 }

    /// Writes `count` floats into the cache at `destination`.
    func store(_ values: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer) {
        switch self {
        case .single:
            destination.copyMemory(from: values, byteCount: count * 4)
        case .half:
            let halves = destination.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { halves[i] = Float16(values[i]).bitPattern }
        }
    }
}

/// One layer's attention for any subset of (token, head) pairs; each writes only its own output, and each
/// thread uses its own row of scores.
private struct AttentionJob: @unchecked Sendable {
    let configuration: LlamaConfiguration
    let query: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    let scores: UnsafeMutablePointer<Float>
    let scoresStride: Int
    let keys: UnsafeMutableRawPointer
    let values: UnsafeMutableRawPointer
    let precision: CachePrecision
    /// The position of the batch's first token.
    let position: Int

    func run(_ row: Int, head: Int, share: Int) {
        let headDim = configuration.headDimension
        let kvDim = configuration.kvDimension
        let positions = position + row + 1
        let scale = 1 / Float(headDim).squareRoot()
        let kvHead = configuration.kvHead(forQueryHead: head)
        let q = UnsafePointer(query + row * configuration.queryDimension + head * headDim)
        let out = attention + row * configuration.queryDimension + head * headDim
        let scores = self.scores + share * scoresStride
        let elementSize = precision.byteCount
        let keys = self.keys + kvHead * headDim * elementSize
        let values = self.values + kvHead * headDim * elementSize
        let rowBytes = kvDim * elementSize
        withUnsafeTemporaryAllocation(of: Float.self, capacity: headDim) { scratch in
            let permutedQuery = scratch.baseAddress!
            if precision == .half { LlamaKernels.permuteForHalves(q, count: headDim, roundingInto: permutedQuery) }
            var maximum = -Float.infinity
            for t in 0..<positions {
                let key = keys + t * rowBytes
                let dot =
                    precision == .half
                    ? LlamaKernels.dotHalves(permutedQuery, key, count: headDim)
                    : LlamaKernels.dot(q, key.assumingMemoryBound(to: Float.self), count: headDim)
                scores[t] = dot * scale
                maximum = max(maximum, scores[t])
            }
            // Softmax as ggml's: exponentials summed in Double, then scaled by the inverse of the sum.
            let total = LlamaKernels.exponentiate(scores, count: positions, subtracting: maximum)
            let inverse = Float(1 / total)
            if precision == .half {
                // The weights meet the fp16 values as fp16, as in ggml's product with an fp16 cache.
                for t in 0..<positions { scores[t] = Float(Float16(scores[t] * inverse)) }
                LlamaKernels.weightedSumOfHalves(
                    values, stride: rowBytes, weights: scores, count: positions, length: headDim, into: out)
            } else {
                out.update(repeating: 0, count: headDim)
                for t in 0..<positions {
                    let weight = scores[t] * inverse
                    let v = (values + t * rowBytes).assumingMemoryBound(to: Float.self)
                    for i in 0..<headDim { out[i] += weight * v[i] }
                }
            }
        }
    }
}
