/// One tensor of a GGUF file: its shape, type and bytes, read in place from the file's mapping.
public struct GGUFTensor: Sendable {
    /// The tensor's name, such as "blk.0.attn_q.weight".
    public let name: String
    /// The element type.
    public let type: GGMLType
    /// The dimensions in ggml order: `dimensions[0]` is the row length, the fastest-varying index.
    public let dimensions: [Int]
    /// The number of elements, the product of the dimensions.
    public let elementCount: Int
    /// Where the data starts, relative to the file's data section.
    public let offset: Int
    /// The size of the data in bytes.
    public let byteCount: Int
    /// Where the data starts, from the beginning of the file.
    public let fileOffset: Int
    // Keeps the mapping alive as long as any tensor of the file is.
    private let region: MappedRegion

    init(
        name: String, type: GGMLType, dimensions: [Int], elementCount: Int, offset: Int, byteCount: Int,
        fileOffset: Int, region: MappedRegion
    ) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.elementCount = elementCount
        self.offset = offset
        self.byteCount = byteCount
        self.fileOffset = fileOffset
        self.region = region
    }

    /// The tensor's bytes in the mapping, not copied; valid while this tensor or its file lives.
    public var data: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: region.bytes[fileOffset..<(fileOffset + byteCount)])
    }

    /// Elements per row: the first dimension.
    public var rowLength: Int { dimensions[0] }

    /// The number of rows: all dimensions but the first, multiplied.
    public var rowCount: Int { elementCount / dimensions[0] }

    /// Bytes per row.
    public var rowByteCount: Int { byteCount / rowCount }

    /// The bytes of row `index`, not copied.
    public func row(_ index: Int) throws(GGUFError) -> UnsafeRawBufferPointer {
        guard index >= 0, index < rowCount else { throw .rowOutOfRange(tensor: name, row: index, rowCount: rowCount) }
        let start = fileOffset + index * rowByteCount
        return UnsafeRawBufferPointer(rebasing: region.bytes[start..<(start + rowByteCount)])
    }

    /// Row `index` decoded to floats.
    public func dequantizeRow(_ index: Int) throws(GGUFError) -> [Float] {
        try Dequantize.row(type, from: row(index), count: rowLength)
    }

    /// Decodes row `index` into `destination`, which must hold exactly one row.
    public func dequantizeRow(_ index: Int, into destination: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        try Dequantize.row(type, from: row(index), into: destination)
    }

    /// The whole tensor decoded to floats, rows one after another.
    public func dequantized() throws(GGUFError) -> [Float] {
        try Dequantize.row(type, from: data, count: elementCount)
    }
}
