/// The type id GGUF stores before each metadata value.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0
    case int8 = 1
    case uint16 = 2
    case int16 = 3
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    case bool = 7
    case string = 8
    case array = 9
    case uint64 = 10
    case int64 = 11
    case float64 = 12

    /// Bytes one value of this type takes at the least: its width, or its length prefix when variable.
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string: 8
        case .array: 12
        }
    }

    public var description: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .float32: "float32"
        case .bool: "bool"
        case .string: "string"
        case .array: "array"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float64: "float64"
        }
    }
}

/// One metadata value of a GGUF file.
public enum GGUFValue: Equatable, Sendable, CustomStringConvertible {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    case array(GGUFArray)
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The GGUF type id of this value.
    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .float32: .float32
        case .bool: .bool
        case .string: .string
        case .array: .array
        case .uint64: .uint64
        case .int64: .int64
        case .float64: .float64
        }
    }

    /// The value as an Int when it is an integer of any width that fits, else nil.
    public var integerValue: Int? {
        switch self {
        case .uint8(let value): Int(value)
        case .int8(let value): Int(value)
        case .uint16(let value): Int(value)
        case .int16(let value): Int(value)
        case .uint32(let value): Int(value)
        case .int32(let value): Int(value)
        case .uint64(let value): Int(exactly: value)
        case .int64(let value): Int(exactly: value)
        default: nil
        }
    }

    /// The type's name as error messages show it, such as "array of string".
    public var typeName: String {
        if case .array(let array) = self { return "array of \(array.elementTypeName)" }
        return type.description
    }

    public var description: String {
        switch self {
        case .uint8(let value): "\(value)"
        case .int8(let value): "\(value)"
        case .uint16(let value): "\(value)"
        case .int16(let value): "\(value)"
        case .uint32(let value): "\(value)"
        case .int32(let value): "\(value)"
        case .float32(let value): "\(value)"
        case .bool(let value): "\(value)"
        case .string(let value): GGUFError.quote(value)
        case .array(let value): "[\(value.count) × \(value.elementTypeName)]"
        case .uint64(let value): "\(value)"
        case .int64(let value): "\(value)"
        case .float64(let value): "\(value)"
        }
    }
}

/// A homogeneous GGUF array, stored as a typed Swift array so a large vocabulary costs no per-element boxing.
public enum GGUFArray: Equatable, Sendable {
    case uint8([UInt8])
    case int8([Int8])
    case uint16([UInt16])
    case int16([Int16])
    case uint32([UInt32])
    case int32([Int32])
    case float32([Float])
    case bool([Bool])
    case string([String])
    case array([GGUFArray])
    case uint64([UInt64])
    case int64([Int64])
    case float64([Double])

    /// The GGUF type id of the elements.
    public var elementType: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .float32: .float32
        case .bool: .bool
        case .string: .string
        case .array: .array
        case .uint64: .uint64
        case .int64: .int64
        case .float64: .float64
        }
    }

    /// The number of elements.
    public var count: Int {
        switch self {
        case .uint8(let values): values.count
        case .int8(let values): values.count
        case .uint16(let values): values.count
        case .int16(let values): values.count
        case .uint32(let values): values.count
        case .int32(let values): values.count
        case .float32(let values): values.count
        case .bool(let values): values.count
        case .string(let values): values.count
        case .array(let values): values.count
        case .uint64(let values): values.count
        case .int64(let values): values.count
        case .float64(let values): values.count
        }
    }

    /// The element type's name, such as "string"; nested arrays say just "array".
    public var elementTypeName: String { elementType.description }
}
