import Foundation

/// The numeric building blocks of the llama forward pass, kept apart from the model so they can be tested on
/// hand examples and later replaced by faster versions one at a time.
public enum LlamaKernels {
    /// The dot product of two float vectors of `count` elements, sixteen lanes at a time.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD16<Float>()
        var index = 0
        let rawA = UnsafeRawPointer(a)
        let rawB = UnsafeRawPointer(b)
        let stride = MemoryLayout<Float>.stride
        while index + 16 <= count {
            let left = rawA.loadUnaligned(fromByteOffset: index * stride, as: SIMD16<Float>.self)
            let right = rawB.loadUnaligned(fromByteOffset: index * stride, as: SIMD16<Float>.self)
            // Not `addProduct`: without FMA in the baseline x86-64 target it becomes a libm call per lane.
            accumulator += left * right
            index += 16
        }
        var sum = accumulator.sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }

    /// `output[i] = input[i] / rms(input) · weight[i]` over `weight.count` elements, the mean of squares summed
    /// in Double as ggml does.
    public static func rmsNorm(
        _ input: UnsafePointer<Float>, _ weight: [Float], epsilon: Float, into output: UnsafeMutablePointer<Float>
    ) {
        var sum: Double = 0
        for i in 0..<weight.count { sum += Double(input[i]) * Double(input[i]) }
        let mean = Float(sum / Double(weight.count))
        let scale = 1 / (mean + epsilon).squareRoot()
        for i in 0..<weight.count { output[i] = input[i] * scale * weight[i] }
    }

    /// RoPE's per-pair angular frequencies `base^(-2i/d)` for `i` in `0 ..< d/2`, `d` the rotated dimensions.
    public static func ropeInverseFrequencies(dimensionCount: Int, base: Float) -> [Double] {
        let d = Double(dimensionCount)
        return (0..<dimensionCount / 2).map { pow(Double(base), -2 * Double($0) / d) }
    }

    /// Rotates, in each of `heads` consecutive heads, the adjacent pairs (2i, 2i+1) by `position · frequency[i]`;
    /// dimensions past the frequencies stay as they are.
    ///
    /// This is ggml's "normal" rope (mode 0), which llama GGUF files expect: llama.cpp's converter permutes the
    /// rows of Q and K so that Hugging Face's rotate-half pairs (i, i + d/2) become adjacent.
    public static func applyRoPE(
        _ vector: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, position: Int,
        inverseFrequencies: [Double]
    ) {
        for (pair, frequency) in inverseFrequencies.enumerated() {
            let angle = Double(position) * frequency
            let cosine = Float(cos(angle))
            let sine = Float(sin(angle))
            for head in 0..<heads {
                let x = vector + head * headDimension + 2 * pair
                let first = x[0]
                let second = x[1]
                x[0] = first * cosine - second * sine
                x[1] = first * sine + second * cosine
            }
        }
    }
}
