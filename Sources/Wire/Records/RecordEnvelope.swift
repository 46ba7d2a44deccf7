/// A sealed record as the server and the local cache hold it:
///
///     format version (1 byte, 1) ‖ key id (16) ‖ nonce (24) ‖ XChaCha20-Poly1305(padded plaintext) ‖ tag (16)
///
/// The associated data binds the header and the record's context (`RecordContext`), so an
/// envelope moved to another account, id, kind or version, or given another key id, fails to
/// open. The server can check the shape (version, bucket size) but never the content.
public struct RecordEnvelope: Sendable, Hashable {
    /// The only format version written today.
    public static let currentFormatVersion: UInt8 = 1
    /// Bytes before the ciphertext: version, key id, nonce.
    public static let headerByteCount = 1 + RecordKeyID.byteCount + 24
    /// The smallest well-formed envelope (smallest bucket).
    public static let minimumByteCount = headerByteCount + 256 + AEAD.tagByteCount

    /// The whole envelope.
    public let bytes: [UInt8]

    /// Parses the shape of `bytes` without any key.
    /// - Throws: `RecordError` `.unsupportedVersion` for an unknown format version, `.malformed`
    ///   when the ciphertext is not a bucket size plus the tag.
    public init(bytes: [UInt8]) throws {
        guard let version = bytes.first else { throw RecordError(.malformed, "a record envelope is empty") }
        guard version == Self.currentFormatVersion else {
            throw RecordError(
                .unsupportedVersion,
                "record format \(version) is newer than this Sotto reads (\(Self.currentFormatVersion)); update Sotto")
        }
        let padded = bytes.count - Self.headerByteCount - AEAD.tagByteCount
        guard padded > 0, RecordPadding.isBucket(padded) else {
            throw RecordError(.malformed, "a record envelope of \(bytes.count) bytes is truncated or not padded")
        }
        self.bytes = bytes
    }

    /// The format version (first byte).
    public var formatVersion: UInt8 { bytes[0] }
    /// The id of the key it is sealed under.
    public var keyID: RecordKeyID { try! RecordKeyID(bytes: bytes[1..<(1 + RecordKeyID.byteCount)]) }
    /// The padded plaintext's size (its bucket), which is all the envelope tells about length.
    public var paddedByteCount: Int { bytes.count - Self.headerByteCount - AEAD.tagByteCount }

    /// Pads and seals `plaintext` for `context` under `key`, with a fresh random nonce.
    /// - Throws: `RecordError` `.tooLarge` past the largest bucket; `CryptoError` for a bad key length.
    public static func seal(
        _ plaintext: some ByteView, context: RecordContext, key: SecureBytes, keyID: RecordKeyID
    ) throws -> RecordEnvelope {
        var padded = try RecordPadding.pad(plaintext)
        defer { ConstantTime.wipe(&padded) }
        let nonce = SecureRandom.bytes(AEAD.xChaCha20Poly1305.nonceByteCount)
        let ad = context.associatedData(formatVersion: currentFormatVersion, keyID: keyID)
        let sealed = try AEAD.xChaCha20Poly1305.seal(key: key, nonce: nonce, plaintext: padded, ad: ad)
        var out = [currentFormatVersion]
        out.reserveCapacity(headerByteCount + sealed.count)
        out += keyID.bytes
        out += nonce
        out += sealed
        return RecordEnvelope(unchecked: out)
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Opens the envelope in `context` with `key` and removes the padding.
    /// - Throws: `RecordError` `.authenticationFailed` when any byte, the context or the key
    ///   differs from sealing; `.badPadding` when the plaintext's padding is invalid.
    public func open(context: RecordContext, key: SecureBytes) throws -> [UInt8] {
        let ad = context.associatedData(formatVersion: formatVersion, keyID: keyID)
        let nonce = bytes[(1 + RecordKeyID.byteCount)..<Self.headerByteCount]
        let ciphertext = bytes[Self.headerByteCount...]
        var padded: [UInt8]
        do {
            padded = try AEAD.xChaCha20Poly1305.open(key: key, nonce: nonce, ciphertext: ciphertext, ad: ad)
        } catch let error as CryptoError where error.code == .authenticationFailed {
            throw RecordError(
                .authenticationFailed,
                "\(context.kind) record \(context.recordID) version \(context.version) failed authentication:"
                    + " it was altered, moved, or sealed under another key")
        }
        defer { ConstantTime.wipe(&padded) }
        return try RecordPadding.unpad(padded)
    }
}
