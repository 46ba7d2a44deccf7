import CSodium

/// Pads record plaintexts to a few sizes so the server and the disk learn a size bucket, not a
/// length: 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB, then whole multiples of 64 KiB.
///
/// The scheme is ISO/IEC 7816-4 (one 0x80 byte, then zeros up to the bucket), through
/// libsodium's constant-time `sodium_pad`/`sodium_unpad`. There is always at least one padding
/// byte, so a plaintext of exactly a bucket's size moves up to the next bucket.
public enum RecordPadding {
    /// The fixed buckets below 64 KiB multiples.
    public static let smallBuckets = [256, 1024, 4096, 16384, 65536]
    /// Step of the buckets above the small ones.
    public static let largeStep = 65536
    /// The largest padded plaintext (16 MiB); a record's plaintext is at most one byte less.
    public static let maximumPaddedByteCount = 16 << 20

    /// The padded size for a plaintext of `count` bytes: the smallest bucket above `count`.
    /// - Throws: `RecordError` `.tooLarge` past `maximumPaddedByteCount - 1` bytes.
    public static func bucket(for count: Int) throws -> Int {
        guard count >= 0, count < maximumPaddedByteCount else {
            throw RecordError(
                .tooLarge, "a record holds at most \(maximumPaddedByteCount - 1) bytes, this one \(count)")
        }
        if let small = smallBuckets.first(where: { count < $0 }) { return small }
        return (count / largeStep + 1) * largeStep
    }

    /// Whether `count` is the size of some bucket.
    public static func isBucket(_ count: Int) -> Bool {
        guard count > 0, count <= maximumPaddedByteCount else { return false }
        return smallBuckets.contains(count) || count % largeStep == 0
    }

    /// `plaintext` followed by 0x80 and zeros up to its bucket.
    public static func pad(_ plaintext: some ByteView) throws -> [UInt8] {
        let count = plaintext.byteCount
        let bucket = try bucket(for: count)
        var out = [UInt8](repeating: 0, count: bucket)
        plaintext.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                if count > 0 { dst.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: count) }
            }
        }
        var padded = 0
        let rc = out.withUnsafeMutableBytes {
            sodium_pad(&padded, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count, bucket, bucket)
        }
        precondition(rc == 0 && padded == bucket, "the bucket always leaves room for padding")
        return out
    }

    /// The plaintext inside `padded`.
    /// - Throws: `RecordError` `.badPadding` when the size is not a bucket or the padding is invalid.
    public static func unpad(_ padded: [UInt8]) throws -> [UInt8] {
        guard isBucket(padded.count) else {
            throw RecordError(.badPadding, "a padded record of \(padded.count) bytes is not a bucket size")
        }
        var count = 0
        let rc = padded.withUnsafeBytes {
            sodium_unpad(&count, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), padded.count, padded.count)
        }
        guard rc == 0 else { throw RecordError(.badPadding, "a record's padding is invalid") }
        return Array(padded[0..<count])
    }
}
