/// The seal on a tombstone: a record envelope whose plaintext is a fixed marker, sealed under
/// the record's key in the tombstone's context (account, id, kind, the deletion's version).
/// Only a holder of the account's keys can make one, so a server cannot delete a record on the
/// user's devices; the server sees only that the record is deleted, which it must know to keep
/// its push rules and quota. It is always the smallest bucket, so its size says nothing.
public enum RecordDeletion {
    /// The sealed plaintext. Record payloads are JSON objects and index buckets start with a
    /// format byte, so no other record's plaintext equals it.
    static let marker = Array("sotto/deleted/v1".utf8)

    /// Seals the deletion of the record in `context` (whose version is the tombstone's).
    public static func seal(context: RecordContext, key: SecureBytes, keyID: RecordKeyID) throws -> RecordEnvelope {
        try RecordEnvelope.seal(marker, context: context, key: key, keyID: keyID)
    }

    /// Checks that `envelope` is the deletion of the record in `context`.
    /// - Throws: `RecordError` `.authenticationFailed` when it was sealed elsewhere, under
    ///   another key or altered; `.invalidPayload` when it opens but is not a deletion (a live
    ///   record's envelope offered as a tombstone's seal).
    public static func verify(_ envelope: RecordEnvelope, context: RecordContext, key: SecureBytes) throws {
        var plaintext = try envelope.open(context: context, key: key)
        defer { ConstantTime.wipe(&plaintext) }
        guard ConstantTime.equals(plaintext, marker) else {
            throw RecordError(
                .invalidPayload, "the deletion of \(context.kind) record \(context.recordID) is not a sealed deletion")
        }
    }

    /// Whether `bytes` has a deletion seal's shape (checked by the server, without a key): an
    /// envelope of the current format in the smallest bucket.
    public static func hasShape(_ bytes: [UInt8]) -> Bool {
        guard let envelope = try? RecordEnvelope(bytes: bytes) else { return false }
        return envelope.paddedByteCount == RecordPadding.smallBuckets[0]
    }
}
