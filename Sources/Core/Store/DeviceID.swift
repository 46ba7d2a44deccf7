import Wire

/// One device (one data folder): 16 random bytes, written as 32 hex digits. It breaks ties
/// between clocks and is carried inside record ciphertexts only.
public struct DeviceID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Length of a device id in bytes.
    public static let byteCount = 16
    /// The id's bytes.
    public let bytes: [UInt8]

    /// - Throws: `RecordError` `.invalidIdentifier` unless `bytes` holds 16 bytes.
    public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else {
            throw RecordError(.invalidIdentifier, "a device id is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    /// An id from its 32 hex digits.
    public init(_ text: some StringProtocol) throws {
        guard text.utf8.count == 2 * Self.byteCount, let bytes = try? Hex.decode(text) else {
            throw RecordError(.invalidIdentifier, "a device id is \(2 * Self.byteCount) hex digits")
        }
        self.bytes = bytes
    }

    /// A fresh random id.
    public static func random() -> DeviceID { try! DeviceID(bytes: SecureRandom.bytes(byteCount)) }

    public var description: String { Hex.encode(bytes) }

    public static func < (lhs: DeviceID, rhs: DeviceID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
