/// A record's identifier: 16 random bytes chosen by the client that creates the record,
/// written as 32 lower-case hex digits. The server and the cache see it.
public struct RecordID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Length of an id in bytes.
    public static let byteCount = 16
    /// The id's bytes.
    public let bytes: [UInt8]

    /// An id from exactly 16 bytes.
    /// - Throws: `RecordError` `.invalidIdentifier` for any other length.
    public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else {
            throw RecordError(.invalidIdentifier, "a record id is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    /// An id from its text form, 32 hex digits.
    /// - Throws: `RecordError` `.invalidIdentifier` when the text is not one.
    public init(_ text: some StringProtocol) throws {
        guard text.utf8.count == 2 * Self.byteCount, let bytes = try? Hex.decode(text) else {
            throw RecordError(.invalidIdentifier, "a record id is \(2 * Self.byteCount) hex digits")
        }
        self.bytes = bytes
    }

    /// A fresh id from the CSPRNG.
    public static func random() -> RecordID {
        // Exactly 16 bytes, so the throwing initialiser cannot fail.
        try! RecordID(bytes: SecureRandom.bytes(byteCount))
    }

    /// The 32 hex digits.
    public var description: String { Hex.encode(bytes) }

    /// Byte order, the order the database sorts them in.
    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
