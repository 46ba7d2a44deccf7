import Dispatch

/// A GGUF weight tensor used as the matrix `W` of `y = W x`: GGUF rows are matrix rows, so row `i` of the
/// tensor dotted with `x` gives `y[i]`.
///
/// The common quantized types are dotted straight from their packed blocks; the K-quants still decode a row at a
/// time into scratch.
struct WeightMatrix: Sendable {
    let tensor: GGUFTensor
    /// Output size: the tensor's row count.
    let rows: Int
    /// Input size: the tensor's row length.
    let columns: Int

    /// Binds `tensor`, checking that it is a `rows × columns` matrix of a decodable type.
    init(_ tensor: GGUFTensor, rows: Int, columns: Int) throws(LlamaModelError) {
        guard tensor.dimensions.count == 2, tensor.dimensions[0] == columns, tensor.dimensions[1] == rows else {
            throw .tensorShapeMismatch(tensor: tensor.name, expected: [columns, rows], found: tensor.dimensions)
        }
        try Self.checkDecodable(tensor)
        self.tensor = tensor
        self.rows = rows
        self.columns = columns
    }

    static func checkDecodable(_ tensor: GGUFTensor) throws(LlamaModelError) {
        switch tensor.type {
        case .f32, .f16, .q4_0, .q4_1, .q8_0, .q4_K, .q6_K: break
        default: throw .unsupportedTensorType(tensor: tensor.name, type: tensor.type)
        }
        // Decoding a first row proves the row size matches the type's blocks, so the hot loop cannot fail.
        do throws(GGUFError) { _ = try tensor.dequantizeRow(0) } catch { throw .file(error) }
    }

    /// Decodes row `index` into `destination` (`columns` floats).
    func decodeRow(_ index: Int, into destination: UnsafeMutableBufferPointer<Float>) {
        do throws(GGUFError) {
            try tensor.dequantizeRow(index, into: destination)
        } catch {
            preconditionFailure("row \(index) of \(tensor.name) failed after validation at load: \(error)")
        }
    }

    /// `output[b · rows + i] = Σ_j W[i][j] · input_b[j]` for every row `i` and every vector `input_b` of the batch
    /// last loaded into `context`; rows are split in contiguous chunks over the context's threads, and each row
    /// is read once for the whole batch.
    ///
    /// Q4_0, Q4_1 and Q8_0 rows are dotted in integers with the quantised input (``QuantizedDot``), F32 rows with
    /// the float input, and other types decode each row into scratch first.
    func multiply(_ context: ProductContext, into output: UnsafeMutablePointer<Float>) {
        Self.multiply([(self, output)], context)
    }

    /// Several products of the same loaded input (q, k and v; gate and up) in one hand-out to the threads: each
    /// thread takes its share of the rows of every matrix, so the threads meet once instead of once per matrix.
    static func multiply(_ products: [(WeightMatrix, UnsafeMutablePointer<Float>)], _ context: ProductContext) {
        var work = 0
        let jobs = products.map { matrix, output in
            precondition(
                context.count == matrix.columns,
                "the loaded input has \(context.count) elements, not \(matrix.columns)")
            let type = matrix.tensor.type
            let quantized = type == .q4_0 || type == .q4_1 || type == .q8_0 ? context.quantizedInput() : nil
            work += matrix.rows * matrix.columns * context.batch
            return (
                matrix,
                Shared(
                    input: context.input, quantized: quantized, batch: context.batch, output: output,
                    weights: matrix.tensor.data.baseAddress!)
            )
        }
        // Rows go out in pairs (the Q4 kernels take two at once); tiny products stay on the caller's thread.
        let shares = work >= 1 << 15 ? context.pool.threadCount : 1
        if shares == 1 {
            for (matrix, shared) in jobs { matrix.multiplyRows(0..<matrix.rows, shared) }
            return
        }
        context.pool.run { share in
            for (matrix, shared) in jobs {
                let pairsPerShare = ((matrix.rows + 1) / 2 + shares - 1) / shares
                let start = min(matrix.rows, share * pairsPerShare * 2)
                let end = min(matrix.rows, start + pairsPerShare * 2)
                if start < end { matrix.multiplyRows(start..<end, shared) }
            }
        }
    }

    /// The pointers one product's threads read and write; the caller keeps them alive until they finish.
    private struct Shared: @unchecked Sendable {
        let input: UnsafePointer<Float>
        let quantized: QuantizedActivations.View?
        let batch: Int
        let output: UnsafeMutablePointer<Float>
        let weights: UnsafeRawPointer
    }

    private func multiplyRows(_ range: Range<Int>, _ shared: Shared) {
        let rowBytes = tensor.rowByteCount
        let blocks = columns / QuantizedDot.blockLength
        let weights = shared.weights
        let output = shared.output
        let rows = self.rows
        switch tensor.type {
        case .q4_1:
            forEachPair(range) { a, b in
                let rowA = weights + a * rowBytes
                let rowB = weights + b * rowBytes
                // Tokens two at a time share the unpacking of each block.
                var token = 0
                while token + 1 < shared.batch {
                    let x = shared.quantized!.advanced(byBlocks: token * blocks)
                    let y = shared.quantized!.advanced(byBlocks: (token + 1) * blocks)
                    let results = QuantizedDot.q4_1Pair(rowA, rowB, x, y, blocks: blocks)
                    output[token * rows + a] = results[0]
                    output[token * rows + b] = results[1]
                    output[(token + 1) * rows + a] = results[2]
                    output[(token + 1) * rows + b] = results[3]
                    token += 2
                }
                if token < shared.batch {
                    let x = shared.quantized!.advanced(byBlocks: token * blocks)
                    let (first, second) = QuantizedDot.q4_1Pair(rowA, rowB, x, blocks: blocks)
                    output[token * rows + a] = first
                    output[token * rows + b] = second
                }
            }
        case .q4_0:
            forEachPair(range) { a, b in
                let rowA = weights + a * rowBytes
                let rowB = weights + b * rowBytes
                for token in 0..<shared.batch {
                    let x = shared.quantized!.advanced(byBlocks: token * blocks)
                    let (first, second) = QuantizedDot.q4_0Pair(rowA, rowB, x, blocks: blocks)
                    output[token * rows + a] = first
                    output[token * rows + b] = second
                }
            }
        case .q8_0:
            for row in range {
                for token in 0..<shared.batch {
                    output[token * rows + row] = QuantizedDot.q8_0(
                        weights + row * rowBytes, shared.quantized!.advanced(byBlocks: token * blocks), blocks: blocks)
                }
            }
        case .f32:
            for row in range {
                let values = (weights + row * rowBytes).assumingMemoryBound(to: Float.self)
                for token in 0..<shared.batch {
                    output[token * rows + row] = LlamaKernels.dot(
                        values, shared.input + token * columns, count: columns)
                }
            }
        default:
            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: columns)
            defer { scratch.deallocate() }
            for row in range {
                decodeRow(row, into: scratch)
                for token in 0..<shared.batch {
                    output[token * rows + row] = LlamaKernels.dot(
                        UnsafePointer(scratch.baseAddress!), shared.input + token * columns, count: columns)
                }
            }
        }
    }

    /// Calls `body` on consecutive pairs of rows in `range`; an odd last row is paired with itself (its twin's
    /// result, identical, is written to the same place).
    @inline(__always)
    private func forEachPair(_ range: Range<Int>, _ body: (Int, Int) -> Void) {
        var row = range.lowerBound
        while row + 1 < range.upperBound {
            body(row, row + 1)
            row += 2
        }
        if row < range.upperBound { body(row, row) }
    }
}

/// What the products of one model share: its worker threads and the current input vector, with the quantised
/// copy of it that the integer kernels read, made once however many matrices take the same input.
final class ProductContext {
    let pool: WorkerPool
    private let activations: QuantizedActivations
    /// The loaded input: `batch` vectors of `count` floats, one after the other.
    private(set) var input: UnsafePointer<Float>
    private(set) var count = 0
    private(set) var batch = 1
    private var isQuantized = false

    init(threads: Int, capacity: Int) {
        pool = WorkerPool(threads: threads)
        let rounded = (capacity + QuantizedDot.blockLength - 1) / QuantizedDot.blockLength * QuantizedDot.blockLength
        activations = QuantizedActivations(capacity: rounded)
        input = UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)!
    }

    /// Makes `input` (`batch` consecutive vectors of `count` floats, kept alive and unchanged by the caller until
    /// the next load) the input of the following products.
    func load(_ input: UnsafePointer<Float>, count: Int, batch: Int) {
        precondition(count * batch <= activations.capacity, "the batch exceeds the context's capacity")
        self.input = input
        self.count = count
        self.batch = batch
        isQuantized = false
    }

    /// The loaded input quantised, made on first use after a load.
    func quantizedInput() -> QuantizedActivations.View {
        if !isQuantized {
            activations.quantize(input, count: count * batch)
            isQuantized = true
        }
        return activations.view
    }
}
