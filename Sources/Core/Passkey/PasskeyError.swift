import Wire

/// An error of a passkey or its authenticator. Messages name files and what to do; they never
/// hold a passphrase, a PRF output or key material.
public typealias PasskeyError = CodedError<PasskeyErrorCode>

/// Stable identifiers of `PasskeyError`.
public enum PasskeyErrorCode: String, StableErrorCode {
    /// The passphrase does not open the software passkey file.
    case wrongPassphrase = "SOTTO-PASSKEY-WRONG-PASSPHRASE"
    /// The software passkey file is damaged or truncated, or is not a passkey file.
    case fileCorrupt = "SOTTO-PASSKEY-FILE-CORRUPT"
    /// The software passkey file was written by a newer Sotto.
    case fileVersionUnsupported = "SOTTO-PASSKEY-FILE-VERSION"
    /// There is no software passkey file where one was expected.
    case fileMissing = "SOTTO-PASSKEY-FILE-MISSING"
    /// A software passkey file exists where a new one was to be created.
    case fileExists = "SOTTO-PASSKEY-FILE-EXISTS"
    /// The software passkey file cannot be read or written.
    case fileAccess = "SOTTO-PASSKEY-FILE-ACCESS"
    /// The authenticator holds no credential for the relying party or the allowed ids.
    case noCredential = "SOTTO-PASSKEY-NO-CREDENTIAL"
    /// A request's fields are out of range (RP ID, user id, client data hash).
    case invalidRequest = "SOTTO-PASSKEY-REQUEST"
    /// No passphrase was given, or it is empty.
    case passphraseMissing = "SOTTO-PASSKEY-PASSPHRASE-MISSING"
    /// The passphrase file cannot be read.
    case passphraseUnreadable = "SOTTO-PASSKEY-PASSPHRASE-FILE"
    /// No security key is plugged in, or none at the path asked for.
    case noSecurityKey = "SOTTO-PASSKEY-NO-DEVICE"
    /// The security key does not support the hmac-secret extension (WebAuthn PRF).
    case hmacSecretUnsupported = "SOTTO-PASSKEY-NO-HMAC-SECRET"
    /// The security key has neither a PIN nor built-in user verification.
    case pinNotSet = "SOTTO-PASSKEY-PIN-NOT-SET"
    /// The PIN was wrong; the message says how many attempts are left.
    case wrongPIN = "SOTTO-PASSKEY-WRONG-PIN"
    /// The security key's PIN is blocked after too many wrong attempts.
    case pinBlocked = "SOTTO-PASSKEY-PIN-BLOCKED"
    /// Nobody touched the security key in time.
    case timeout = "SOTTO-PASSKEY-TIMEOUT"
    /// The user cancelled: at the PIN prompt, on the key, or by stopping the operation.
    case cancelled = "SOTTO-PASSKEY-CANCELLED"
    /// The security key or libfido2 failed; the message names libfido2's error.
    case deviceError = "SOTTO-PASSKEY-DEVICE"
}

extension PasskeyError {
    /// Refuses a client data hash that is not a SHA-256 digest, as every authenticator must.
    static func checkClientDataHash(_ hash: [UInt8]) throws {
        guard hash.count == 32 else {
            throw PasskeyError(.invalidRequest, "the client data hash is a 32-byte SHA-256 digest")
        }
    }
}
