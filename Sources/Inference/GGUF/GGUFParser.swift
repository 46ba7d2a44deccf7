/// What the parser found: everything about a GGUF file but the tensor bytes themselves.
struct GGUFLayout {
    /// A tensor whose every field has been checked against the file.
    struct Tensor {
        let name: String
        let type: GGMLType
        let dimensions: [Int]
        let elementCount: Int
        let offset: Int
        let byteCount: Int
        let fileOffset: Int
    }

    let version: UInt32
    let metadata: GGUFMetadata
    let tensors: [Tensor]
    let alignment: Int
    let dataOffset: Int
}

/// Reads the GGUF v2/v3 header, metadata and tensor infos from untrusted bytes.
///
/// Every count and length is compared with the bytes actually left before it is used, so a hostile file fails
/// fast instead of making us allocate what it claims; all arithmetic on file values is overflow-checked.
struct GGUFParser: ~Copyable {
    static let magic: UInt32 = 0x4655_4747  // "GGUF" read little-endian
    static let defaultAlignment = 32
    static let alignmentKey = "general.alignment"
    /// No real model nests arrays at all; the limit keeps a hostile file from exhausting the stack.
    static let maximumArrayDepth = 8
    /// ggml tensors have one to four dimensions.
    static let maximumDimensions: ClosedRange<UInt32> = 1...4
    /// Key length, value type and the smallest value (one byte).
    static let minimumEntrySize = 8 + 4 + 1
    /// Name length, dimension count, type and offset. A valid info also has at least one dimension, but leaving
    /// it out lets an info with none be reported as such rather than as a bad tensor count.
    static let minimumTensorInfoSize = 8 + 4 + 4 + 8
    /// Reserve no more than this up front for counts read from the file; larger tables grow as entries arrive.
    static let reservationLimit = 4096

    private var reader: ByteReader
    private let size: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        reader = ByteReader(bytes)
        size = bytes.count
    }

    /// Parses the whole file structure and checks every tensor against the data section.
    mutating func parse() throws(GGUFError) -> GGUFLayout {
        let magic = try read(UInt32.self, "the magic number")
        guard magic == Self.magic else { throw .badMagic(found: magic) }
        let version = try read(UInt32.self, "the version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }

        let tensorCountOffset = reader.offset
        let tensorCount = try read(UInt64.self, "the tensor count")
        let entryCountOffset = reader.offset
        let entryCount = try read(UInt64.self, "the metadata entry count")
        // Cheap early rejection of absurd counts; the tensor count is checked again once metadata is read.
        try checkCount(tensorCount, "the tensor count", at: tensorCountOffset, minimumSize: Self.minimumTensorInfoSize)
        try checkCount(entryCount, "the metadata entry count", at: entryCountOffset, minimumSize: Self.minimumEntrySize)

        let metadata = try readMetadata(count: Int(entryCount))
        let alignment = try Self.alignment(in: metadata)
        try checkCount(tensorCount, "the tensor count", at: tensorCountOffset, minimumSize: Self.minimumTensorInfoSize)
        let infos = try readTensorInfos(count: Int(tensorCount))

        let (padded, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
        guard !overflow else { throw .invalidAlignment("is \(alignment), too large for this file") }
        let dataOffset = padded & ~(alignment - 1)
        let tensors = try place(infos, dataOffset: dataOffset, alignment: alignment)
        return GGUFLayout(
            version: version, metadata: metadata, tensors: tensors, alignment: alignment, dataOffset: dataOffset)
    }

    // MARK: Metadata

    private mutating func readMetadata(count: Int) throws(GGUFError) -> GGUFMetadata {
        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        keys.reserveCapacity(min(count, Self.reservationLimit))
        values.reserveCapacity(min(count, Self.reservationLimit))
        for index in 0..<count {
            let key = try readString("the key of metadata entry \(index)")
            guard values[key] == nil else { throw .duplicateKey(key) }
            let typeOffset = reader.offset
            let rawType = try read(UInt32.self, "the value type of \(GGUFError.quote(key))")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw .unknownValueType(key: key, typeID: rawType, offset: typeOffset)
            }
            values[key] = try readValue(type, key: key)
            keys.append(key)
        }
        return GGUFMetadata(keys: keys, values: values)
    }

    private mutating func readValue(_ type: GGUFValueType, key: String) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, Self.valueContext(key)))
        case .int8: return .int8(try read(Int8.self, Self.valueContext(key)))
        case .uint16: return .uint16(try read(UInt16.self, Self.valueContext(key)))
        case .int16: return .int16(try read(Int16.self, Self.valueContext(key)))
        case .uint32: return .uint32(try read(UInt32.self, Self.valueContext(key)))
        case .int32: return .int32(try read(Int32.self, Self.valueContext(key)))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, Self.valueContext(key))))
        case .uint64: return .uint64(try read(UInt64.self, Self.valueContext(key)))
        case .int64: return .int64(try read(Int64.self, Self.valueContext(key)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, Self.valueContext(key))))
        case .bool:
            let offset = reader.offset
            let byte = try read(UInt8.self, Self.valueContext(key))
            guard byte <= 1 else { throw .invalidBool(key: key, byte: byte, offset: offset) }
            return .bool(byte == 1)
        case .string: return .string(try readString(Self.valueContext(key)))
        case .array: return .array(try readArray(key: key, depth: 1))
        }
    }

    private mutating func readArray(key: String, depth: Int) throws(GGUFError) -> GGUFArray {
        guard depth <= Self.maximumArrayDepth else { throw .nestingTooDeep(key: key, limit: Self.maximumArrayDepth) }
        // Contexts are autoclosures, built only on error: a hostile file can hold millions of tiny arrays.
        let typeOffset = reader.offset
        let rawType = try read(UInt32.self, Self.arrayContext(key))
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw .unknownValueType(key: key, typeID: rawType, offset: typeOffset)
        }
        let countOffset = reader.offset
        let rawCount = try read(UInt64.self, Self.arrayContext(key))
        try checkCount(rawCount, Self.arrayContext(key), at: countOffset, minimumSize: type.minimumEncodedSize)
        let count = Int(rawCount)

        switch type {
        case .uint8: return .uint8(Array(try bytes(count, Self.arrayContext(key))))
        case .int8: return .int8(try elements(count, UInt8.self, Self.arrayContext(key)) { Int8(bitPattern: $0) })
        case .uint16: return .uint16(try elements(count, UInt16.self, Self.arrayContext(key)) { $0 })
        case .int16: return .int16(try elements(count, Int16.self, Self.arrayContext(key)) { $0 })
        case .uint32: return .uint32(try elements(count, UInt32.self, Self.arrayContext(key)) { $0 })
        case .int32: return .int32(try elements(count, Int32.self, Self.arrayContext(key)) { $0 })
        case .float32:
            return .float32(try elements(count, UInt32.self, Self.arrayContext(key)) { Float(bitPattern: $0) })
        case .uint64: return .uint64(try elements(count, UInt64.self, Self.arrayContext(key)) { $0 })
        case .int64: return .int64(try elements(count, Int64.self, Self.arrayContext(key)) { $0 })
        case .float64:
            return .float64(try elements(count, UInt64.self, Self.arrayContext(key)) { Double(bitPattern: $0) })
        case .bool:
            let start = reader.offset
            let raw = try bytes(count, Self.arrayContext(key))
            if let bad = raw.firstIndex(where: { $0 > 1 }) {
                throw .invalidBool(key: key, byte: raw[bad], offset: start + bad)
            }
            return .bool(raw.map { $0 == 1 })
        case .string:
            var strings: [String] = []
            strings.reserveCapacity(count)
            for index in 0..<count {
                strings.append(try readString("element \(index) of \(Self.arrayContext(key))"))
            }
            return .string(strings)
        case .array:
            var arrays: [GGUFArray] = []
            arrays.reserveCapacity(count)
            for _ in 0..<count {
                arrays.append(try readArray(key: key, depth: depth + 1))
            }
            return .array(arrays)
        }
    }

    /// Reads `count` little-endian integers in one bounds check; the caller has checked `count` fits.
    private mutating func elements<Raw: FixedWidthInteger, Value>(
        _ count: Int, _: Raw.Type, _ context: @autoclosure () -> String, _ convert: (Raw) -> Value
    ) throws(GGUFError) -> [Value] {
        let width = MemoryLayout<Raw>.size
        let raw = try bytes(count * width, context())
        return [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                buffer[index] = convert(
                    Raw(littleEndian: raw.loadUnaligned(fromByteOffset: index * width, as: Raw.self)))
            }
            initialized = count
        }
    }

    private static func valueContext(_ key: String) -> String { "the value of \(GGUFError.quote(key))" }

    private static func arrayContext(_ key: String) -> String { "the array \(GGUFError.quote(key))" }

    static func alignment(in metadata: GGUFMetadata) throws(GGUFError) -> Int {
        guard let value = metadata[alignmentKey] else { return defaultAlignment }
        guard let alignment = value.integerValue else {
            throw .invalidAlignment("is \(value) (\(value.typeName))")
        }
        guard alignment > 0, alignment & (alignment - 1) == 0 else { throw .invalidAlignment("is \(alignment)") }
        return alignment
    }

    // MARK: Tensors

    private struct TensorInfo {
        let name: String
        let type: GGMLType
        let dimensions: [Int]
        let elementCount: Int
        let byteCount: Int
        let offset: UInt64
    }

    private mutating func readTensorInfos(count: Int) throws(GGUFError) -> [TensorInfo] {
        var infos: [TensorInfo] = []
        var names = Set<String>()
        infos.reserveCapacity(min(count, Self.reservationLimit))
        names.reserveCapacity(min(count, Self.reservationLimit))
        for index in 0..<count {
            let name = try readString("the name of tensor \(index)")
            guard names.insert(name).inserted else { throw .duplicateTensor(name) }
            let quoted = GGUFError.quote(name)

            let dimensionCount = try read(UInt32.self, "the dimension count of tensor \(quoted)")
            guard Self.maximumDimensions.contains(dimensionCount) else {
                throw .invalidDimensionCount(tensor: name, count: dimensionCount)
            }
            var dimensions: [Int] = []
            dimensions.reserveCapacity(Int(dimensionCount))
            var elementCount = 1
            for axis in 0..<Int(dimensionCount) {
                let dimension = try read(UInt64.self, "dimension \(axis) of tensor \(quoted)")
                guard dimension >= 1, dimension <= UInt64(Int64.max) else {
                    throw .invalidDimension(tensor: name, index: axis, value: dimension)
                }
                let (product, overflow) = elementCount.multipliedReportingOverflow(by: Int(dimension))
                guard !overflow else { throw .tensorTooLarge(tensor: name) }
                elementCount = product
                dimensions.append(Int(dimension))
            }

            let typeID = try read(UInt32.self, "the type of tensor \(quoted)")
            guard let type = GGMLType(rawValue: typeID) else { throw .unknownTensorType(tensor: name, typeID: typeID) }
            guard let layout = type.blockLayout else { throw .unsupportedTensorType(tensor: name, type: type) }
            // Rows are dequantized independently, so a block may not straddle two rows.
            guard dimensions[0] % layout.elementsPerBlock == 0 else {
                throw .rowNotBlockAligned(tensor: name, rowLength: dimensions[0], type: type)
            }
            guard let byteCount = type.byteCount(elements: elementCount) else { throw .tensorTooLarge(tensor: name) }

            let offset = try read(UInt64.self, "the data offset of tensor \(quoted)")
            infos.append(
                TensorInfo(
                    name: name, type: type, dimensions: dimensions, elementCount: elementCount,
                    byteCount: byteCount, offset: offset))
        }
        return infos
    }

    /// Checks each tensor's range against the data section and against every other tensor.
    private func place(
        _ infos: [TensorInfo], dataOffset: Int, alignment: Int
    ) throws(GGUFError)
        -> [GGUFLayout.Tensor]
    {
        let available = max(0, size - dataOffset)
        var tensors: [GGUFLayout.Tensor] = []
        tensors.reserveCapacity(infos.count)
        for info in infos {
            guard info.offset % UInt64(alignment) == 0 else {
                throw .misalignedTensor(tensor: info.name, offset: info.offset, alignment: alignment)
            }
            guard info.offset <= UInt64(available), UInt64(info.byteCount) <= UInt64(available) - info.offset else {
                throw .tensorOutOfBounds(
                    tensor: info.name, offset: info.offset, byteCount: info.byteCount, available: available)
            }
            let offset = Int(info.offset)
            tensors.append(
                GGUFLayout.Tensor(
                    name: info.name, type: info.type, dimensions: info.dimensions, elementCount: info.elementCount,
                    offset: offset, byteCount: info.byteCount, fileOffset: dataOffset + offset))
        }
        // Every range is non-empty and inside the file, so sorted neighbours are the only possible overlaps.
        let sorted = tensors.sorted { $0.offset < $1.offset }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.offset + previous.byteCount > next.offset
        {
            throw .overlappingTensors(previous.name, next.name)
        }
        return tensors
    }

    // MARK: Primitives

    private func checkCount(
        _ count: UInt64, _ context: @autoclosure () -> String, at offset: Int, minimumSize: Int
    ) throws(GGUFError) {
        let remaining = reader.remaining
        guard count <= UInt64(remaining / minimumSize) else {
            throw .countTooLarge(context: context(), count: count, offset: offset, available: remaining)
        }
    }

    private mutating func read<T: FixedWidthInteger>(
        _: T.Type, _ context: @autoclosure () -> String
    )
        throws(GGUFError) -> T
    {
        do {
            return try reader.read(T.self)
        } catch {
            throw Self.truncation(error, context())
        }
    }

    private mutating func bytes(
        _ count: Int, _ context: @autoclosure () -> String
    ) throws(GGUFError)
        -> UnsafeRawBufferPointer
    {
        do {
            return try reader.readBytes(count)
        } catch {
            throw Self.truncation(error, context())
        }
    }

    private mutating func readString(_ context: @autoclosure () -> String) throws(GGUFError) -> String {
        let lengthOffset = reader.offset
        let length = try read(UInt64.self, context())
        let remaining = reader.remaining
        guard length <= UInt64(remaining) else {
            throw .stringTooLong(context: context(), length: length, offset: lengthOffset, available: remaining)
        }
        let start = reader.offset
        let raw = try bytes(Int(length), context())
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw .invalidUTF8(context: context(), offset: start)
        }
        return string
    }

    private static func truncation(_ error: ByteReaderError, _ context: String) -> GGUFError {
        switch error {
        case .truncated(let offset, let needed, let available):
            .truncated(context: context, offset: offset, needed: needed, available: available)
        }
    }
}
