/// The account a record belongs to, as the server names it. Sealed into every record's
/// associated data so a record cannot be replayed into another account.
public struct AccountID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Longest account id in UTF-8 bytes.
    public static let maximumByteCount = 255
    /// The id as text.
    public let rawValue: String

    /// - Throws: `RecordError` `.invalidIdentifier` when empty or longer than 255 bytes.
    public init(_ rawValue: String) throws {
        guard (1...Self.maximumByteCount).contains(rawValue.utf8.count) else {
            throw RecordError(.invalidIdentifier, "an account id is 1 to \(Self.maximumByteCount) bytes")
        }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Names the key a record is sealed under (16 bytes, chosen by the key hierarchy). It travels
/// in the clear in the envelope so a reader can pick the key before decrypting.
public struct RecordKeyID: Sendable, Hashable, CustomStringConvertible {
    /// Length of a key id in bytes.
    public static let byteCount = 16
    /// The id's bytes.
    public let bytes: [UInt8]

    /// - Throws: `RecordError` `.invalidIdentifier` unless `bytes` holds 16 bytes.
    public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else {
            throw RecordError(.invalidIdentifier, "a record key id is \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    public var description: String { Hex.encode(bytes) }
}

/// Where a record sits, which is what its envelope's associated data binds: the account, the
/// record's id, its kind and its version. An envelope opens only in the context it was sealed in.
public struct RecordContext: Sendable, Hashable {
    public var account: AccountID
    public var recordID: RecordID
    public var kind: RecordKind
    /// The record's version, raised by one on every change that reaches the server.
    public var version: UInt64

    public init(account: AccountID, recordID: RecordID, kind: RecordKind, version: UInt64) {
        self.account = account
        self.recordID = recordID
        self.kind = kind
        self.version = version
    }

    /// Fixed label that starts the associated data, so it can never equal another protocol's.
    static let label = Array("sotto/record/v1".utf8)

    /// The associated data: label ‖ format version ‖ key id ‖ u16 account length ‖ account ‖
    /// record id ‖ kind ‖ u64 version, integers big-endian. Only the account varies in length
    /// and it is length-prefixed, so two different contexts never give the same bytes.
    func associatedData(formatVersion: UInt8, keyID: RecordKeyID) -> [UInt8] {
        let account = Array(self.account.rawValue.utf8)
        var out = Self.label
        out.reserveCapacity(out.count + 1 + RecordKeyID.byteCount + 2 + account.count + RecordID.byteCount + 9)
        out.append(formatVersion)
        out += keyID.bytes
        out.append(UInt8(account.count >> 8))
        out.append(UInt8(account.count & 0xff))
        out += account
        out += recordID.bytes
        out.append(kind.rawValue)
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: version >> UInt64(shift)))
        }
        return out
    }
}
