/// One CBOR data item (RFC 8949), restricted to what WebAuthn and CTAP2 use: integers, byte
/// and text strings, arrays, maps, booleans and null. No floats, tags or undefined.
public indirect enum CBORValue: Hashable, Sendable {
    /// Major type 0: an unsigned integer.
    case unsigned(UInt64)
    /// Major type 1: the integer -1 - n.
    case negative(UInt64)
    /// Major type 2.
    case bytes([UInt8])
    /// Major type 3 (valid UTF-8).
    case text(String)
    /// Major type 4.
    case array([CBORValue])
    /// Major type 5, entries in the order they were decoded (or are to be encoded).
    case map([CBORMapEntry])
    /// Simple values 20 and 21.
    case bool(Bool)
    /// Simple value 22.
    case null

    /// The integer `value` as major type 0 or 1.
    public static func int(_ value: Int) -> CBORValue {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value))
    }

    /// The integer, when this is one that fits an `Int`.
    public var intValue: Int? {
        switch self {
        case .unsigned(let n) where n <= UInt64(Int.max): Int(n)
        case .negative(let n) where n <= UInt64(Int.max): -1 - Int(n)
        default: nil
        }
    }

    /// The bytes of a byte string.
    public var bytesValue: [UInt8]? {
        if case .bytes(let b) = self { b } else { nil }
    }

    /// The text of a text string.
    public var textValue: String? {
        if case .text(let t) = self { t } else { nil }
    }

    /// The items of an array.
    public var arrayValue: [CBORValue]? {
        if case .array(let a) = self { a } else { nil }
    }

    /// The entries of a map.
    public var mapValue: [CBORMapEntry]? {
        if case .map(let m) = self { m } else { nil }
    }

    /// The value under `key` when this is a map holding it.
    public subscript(key: CBORValue) -> CBORValue? {
        mapValue?.first { $0.key == key }?.value
    }

    /// The value under the integer `key` (COSE labels).
    public subscript(label: Int) -> CBORValue? { self[.int(label)] }

    /// The value under the text `key` (attestation object members).
    public subscript(member: String) -> CBORValue? { self[.text(member)] }

    /// A short name of the item's kind, for error messages.
    public var kindName: String {
        switch self {
        case .unsigned, .negative: "integer"
        case .bytes: "byte string"
        case .text: "text string"
        case .array: "array"
        case .map: "map"
        case .bool: "boolean"
        case .null: "null"
        }
    }
}

/// One key-value pair of a CBOR map.
public struct CBORMapEntry: Hashable, Sendable {
    public var key: CBORValue
    public var value: CBORValue

    public init(_ key: CBORValue, _ value: CBORValue) {
        self.key = key
        self.value = value
    }
}
