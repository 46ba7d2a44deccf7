import Inference

/// Writes GGUF files for tests, valid ones and deliberately broken ones: every field the parser checks can be
/// overridden. Independent of the parser: it encodes the format straight from the specification.
struct GGUFBuilder {
    /// One tensor to write: its info entry and, unless `writesData` is false, its bytes.
    struct Tensor {
        var name: [UInt8]
        var dimensions: [UInt64]
        var typeID: UInt32
        var data: [UInt8]
        /// Data offset relative to the data section; nil lays tensors out one after another, aligned.
        var offset: UInt64?
        /// Writes this many dimensions in the header instead of `dimensions.count`.
        var dimensionCountOverride: UInt32?
        var writesData = true
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    /// The alignment used for padding and automatic offsets; `setAlignment` also records it in the metadata.
    var layoutAlignment = 32
    var tensorCountOverride: UInt64?
    var metadataCountOverride: UInt64?
    private(set) var entries: [(key: [UInt8], type: UInt32, payload: [UInt8])] = []
    var tensors: [Tensor] = []

    /// Adds a well-formed metadata entry.
    mutating func add(_ key: String, _ value: GGUFValue) {
        var payload = ByteWriter()
        Self.encode(value, into: &payload)
        entries.append((Array(key.utf8), value.type.rawValue, payload.bytes))
    }

    /// Adds an entry with a raw type id and payload, for hostile inputs.
    mutating func addRaw(key: [UInt8], type: UInt32, payload: [UInt8]) {
        entries.append((key, type, payload))
    }

    /// Sets `general.alignment` and lays the file out with it.
    mutating func setAlignment(_ alignment: UInt32) {
        add("general.alignment", .uint32(alignment))
        layoutAlignment = Int(alignment)
    }

    /// Adds a tensor of a known type.
    mutating func addTensor(
        _ name: String, _ type: GGMLType, dimensions: [UInt64], data: [UInt8], offset: UInt64? = nil
    ) {
        tensors.append(
            Tensor(name: Array(name.utf8), dimensions: dimensions, typeID: type.rawValue, data: data, offset: offset))
    }

    /// Adds a tensor with a raw type id, for hostile inputs.
    mutating func addTensor(_ name: String, typeID: UInt32, dimensions: [UInt64], data: [UInt8] = []) {
        tensors.append(Tensor(name: Array(name.utf8), dimensions: dimensions, typeID: typeID, data: data))
    }

    /// The file's bytes. The last tensor ends the file, with no trailing padding, so any prefix is truncated.
    func build() -> [UInt8] {
        var out = ByteWriter()
        out.append(magic)
        out.append(version)
        out.append(tensorCountOverride ?? UInt64(tensors.count))
        out.append(metadataCountOverride ?? UInt64(entries.count))
        for entry in entries {
            out.appendString(entry.key)
            out.append(entry.type)
            out.append(entry.payload)
        }
        var offsets: [UInt64] = []
        var cursor: UInt64 = 0
        for tensor in tensors {
            let offset = tensor.offset ?? cursor
            offsets.append(offset)
            // Hostile offsets near 2^64 stay out of the layout: they are only written in the info.
            let (end, overflow) = offset.addingReportingOverflow(UInt64(tensor.data.count))
            if tensor.writesData, !overflow { cursor = Self.alignUp(max(cursor, end), layoutAlignment) }
            out.appendString(tensor.name)
            out.append(tensor.dimensionCountOverride ?? UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { out.append(dimension) }
            out.append(tensor.typeID)
            out.append(offset)
        }
        guard !tensors.isEmpty else { return out.bytes }
        let dataStart = Int(Self.alignUp(UInt64(out.bytes.count), layoutAlignment))
        var bytes = out.bytes + [UInt8](repeating: 0, count: dataStart - out.bytes.count)
        for (tensor, offset) in zip(tensors, offsets) where tensor.writesData {
            let start = dataStart + Int(offset)
            let end = start + tensor.data.count
            if bytes.count < end { bytes += [UInt8](repeating: 0, count: end - bytes.count) }
            bytes.replaceSubrange(start..<end, with: tensor.data)
        }
        return bytes
    }

    static func alignUp(_ value: UInt64, _ alignment: Int) -> UInt64 {
        let alignment = UInt64(alignment)
        return (value + alignment - 1) / alignment * alignment
    }

    static func encode(_ value: GGUFValue, into out: inout ByteWriter) {
        switch value {
        case .uint8(let number): out.append(number)
        case .int8(let number): out.append(number)
        case .uint16(let number): out.append(number)
        case .int16(let number): out.append(number)
        case .uint32(let number): out.append(number)
        case .int32(let number): out.append(number)
        case .float32(let number): out.append(number.bitPattern)
        case .bool(let flag): out.append(UInt8(flag ? 1 : 0))
        case .string(let string): out.appendString(Array(string.utf8))
        case .array(let array): encode(array, into: &out)
        case .uint64(let number): out.append(number)
        case .int64(let number): out.append(number)
        case .float64(let number): out.append(number.bitPattern)
        }
    }

    static func encode(_ array: GGUFArray, into out: inout ByteWriter) {
        out.append(array.elementType.rawValue)
        out.append(UInt64(array.count))
        switch array {
        case .uint8(let values): values.forEach { out.append($0) }
        case .int8(let values): values.forEach { out.append($0) }
        case .uint16(let values): values.forEach { out.append($0) }
        case .int16(let values): values.forEach { out.append($0) }
        case .uint32(let values): values.forEach { out.append($0) }
        case .int32(let values): values.forEach { out.append($0) }
        case .float32(let values): values.forEach { out.append($0.bitPattern) }
        case .bool(let values): values.forEach { out.append(UInt8($0 ? 1 : 0)) }
        case .string(let values): values.forEach { out.appendString(Array($0.utf8)) }
        case .array(let values): values.forEach { encode($0, into: &out) }
        case .uint64(let values): values.forEach { out.append($0) }
        case .int64(let values): values.forEach { out.append($0) }
        case .float64(let values): values.forEach { out.append($0.bitPattern) }
        }
    }
}

/// Little-endian byte output.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// A GGUF string: a uint64 length, then the bytes.
    mutating func appendString(_ raw: [UInt8]) {
        append(UInt64(raw.count))
        append(raw)
    }
}

/// The bytes of a little-endian value, for hand-assembled payloads.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    var writer = ByteWriter()
    writer.append(value)
    return writer.bytes
}

/// The fp16 bit pattern of `value`, little-endian.
func halfBytes(_ value: Float) -> [UInt8] {
    littleEndianBytes(Float16(value).bitPattern)
}

/// Opens bytes as a GGUF file and returns the error, or nil when it opened.
func loadError(_ bytes: [UInt8]) -> GGUFError? {
    do {
        _ = try GGUFFile(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

/// A small deterministic generator so test data is reproducible (SplitMix64).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
