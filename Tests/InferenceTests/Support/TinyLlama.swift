import Foundation
import Inference

/// A small llama model with F32 weights from a fixed generator, for checking the runtime against a reference.
///
/// The weights are kept in Hugging Face layout, where RoPE rotates the halves of each head (i, i + d/2); the
/// GGUF file gets Q and K permuted as llama.cpp's converter does, so a runtime that follows the GGUF convention
/// must agree with a reference that follows Hugging Face's.
struct TinyLlama {
    struct Layer {
        var attentionNorm: [Float]
        var query: [[Float]]
        var key: [[Float]]
        var value: [[Float]]
        var attentionOutput: [[Float]]
        var feedForwardNorm: [Float]
        var gate: [[Float]]
        var up: [[Float]]
        var down: [[Float]]
    }

    var layerCount = 2
    var dim = 16
    var feedForward = 24
    var heads = 4
    var kvHeads = 2
    var vocabulary = 32
    var context = 64
    var ropeBase: Float = 10000
    var epsilon: Float = 1e-5
    var headDim: Int { dim / heads }

    var embedding: [[Float]] = []
    var layers: [Layer] = []
    var outputNorm: [Float] = []
    /// Nil ties the output projection to the embedding.
    var output: [[Float]]?

    init(seed: UInt64 = 42, vocabulary: Int = 32, tied: Bool = false, dim: Int = 16) {
        self.vocabulary = vocabulary
        self.dim = dim
        var random = SplitMix64(seed: seed)
        func uniform() -> Float { Float(random.next() >> 40) / Float(1 << 24) * 2 - 1 }
        func matrix(_ rows: Int, _ columns: Int, scale: Float) -> [[Float]] {
            (0..<rows).map { _ in (0..<columns).map { _ in uniform() * scale } }
        }
        func norm(_ count: Int) -> [Float] { (0..<count).map { _ in 1 + 0.2 * uniform() } }
        embedding = matrix(vocabulary, dim, scale: 1)
        let scale: Float = 0.4
        for _ in 0..<layerCount {
            layers.append(
                Layer(
                    attentionNorm: norm(dim), query: matrix(heads * headDim, dim, scale: scale),
                    key: matrix(kvHeads * headDim, dim, scale: scale),
                    value: matrix(kvHeads * headDim, dim, scale: scale),
                    attentionOutput: matrix(dim, heads * headDim, scale: scale), feedForwardNorm: norm(dim),
                    gate: matrix(feedForward, dim, scale: scale), up: matrix(feedForward, dim, scale: scale),
                    down: matrix(dim, feedForward, scale: scale)))
        }
        outputNorm = norm(dim)
        output = tied ? nil : matrix(vocabulary, dim, scale: scale)
    }

    /// llama.cpp's `permute`: within each head, row `j·d/2 + i` moves to `2i + j`, making rotate-half pairs adjacent.
    static func permute(_ rows: [[Float]], heads: Int) -> [[Float]] {
        let headDim = rows.count / heads
        var out = rows
        for head in 0..<heads {
            for i in 0..<headDim / 2 {
                for j in 0..<2 { out[head * headDim + 2 * i + j] = rows[head * headDim + j * (headDim / 2) + i] }
            }
        }
        return out
    }

    /// The metadata entries of a llama model with these hyperparameters.
    func addMetadata(to builder: inout GGUFBuilder) {
        builder.add("general.architecture", .string("llama"))
        builder.add("llama.block_count", .uint32(UInt32(layerCount)))
        builder.add("llama.embedding_length", .uint32(UInt32(dim)))
        builder.add("llama.feed_forward_length", .uint32(UInt32(feedForward)))
        builder.add("llama.attention.head_count", .uint32(UInt32(heads)))
        builder.add("llama.attention.head_count_kv", .uint32(UInt32(kvHeads)))
        builder.add("llama.rope.freq_base", .float32(ropeBase))
        builder.add("llama.attention.layer_norm_rms_epsilon", .float32(epsilon))
        builder.add("llama.context_length", .uint32(UInt32(context)))
        builder.add("llama.vocab_size", .uint32(UInt32(vocabulary)))
    }

    /// Adds every tensor in GGUF layout; `skip` leaves one out and `reshape` overrides one's dimensions.
    func addTensors(to builder: inout GGUFBuilder, skip: String? = nil, reshape: (String, [UInt64])? = nil) {
        func add(_ name: String, _ rows: [[Float]]) {
            guard name != skip else { return }
            var dimensions = [UInt64(rows[0].count), UInt64(rows.count)]
            if let reshape, reshape.0 == name { dimensions = reshape.1 }
            builder.addTensor(name, .f32, dimensions: dimensions, data: Self.bytes(rows.flatMap { $0 }))
        }
        func add(_ name: String, _ vector: [Float]) {
            guard name != skip else { return }
            builder.addTensor(name, .f32, dimensions: [UInt64(vector.count)], data: Self.bytes(vector))
        }
        add("token_embd.weight", embedding)
        for (index, layer) in layers.enumerated() {
            let prefix = "blk.\(index)."
            add(prefix + "attn_norm.weight", layer.attentionNorm)
            add(prefix + "attn_q.weight", Self.permute(layer.query, heads: heads))
            add(prefix + "attn_k.weight", Self.permute(layer.key, heads: kvHeads))
            add(prefix + "attn_v.weight", layer.value)
            add(prefix + "attn_output.weight", layer.attentionOutput)
            add(prefix + "ffn_norm.weight", layer.feedForwardNorm)
            add(prefix + "ffn_gate.weight", layer.gate)
            add(prefix + "ffn_up.weight", layer.up)
            add(prefix + "ffn_down.weight", layer.down)
        }
        add("output_norm.weight", outputNorm)
        if let output { add("output.weight", output) }
    }

    /// The whole model as a GGUF file.
    func fileBytes(extra: [(String, GGUFValue)] = []) -> [UInt8] {
        var builder = GGUFBuilder()
        addMetadata(to: &builder)
        for (key, value) in extra { builder.add(key, value) }
        addTensors(to: &builder)
        return builder.build()
    }

    static func bytes(_ values: [Float]) -> [UInt8] {
        var writer = ByteWriter()
        for value in values { writer.append(value.bitPattern) }
        return writer.bytes
    }

    /// Logits after each token of `tokens`, recomputing the whole sequence with causal attention in Double, the
    /// way Hugging Face's `LlamaForCausalLM` does; `kvHead` maps a query head to its key/value head.
    func referenceLogits(_ tokens: [Int], kvHead: ((Int) -> Int)? = nil) -> [[Double]] {
        let kvHead = kvHead ?? { $0 / (heads / kvHeads) }
        func matvec(_ w: [[Float]], _ x: [Double]) -> [Double] {
            w.map { row in zip(row, x).reduce(0) { $0 + Double($1.0) * $1.1 } }
        }
        func rmsNorm(_ x: [Double], _ weight: [Float]) -> [Double] {
            let mean = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
            let scale = 1 / (mean + Double(epsilon)).squareRoot()
            return zip(x, weight).map { $0 * scale * Double($1) }
        }
        func rotateHalf(_ x: [Double], headCount: Int, position: Int) -> [Double] {
            var out = x
            let half = headDim / 2
            for head in 0..<headCount {
                for i in 0..<half {
                    let angle = Double(position) * pow(Double(ropeBase), -2 * Double(i) / Double(headDim))
                    let a = x[head * headDim + i]
                    let b = x[head * headDim + i + half]
                    out[head * headDim + i] = a * cos(angle) - b * sin(angle)
                    out[head * headDim + i + half] = b * cos(angle) + a * sin(angle)
                }
            }
            return out
        }
        var hidden = tokens.map { embedding[$0].map(Double.init) }
        for layer in layers {
            let normed = hidden.map { rmsNorm($0, layer.attentionNorm) }
            let queries = normed.enumerated().map {
                rotateHalf(matvec(layer.query, $1), headCount: heads, position: $0)
            }
            let keys = normed.enumerated().map { rotateHalf(matvec(layer.key, $1), headCount: kvHeads, position: $0) }
            let values = normed.map { matvec(layer.value, $0) }
            for position in tokens.indices {
                var attended = [Double](repeating: 0, count: heads * headDim)
                for head in 0..<heads {
                    let group = kvHead(head)
                    var scores: [Double] = []
                    for past in 0...position {
                        var score = 0.0
                        for i in 0..<headDim {
                            score += queries[position][head * headDim + i] * keys[past][group * headDim + i]
                        }
                        scores.append(score / Double(headDim).squareRoot())
                    }
                    let maximum = scores.max()!
                    let weights = scores.map { exp($0 - maximum) }
                    let total = weights.reduce(0, +)
                    for past in 0...position {
                        for i in 0..<headDim {
                            attended[head * headDim + i] += weights[past] / total * values[past][group * headDim + i]
                        }
                    }
                }
                let projected = matvec(layer.attentionOutput, attended)
                for i in 0..<dim { hidden[position][i] += projected[i] }
            }
            for position in tokens.indices {
                let x = rmsNorm(hidden[position], layer.feedForwardNorm)
                let gate = matvec(layer.gate, x)
                let up = matvec(layer.up, x)
                let activated = zip(gate, up).map { $0 / (1 + exp(-$0)) * $1 }
                let down = matvec(layer.down, activated)
                for i in 0..<dim { hidden[position][i] += down[i] }
            }
        }
        return hidden.map { matvec(output ?? embedding, rmsNorm($0, outputNorm)) }
    }
}
