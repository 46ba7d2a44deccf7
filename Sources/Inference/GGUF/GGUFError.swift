/// Why a GGUF file could not be opened, read or decoded; every case has a stable code and a message naming
/// the key, tensor or offset at fault.
public enum GGUFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened (missing, unreadable); `errno` is the system's reason.
    case openFailed(path: String, errno: Int32)
    /// The path names a directory or another non-regular file.
    case notARegularFile(path: String)
    /// The kernel refused to map the file.
    case mapFailed(path: String, errno: Int32)
    /// The file ends before `needed` bytes of `context` at `offset`.
    case truncated(context: String, offset: Int, needed: Int, available: Int)
    /// The first four bytes are not "GGUF".
    case badMagic(found: UInt32)
    /// A GGUF version other than 2 or 3.
    case unsupportedVersion(UInt32)
    /// A count (of entries, tensors or array elements) that the rest of the file cannot hold.
    case countTooLarge(context: String, count: UInt64, offset: Int, available: Int)
    /// A string whose declared length runs past the end of the file.
    case stringTooLong(context: String, length: UInt64, offset: Int, available: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(context: String, offset: Int)
    /// A metadata value type id outside the GGUF specification.
    case unknownValueType(key: String, typeID: UInt32, offset: Int)
    /// A boolean stored as a byte other than 0 or 1.
    case invalidBool(key: String, byte: UInt8, offset: Int)
    /// Arrays nested deeper than the reader allows.
    case nestingTooDeep(key: String, limit: Int)
    /// The same metadata key appears twice.
    case duplicateKey(String)
    /// `general.alignment` is zero, not a power of two, or not an integer.
    case invalidAlignment(String)
    /// The same tensor name appears twice.
    case duplicateTensor(String)
    /// A tensor with no dimensions or more than four.
    case invalidDimensionCount(tensor: String, count: UInt32)
    /// A tensor dimension of zero or beyond the signed 64-bit range.
    case invalidDimension(tensor: String, index: Int, value: UInt64)
    /// A tensor whose element or byte count overflows.
    case tensorTooLarge(tensor: String)
    /// A tensor type id ggml does not define.
    case unknownTensorType(tensor: String, typeID: UInt32)
    /// A tensor type ggml defines but this runtime cannot decode.
    case unsupportedTensorType(tensor: String, type: GGMLType)
    /// A row length that is not a whole number of the type's blocks.
    case rowNotBlockAligned(tensor: String, rowLength: Int, type: GGMLType)
    /// A tensor offset that is not a multiple of the file's alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor whose data runs past the end of the file.
    case tensorOutOfBounds(tensor: String, offset: UInt64, byteCount: Int, available: Int)
    /// Two tensors whose data ranges share bytes.
    case overlappingTensors(String, String)
    /// A tensor looked up by name that the file does not have.
    case missingTensor(String)
    /// A row index past the tensor's last row.
    case rowOutOfRange(tensor: String, row: Int, rowCount: Int)
    /// A metadata key the file does not have.
    case missingKey(String)
    /// A metadata value of another type than the one asked for.
    case wrongValueType(key: String, expected: String, found: String)
    /// An integer metadata value that does not fit the type asked for.
    case valueOutOfRange(key: String, value: String, expected: String)
    /// Dequantization asked of a type this runtime cannot decode.
    case cannotDequantize(GGMLType)
    /// Dequantization buffers whose sizes do not match the type's block layout.
    case dequantizeSizeMismatch(type: GGMLType, elements: Int, sourceBytes: Int)

    /// The stable identifiers of these failures, for logs, tests and support.
    public enum Code: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The file could not be opened (missing, unreadable); `errno` is the system's reason.
        case open = "SOTTO-GGUF-OPEN"
        /// The path names a directory or another non-regular file.
        case notAFile = "SOTTO-GGUF-NOT-A-FILE"
        /// The kernel refused to map the file.
        case mmap = "SOTTO-GGUF-MMAP"
        /// The file ends before `needed` bytes of `context` at `offset`.
        case truncated = "SOTTO-GGUF-TRUNCATED"
        /// The first four bytes are not "GGUF".
        case magic = "SOTTO-GGUF-MAGIC"
        /// A GGUF version other than 2 or 3.
        case version = "SOTTO-GGUF-VERSION"
        /// A count (of entries, tensors or array elements) that the rest of the file cannot hold.
        case count = "SOTTO-GGUF-COUNT"
        /// A string whose declared length runs past the end of the file.
        case stringLength = "SOTTO-GGUF-STRING-LENGTH"
        /// A string that is not valid UTF-8.
        case utf8 = "SOTTO-GGUF-UTF8"
        /// A metadata value type id outside the GGUF specification.
        case valueType = "SOTTO-GGUF-VALUE-TYPE"
        /// A boolean stored as a byte other than 0 or 1.
        case bool = "SOTTO-GGUF-BOOL"
        /// Arrays nested deeper than the reader allows.
        case nesting = "SOTTO-GGUF-NESTING"
        /// The same metadata key appears twice.
        case duplicateKey = "SOTTO-GGUF-DUPLICATE-KEY"
        /// `general.alignment` is zero, not a power of two, or not an integer.
        case alignment = "SOTTO-GGUF-ALIGNMENT"
        /// The same tensor name appears twice.
        case duplicateTensor = "SOTTO-GGUF-DUPLICATE-TENSOR"
        /// A tensor with no dimensions or more than four.
        case dimensionCount = "SOTTO-GGUF-DIMENSION-COUNT"
        /// A tensor dimension of zero or beyond the signed 64-bit range.
        case dimension = "SOTTO-GGUF-DIMENSION"
        /// A tensor whose element or byte count overflows.
        case tensorSize = "SOTTO-GGUF-TENSOR-SIZE"
        /// A tensor type id ggml does not define.
        case tensorType = "SOTTO-GGUF-TENSOR-TYPE"
        /// A tensor type ggml defines but this runtime cannot decode.
        case unsupportedType = "SOTTO-GGUF-UNSUPPORTED-TYPE"
        /// A row length that is not a whole number of the type's blocks.
        case block = "SOTTO-GGUF-BLOCK"
        /// A tensor offset that is not a multiple of the file's alignment.
        case misaligned = "SOTTO-GGUF-MISALIGNED"
        /// A tensor whose data runs past the end of the file.
        case tensorBounds = "SOTTO-GGUF-TENSOR-BOUNDS"
        /// Two tensors whose data ranges share bytes.
        case overlap = "SOTTO-GGUF-OVERLAP"
        /// A tensor looked up by name that the file does not have.
        case missingTensor = "SOTTO-GGUF-MISSING-TENSOR"
        /// A row index past the tensor's last row.
        case row = "SOTTO-GGUF-ROW"
        /// A metadata key the file does not have.
        case missingKey = "SOTTO-GGUF-MISSING-KEY"
        /// A metadata value of another type than the one asked for.
        case keyType = "SOTTO-GGUF-KEY-TYPE"
        /// An integer metadata value that does not fit the type asked for.
        case keyRange = "SOTTO-GGUF-KEY-RANGE"
        /// Dequantization asked of a type this runtime cannot decode.
        case dequantizeType = "SOTTO-GGUF-DEQUANTIZE-TYPE"
        /// Dequantization buffers whose sizes do not match the type's block layout.
        case dequantizeSize = "SOTTO-GGUF-DEQUANTIZE-SIZE"

        /// The code itself ("SOTTO-…"), as logs and messages print it.
        public var description: String { rawValue }
    }

    /// The stable identifier of this kind of failure.
    public var code: Code {
        switch self {
        case .openFailed: .open
        case .notARegularFile: .notAFile
        case .mapFailed: .mmap
        case .truncated: .truncated
        case .badMagic: .magic
        case .unsupportedVersion: .version
        case .countTooLarge: .count
        case .stringTooLong: .stringLength
        case .invalidUTF8: .utf8
        case .unknownValueType: .valueType
        case .invalidBool: .bool
        case .nestingTooDeep: .nesting
        case .duplicateKey: .duplicateKey
        case .invalidAlignment: .alignment
        case .duplicateTensor: .duplicateTensor
        case .invalidDimensionCount: .dimensionCount
        case .invalidDimension: .dimension
        case .tensorTooLarge: .tensorSize
        case .unknownTensorType: .tensorType
        case .unsupportedTensorType: .unsupportedType
        case .rowNotBlockAligned: .block
        case .misalignedTensor: .misaligned
        case .tensorOutOfBounds: .tensorBounds
        case .overlappingTensors: .overlap
        case .missingTensor: .missingTensor
        case .rowOutOfRange: .row
        case .missingKey: .missingKey
        case .wrongValueType: .keyType
        case .valueOutOfRange: .keyRange
        case .cannotDequantize: .dequantizeType
        case .dequantizeSizeMismatch: .dequantizeSize
        }
    }

    /// What went wrong and what to do about it, without the code.
    public var message: String {
        switch self {
        case .openFailed(let path, let errno):
            "cannot open \(Self.quote(path)): \(systemReason(errno)); check the path and its permissions"
        case .notARegularFile(let path):
            "\(Self.quote(path)) is a directory or special file, not a GGUF model file; give the path of the .gguf file"
        case .mapFailed(let path, let errno):
            "cannot map \(Self.quote(path)) into memory: \(systemReason(errno)); check free address space and limits"
        case .truncated(let context, let offset, let needed, let available):
            "the file ends early while reading \(context) at offset \(offset): \(needed) bytes needed, "
                + "\(available) left; the download or copy is probably incomplete"
        case .badMagic(let found):
            "not a GGUF file: it starts with \(Self.hexBytes(found)) instead of \"GGUF\"; "
                + "give a model in GGUF format (convert it with llama.cpp)"
        case .unsupportedVersion(let version):
            Self.versionMessage(version)
        case .countTooLarge(let context, let count, let offset, let available):
            "\(context) at offset \(offset) claims \(count) entries, more than the \(available) bytes left "
                + "can hold; the file is corrupt"
        case .stringTooLong(let context, let length, let offset, let available):
            "\(context) at offset \(offset) claims a length of \(length) bytes but only \(available) are left; "
                + "the file is corrupt"
        case .invalidUTF8(let context, let offset):
            "\(context) at offset \(offset) is not valid UTF-8; the file is corrupt"
        case .unknownValueType(let key, let typeID, let offset):
            "metadata \(Self.quote(key)) has value type \(typeID) at offset \(offset), which GGUF does not define "
                + "(0 to 12); the file is corrupt or from a newer format"
        case .invalidBool(let key, let byte, let offset):
            "metadata \(Self.quote(key)) holds a boolean byte \(byte) at offset \(offset); only 0 and 1 are valid"
        case .nestingTooDeep(let key, let limit):
            "metadata \(Self.quote(key)) nests arrays deeper than \(limit) levels; no model needs this, "
                + "the file is corrupt or hostile"
        case .duplicateKey(let key):
            "metadata key \(Self.quote(key)) appears more than once; the file is corrupt"
        case .invalidAlignment(let detail):
            "general.alignment \(detail); it must be a non-zero power of two such as 32"
        case .duplicateTensor(let name):
            "tensor \(Self.quote(name)) appears more than once; the file is corrupt"
        case .invalidDimensionCount(let tensor, let count):
            "tensor \(Self.quote(tensor)) has \(count) dimensions; ggml allows 1 to 4"
        case .invalidDimension(let tensor, let index, let value):
            "tensor \(Self.quote(tensor)) has dimension \(index) of \(value); each must be between 1 and 2^63 - 1"
        case .tensorTooLarge(let tensor):
            "tensor \(Self.quote(tensor)) has more elements or bytes than this machine can address; "
                + "the file is corrupt"
        case .unknownTensorType(let tensor, let typeID):
            "tensor \(Self.quote(tensor)) has type id \(typeID), which ggml does not define; "
                + "the file is corrupt or from a newer ggml"
        case .unsupportedTensorType(let tensor, let type):
            "unsupported tensor type \(type) in tensor \(Self.quote(tensor)); use a model quantized as "
                + "\(GGMLType.supportedNames)"
        case .rowNotBlockAligned(let tensor, let rowLength, let type):
            "tensor \(Self.quote(tensor)) has rows of \(rowLength) elements, not a multiple of the "
                + "\(type.blockLayout?.elementsPerBlock ?? 1)-element blocks of \(type); the file is corrupt"
        case .misalignedTensor(let tensor, let offset, let alignment):
            "tensor \(Self.quote(tensor)) starts at data offset \(offset), not a multiple of the file's "
                + "alignment \(alignment); the file is corrupt"
        case .tensorOutOfBounds(let tensor, let offset, let byteCount, let available):
            "tensor \(Self.quote(tensor)) needs \(byteCount) bytes at data offset \(offset) but the data section "
                + "holds \(available); the file is truncated or corrupt"
        case .overlappingTensors(let first, let second):
            "tensors \(Self.quote(first)) and \(Self.quote(second)) share bytes; the file is corrupt"
        case .missingTensor(let name):
            "the model has no tensor \(Self.quote(name)); it is not of the expected architecture or is incomplete"
        case .rowOutOfRange(let tensor, let row, let rowCount):
            "row \(row) asked of tensor \(Self.quote(tensor)), which has \(rowCount) rows"
        case .missingKey(let key):
            "the model has no metadata \(Self.quote(key)); it is not of the expected architecture or is incomplete"
        case .wrongValueType(let key, let expected, let found):
            "metadata \(Self.quote(key)) is \(found), expected \(expected)"
        case .valueOutOfRange(let key, let value, let expected):
            "metadata \(Self.quote(key)) is \(value), which does not fit \(expected)"
        case .cannotDequantize(let type):
            "cannot dequantize \(type); supported types are \(GGMLType.supportedNames)"
        case .dequantizeSizeMismatch(let type, let elements, let sourceBytes):
            "cannot dequantize \(elements) elements of \(type) from \(sourceBytes) bytes: the count must be a "
                + "whole number of blocks and the bytes exactly those blocks"
        }
    }

    public var description: String { "\(code): \(message)" }

    /// Quotes a name taken from the file so that a hostile one cannot flood or drive the terminal.
    static func quote(_ name: String) -> String {
        let limit = 96
        var out = "'"
        var count = 0
        for scalar in name.unicodeScalars {
            if count == limit {
                out += "…"
                break
            }
            count += 1
            switch scalar.value {
            case 0x20...0x7E where scalar != "'" && scalar != "\\":
                out.unicodeScalars.append(scalar)
            case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                // Control, line-separator and bidi-override characters could rewrite what the user sees.
                out += "\\u{\(String(scalar.value, radix: 16))}"
            case 0x27, 0x5C:
                out += "\\" + String(scalar)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    private static func hexBytes(_ value: UInt32) -> String {
        (0..<4).map { index in
            let byte = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index)))
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
    }

    private static func versionMessage(_ version: UInt32) -> String {
        let swapped = version.byteSwapped
        if swapped == 2 || swapped == 3 {
            return "this is a big-endian GGUF file (version \(swapped)); only little-endian files are supported"
        }
        if version == 1 {
            return "GGUF version 1 is not supported (only 2 and 3); re-convert the model with a current llama.cpp"
        }
        return "GGUF version \(version) is not supported (only 2 and 3); the file is corrupt or from a newer format"
    }
}
