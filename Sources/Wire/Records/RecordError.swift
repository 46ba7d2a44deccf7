/// An error about a stored record: its envelope, padding or payload. Messages name ids and
/// sizes only, never content or keys.
public typealias RecordError = CodedError<RecordErrorCode>

/// Stable identifiers of `RecordError`.
public enum RecordErrorCode: String, StableErrorCode {
    /// The envelope is shorter than its header and tag, or its size is not a padding bucket.
    case malformed = "SOTTO-RECORD-MALFORMED"
    /// The envelope's format version is not one this build reads.
    case unsupportedVersion = "SOTTO-RECORD-VERSION"
    /// The tag did not verify: altered bytes, another record's context, or the wrong key.
    case authenticationFailed = "SOTTO-RECORD-AUTH"
    /// The decrypted plaintext does not end in valid ISO/IEC 7816-4 padding.
    case badPadding = "SOTTO-RECORD-PADDING"
    /// The plaintext is larger than a record may be.
    case tooLarge = "SOTTO-RECORD-TOO-LARGE"
    /// No key is known for the envelope's key id.
    case unknownKey = "SOTTO-RECORD-KEY"
    /// The plaintext decrypted but is not a valid payload of its kind.
    case invalidPayload = "SOTTO-RECORD-PAYLOAD"
    /// An id, kind or account is not in its expected form.
    case invalidIdentifier = "SOTTO-RECORD-ID"
}
