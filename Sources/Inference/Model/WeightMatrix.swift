import Dispatch

/// A GGUF weight tensor used as the matrix `W` of `y = W x`: GGUF rows are matrix rows, so row `i` of the
/// tensor dotted with `x` gives `y[i]`.
///
/// Rows are decoded one at a time into per-thread scratch and dotted there. This is the correct-first path:
/// the next speed step is fused quantized dot products that never write the decoded row.
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

    /// `output[i] = Σ_j W[i][j] · input[j]` for every row, with rows split in blocks over `threads` threads.
    func multiply(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, threads: Int) {
        let input = SendablePointer(input)
        let output = SendableMutablePointer(output)
        let columns = columns
        // A few blocks per thread evens out uneven progress; tiny matrices stay on the caller's thread.
        let blockCount = rows >= 64 && threads > 1 ? min(rows / 16, threads * 4) : 1
        let rowsPerBlock = (rows + blockCount - 1) / blockCount
        let work: @Sendable (Int) -> Void = { block in
            let start = block * rowsPerBlock
            let end = min(start + rowsPerBlock, rows)
            guard start < end else { return }
            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: columns)
            defer { scratch.deallocate() }
            for row in start..<end {
                decodeRow(row, into: scratch)
                output.pointer[row] = LlamaKernels.dot(
                    UnsafePointer(scratch.baseAddress!), input.pointer, count: columns)
            }
        }
        if blockCount == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: blockCount, execute: work)
        }
    }
}

/// A read-only pointer handed to worker threads; the caller keeps the memory alive until they finish.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    init(_ pointer: UnsafePointer<Float>) { self.pointer = pointer }
}

/// A pointer whose disjoint ranges worker threads write; the caller keeps the memory alive until they finish.
struct SendableMutablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
