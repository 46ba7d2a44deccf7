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

    /// `output[i] = Σ_j W[i][j] · input[j]` for every row, with rows split in contiguous chunks over `threads`
    /// threads.
    ///
    /// F32, Q4_0, Q4_1 and Q8_0 rows are dotted straight from the packed bytes (``QuantizedDot``); other types
    /// decode each row into scratch first.
    func multiply(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, threads: Int) {
        let blockSumCount = columns / QuantizedDot.blockLength
        // One allocation for the interleaved copy of x and then its block sums.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: columns + blockSumCount + 1) { scratch in
            let interleaved = scratch.baseAddress!
            let sums = interleaved + columns
            let type = tensor.type
            if type == .q4_0 || type == .q4_1 || type == .q8_0 {
                QuantizedDot.interleave(input, count: columns, into: interleaved)
                QuantizedDot.blockSums(input, count: columns, into: sums)
            }
            let shared = Shared(
                input: input, interleaved: interleaved, output: output, sums: sums,
                weights: tensor.data.baseAddress!)
            // One contiguous chunk per thread: dispatch costs more than any imbalance between two chunks, and
            // small matrices (k and v projections) stay on the caller's thread.
            let chunkCount = rows * columns >= 1 << 17 && threads > 1 ? min(threads, rows) : 1
            let rowsPerChunk = (rows + chunkCount - 1) / chunkCount
            let work: @Sendable (Int) -> Void = { chunk in
                let start = chunk * rowsPerChunk
                let end = min(start + rowsPerChunk, rows)
                guard start < end else { return }
                multiplyRows(start..<end, shared)
            }
            if chunkCount == 1 {
                work(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: chunkCount, execute: work)
            }
        }
    }

    /// The pointers one product's worker threads read and write; the caller keeps them alive until they finish.
    private struct Shared: @unchecked Sendable {
        let input: UnsafePointer<Float>
        /// `input` reordered for the quantized kernels (``QuantizedDot/interleave(_:count:into:)``).
        let interleaved: UnsafeMutablePointer<Float>
        let output: UnsafeMutablePointer<Float>
        let sums: UnsafeMutablePointer<Float>
        let weights: UnsafeRawPointer
    }

    private func multiplyRows(_ range: Range<Int>, _ shared: Shared) {
        let rowBytes = tensor.rowByteCount
        let blocks = columns / QuantizedDot.blockLength
        let input = shared.input
        let interleaved = shared.interleaved
        switch tensor.type {
        case .f32:
            for row in range {
                let weights = (shared.weights + row * rowBytes).assumingMemoryBound(to: Float.self)
                shared.output[row] = LlamaKernels.dot(weights, input, count: columns)
            }
        case .q4_0:
            for row in range {
                shared.output[row] = QuantizedDot.q4_0(
                    shared.weights + row * rowBytes, interleaved, sums: shared.sums, blocks: blocks)
            }
        case .q4_1:
            for row in range {
                shared.output[row] = QuantizedDot.q4_1(
                    shared.weights + row * rowBytes, interleaved, sums: shared.sums, blocks: blocks)
            }
        case .q8_0:
            for row in range {
                shared.output[row] = QuantizedDot.q8_0(shared.weights + row * rowBytes, interleaved, blocks: blocks)
            }
        default:
            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: columns)
            defer { scratch.deallocate() }
            for row in range {
                decodeRow(row, into: scratch)
                shared.output[row] = LlamaKernels.dot(UnsafePointer(scratch.baseAddress!), input, count: columns)
            }
        }
    }
}
