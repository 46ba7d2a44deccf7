/// A bounds-checked little-endian reader over a byte buffer: the base of the GGUF parser,
/// where every offset and length in a file is untrusted.
public struct ByteReader: ~Copyable {
    private let buffer: UnsafeRawBufferPointer
    /// Offset of the next read.
    public private(set) var offset: Int

    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    /// Bytes left to read.
    public var remaining: Int { buffer.count - offset }

    /// Reads a fixed-width little-endian integer.
    /// - Throws: `ByteReaderError.truncated` past the end.
    public mutating func read<T: FixedWidthInteger>(_: T.Type) throws(ByteReaderError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated(offset: offset, needed: size, available: remaining) }
        let value = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    /// Reads `count` raw bytes.
    /// - Throws: `ByteReaderError.truncated` past the end (checked without overflow).
    public mutating func readBytes(_ count: Int) throws(ByteReaderError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw .truncated(offset: offset, needed: count, available: remaining)
        }
        let slice = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
        offset += count
        return slice
    }
}

/// Why a read failed.
public enum ByteReaderError: Error, Hashable, Sendable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int, available: Int)

    /// The stable identifiers of these failures.
    public enum Code: String, Sendable, CaseIterable, CustomStringConvertible {
        /// A read past the end of the bytes.
        case truncated = "SOTTO-INFER-TRUNCATED"

        public var description: String { rawValue }
    }

    public var code: Code {
        switch self {
        case .truncated: .truncated
        }
    }

    public var description: String {
        switch self {
        case .truncated(let offset, let needed, let available):
            "\(code): the file ends early: \(needed) bytes needed at offset \(offset), \(available) left"
        }
    }
}
