/// An error of the crypto layer. Stable `code`, a message a user or developer can act on,
/// and never any key, plaintext or other secret in either.
public typealias CryptoError = CodedError<CryptoErrorCode>

/// Stable identifiers of `CryptoError`.
public enum CryptoErrorCode: String, StableErrorCode {
    case invalidKeyLength = "SOTTO-CRYPTO-KEY-LENGTH"
    case invalidNonceLength = "SOTTO-CRYPTO-NONCE-LENGTH"
    case invalidLength = "SOTTO-CRYPTO-LENGTH"
    case authenticationFailed = "SOTTO-CRYPTO-AUTH"
    case weakPublicKey = "SOTTO-CRYPTO-WEAK-KEY"
    case invalidSignature = "SOTTO-CRYPTO-SIGNATURE"
    case unsupported = "SOTTO-CRYPTO-UNSUPPORTED"
    case outputTooLong = "SOTTO-CRYPTO-OUTPUT-LENGTH"
    case outOfMemory = "SOTTO-CRYPTO-MEMORY"
    case streamTruncated = "SOTTO-CRYPTO-STREAM-TRUNCATED"
    case streamFinished = "SOTTO-CRYPTO-STREAM-FINISHED"
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
