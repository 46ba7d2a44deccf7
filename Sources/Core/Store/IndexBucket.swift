import Wire

/// One bucket of the account's authenticated index (docs/RECORDS.md): for each record whose id
/// starts with the bucket's byte, the highest version any device has had accepted by the server.
/// Buckets are records of kind `index`, sealed like any other, so the server can neither read
/// nor forge them; a device that holds a bucket and lacks a version it names knows the server
/// withheld or rolled back that record. Merging keeps the larger version of each entry, so
/// devices that update one bucket at the same time never lose each other's entries.
public struct IndexBucket: Sendable, Hashable {
    /// Buckets in the index: a record's bucket is the first byte of its (random) id, so at
    /// 100,000 records a bucket holds about 400 entries (under 10 KB) and a push seals only
    /// the buckets its records fall in.
    public static let count = 256
    static let formatVersion: UInt8 = 1
    static let entryByteCount = RecordID.byteCount + 8

    /// The index bucket ids, by bucket number. Fixed and public: every device of an account
    /// must update the same records, and the server sees the kind anyway.
    public static let ids: [RecordID] = (0..<count).map { number in
        try! RecordID(bytes: HashFunction.sha256.hash(Array("sotto/index/v1".utf8), [UInt8(number)]).prefix(16))
    }
    static let idSet = Set(ids)

    /// Highest version accepted per record.
    public private(set) var entries: [RecordID: UInt64]

    public init(entries: [RecordID: UInt64] = [:]) { self.entries = entries }

    /// The bucket number record `id` belongs to.
    public static func bucket(of id: RecordID) -> Int { Int(id.bytes[0]) }

    /// Whether `id` is one of the index's own buckets (which are not indexed).
    public static func isBucket(_ id: RecordID) -> Bool { idSet.contains(id) }

    /// Records that `id` reached `version`; returns whether the bucket changed.
    @discardableResult
    public mutating func raise(_ id: RecordID, to version: UInt64) -> Bool {
        guard version > entries[id] ?? 0 else { return false }
        entries[id] = version
        return true
    }

    /// Takes in another copy's entries, keeping the larger version of each; returns whether
    /// this bucket changed.
    @discardableResult
    public mutating func merge(_ other: IndexBucket) -> Bool {
        var changed = false
        for (id, version) in other.entries where raise(id, to: version) { changed = true }
        return changed
    }

    /// The plaintext: u8 format (1) ‖ for each entry in id order, id (16 bytes) ‖ u64 version.
    func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.formatVersion]
        out.reserveCapacity(1 + entries.count * Self.entryByteCount)
        for (id, version) in entries.sorted(by: { $0.key < $1.key }) {
            out += id.bytes
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: version >> UInt64(shift)))
            }
        }
        return out
    }

    /// Reads a bucket's plaintext.
    /// - Throws: `RecordError` `.invalidPayload` when it is not an index bucket of this format.
    init(decoding bytes: [UInt8], id: RecordID) throws {
        guard bytes.first == Self.formatVersion, (bytes.count - 1) % Self.entryByteCount == 0 else {
            throw RecordError(.invalidPayload, "index record \(id) decrypted but is not an index bucket")
        }
        var entries: [RecordID: UInt64] = [:]
        entries.reserveCapacity((bytes.count - 1) / Self.entryByteCount)
        var offset = 1
        while offset < bytes.count {
            let recordID = try RecordID(bytes: bytes[offset..<(offset + RecordID.byteCount)])
            var version: UInt64 = 0
            for byte in bytes[(offset + RecordID.byteCount)..<(offset + Self.entryByteCount)] {
                version = version << 8 | UInt64(byte)
            }
            entries[recordID] = version
            offset += Self.entryByteCount
        }
        self.entries = entries
    }
}
