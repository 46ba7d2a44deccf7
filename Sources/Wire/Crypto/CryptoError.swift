/// An error of the crypto layer. Stable `code`, a message a user or developer can act on,
/// and never any key, plaintext or other secret in either.
public typealias CryptoError = CodedError<CryptoErrorCode>

/// Stable identifiers of `CryptoError`.
public enum CryptoErrorCode: String, StableErrorCode {
    /// A key has the wrong length for its algorithm.
    case invalidKeyLength = "SOTTO-CRYPTO-KEY-LENGTH"
    /// A nonce has the wrong length for its algorithm.
    case invalidNonceLength = "SOTTO-CRYPTO-NONCE-LENGTH"
    /// An input has the wrong length for the operation.
    case invalidLength = "SOTTO-CRYPTO-LENGTH"
    /// Authenticated decryption failed: the ciphertext or its key is wrong.
    case authenticationFailed = "SOTTO-CRYPTO-AUTH"
    /// A public key is a low-order point, which no honest peer sends.
    case weakPublicKey = "SOTTO-CRYPTO-WEAK-KEY"
    /// A signature did not verify.
    case invalidSignature = "SOTTO-CRYPTO-SIGNATURE"
    /// The cryptographic library lacks an algorithm this build needs.
    case unsupported = "SOTTO-CRYPTO-UNSUPPORTED"
    /// An output longer than the algorithm can produce was asked for.
    case outputTooLong = "SOTTO-CRYPTO-OUTPUT-LENGTH"
    /// Locked memory for a secret could not be allocated (raise `ulimit -l`).
    case outOfMemory = "SOTTO-CRYPTO-MEMORY"
    /// An encrypted stream ended before its final chunk.
    case streamTruncated = "SOTTO-CRYPTO-STREAM-TRUNCATED"
    /// Data was written or arrived after the final chunk of an encrypted stream.
    case streamFinished = "SOTTO-CRYPTO-STREAM-FINISHED"
    /// A key or ciphertext is not in the expected encoding.
    case invalidEncoding = "SOTTO-CRYPTO-ENCODING"
}

extension CodedError where Code == CryptoErrorCode {
    static func keyLength(_ what: String, expected: Int, got: Int) -> CryptoError {
        CryptoError(.invalidKeyLength, "\(what) key must be \(expected) bytes, got \(got)")
    }

    static func nonceLength(_ what: String, expected: Int, got: Int) -> CryptoError {
        CryptoError(.invalidNonceLength, "\(what) nonce must be \(expected) bytes, got \(got)")
    }

    static func authentication(_ what: String) -> CryptoError {
        CryptoError(
            .authenticationFailed,
            "\(what): authentication failed; the data was altered, truncated or encrypted under another key")
    }
}
