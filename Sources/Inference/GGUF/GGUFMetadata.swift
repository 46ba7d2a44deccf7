/// The key/value metadata of a GGUF file, with typed accessors that name the key when it is missing or of
/// another type.
public struct GGUFMetadata: Sendable {
    /// The keys in the order the file lists them.
    public let keys: [String]
    private let values: [String: GGUFValue]

    /// Builds metadata from entries in file order; the parser has already rejected duplicate keys.
    init(keys: [String], values: [String: GGUFValue]) {
        self.keys = keys
        self.values = values
    }

    /// The number of entries.
    public var count: Int { keys.count }

    /// The value stored under `key`, or nil.
    public subscript(key: String) -> GGUFValue? { values[key] }

    /// Whether the file has an entry for `key`.
    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// The value stored under `key`.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = values[key] else { throw .missingKey(key) }
        return value
    }

    /// The string stored under `key`.
    public func string(_ key: String) throws(GGUFError) -> String {
        let value = try value(key)
        guard case .string(let string) = value else { throw mismatch(key, "string", value) }
        return string
    }

    /// The boolean stored under `key`.
    public func bool(_ key: String) throws(GGUFError) -> Bool {
        let value = try value(key)
        guard case .bool(let bool) = value else { throw mismatch(key, "bool", value) }
        return bool
    }

    /// The uint32 stored under `key`.
    public func uint32(_ key: String) throws(GGUFError) -> UInt32 {
        let value = try value(key)
        guard case .uint32(let number) = value else { throw mismatch(key, "uint32", value) }
        return number
    }

    /// The int32 stored under `key`.
    public func int32(_ key: String) throws(GGUFError) -> Int32 {
        let value = try value(key)
        guard case .int32(let number) = value else { throw mismatch(key, "int32", value) }
        return number
    }

    /// The uint64 stored under `key`.
    public func uint64(_ key: String) throws(GGUFError) -> UInt64 {
        let value = try value(key)
        guard case .uint64(let number) = value else { throw mismatch(key, "uint64", value) }
        return number
    }

    /// The int64 stored under `key`.
    public func int64(_ key: String) throws(GGUFError) -> Int64 {
        let value = try value(key)
        guard case .int64(let number) = value else { throw mismatch(key, "int64", value) }
        return number
    }

    /// The float32 stored under `key`.
    public func float32(_ key: String) throws(GGUFError) -> Float {
        let value = try value(key)
        guard case .float32(let number) = value else { throw mismatch(key, "float32", value) }
        return number
    }

    /// The float32 stored under `key`, or `defaultValue` when the key is absent.
    public func float32(_ key: String, default defaultValue: Float) throws(GGUFError) -> Float {
        contains(key) ? try float32(key) : defaultValue
    }

    /// The float64 stored under `key`.
    public func float64(_ key: String) throws(GGUFError) -> Double {
        let value = try value(key)
        guard case .float64(let number) = value else { throw mismatch(key, "float64", value) }
        return number
    }

    /// The integer of any width stored under `key`, as an Int.
    ///
    /// Converters disagree on the width of counts such as `llama.context_length` (the spec says uint64, most
    /// files hold uint32), so hyperparameters are read through this.
    public func integer(_ key: String) throws(GGUFError) -> Int {
        let value = try value(key)
        guard let number = value.integerValue else {
            if value.type == .uint64 || value.type == .int64 {
                throw .valueOutOfRange(key: key, value: value.description, expected: "Int")
            }
            throw mismatch(key, "an integer", value)
        }
        return number
    }

    /// The integer of any width stored under `key`, or `defaultValue` when the key is absent.
    public func integer(_ key: String, default defaultValue: Int) throws(GGUFError) -> Int {
        contains(key) ? try integer(key) : defaultValue
    }

    /// The array stored under `key`.
    public func array(_ key: String) throws(GGUFError) -> GGUFArray {
        let value = try value(key)
        guard case .array(let array) = value else { throw mismatch(key, "an array", value) }
        return array
    }

    /// The array of strings stored under `key`.
    public func stringArray(_ key: String) throws(GGUFError) -> [String] {
        let value = try value(key)
        guard case .array(.string(let strings)) = value else { throw mismatch(key, "array of string", value) }
        return strings
    }

    /// The array of float32 stored under `key`.
    public func float32Array(_ key: String) throws(GGUFError) -> [Float] {
        let value = try value(key)
        guard case .array(.float32(let numbers)) = value else { throw mismatch(key, "array of float32", value) }
        return numbers
    }

    /// The array of int32 stored under `key`.
    public func int32Array(_ key: String) throws(GGUFError) -> [Int32] {
        let value = try value(key)
        guard case .array(.int32(let numbers)) = value else { throw mismatch(key, "array of int32", value) }
        return numbers
    }

    /// The array of uint32 stored under `key`.
    public func uint32Array(_ key: String) throws(GGUFError) -> [UInt32] {
        let value = try value(key)
        guard case .array(.uint32(let numbers)) = value else { throw mismatch(key, "array of uint32", value) }
        return numbers
    }

    /// The array of integers of any width stored under `key`, as Ints.
    public func integerArray(_ key: String) throws(GGUFError) -> [Int] {
        let value = try value(key)
        let converted: [Int]?
        switch value {
        case .array(.uint8(let numbers)): converted = numbers.map { Int($0) }
        case .array(.int8(let numbers)): converted = numbers.map { Int($0) }
        case .array(.uint16(let numbers)): converted = numbers.map { Int($0) }
        case .array(.int16(let numbers)): converted = numbers.map { Int($0) }
        case .array(.uint32(let numbers)): converted = numbers.map { Int($0) }
        case .array(.int32(let numbers)): converted = numbers.map { Int($0) }
        case .array(.int64(let numbers)): converted = numbers.map { Int($0) }
        case .array(.uint64(let numbers)):
            var result: [Int] = []
            result.reserveCapacity(numbers.count)
            for number in numbers {
                guard let fitted = Int(exactly: number) else {
                    throw .valueOutOfRange(key: key, value: "\(number)", expected: "Int")
                }
                result.append(fitted)
            }
            converted = result
        default: converted = nil
        }
        guard let converted else { throw mismatch(key, "an array of integers", value) }
        return converted
    }

    private func mismatch(_ key: String, _ expected: String, _ found: GGUFValue) -> GGUFError {
        .wrongValueType(key: key, expected: expected, found: found.typeName)
    }
}
