import Wire

/// An error of the key hierarchy. Messages never hold key material, PRF outputs or any
/// character of a recovery key (a mistyped one is located by position only).
public typealias KeyError = CodedError<KeyErrorCode>

/// Stable identifiers of `KeyError`.
public enum KeyErrorCode: String, StableErrorCode {
    /// The key-encryption key is not the one this root key was wrapped under.
    case wrongKey = "SOTTO-KEYS-WRONG-KEY"
    /// A wrapped root key does not authenticate: altered, or for another account.
    case wrappedKeyCorrupt = "SOTTO-KEYS-WRAPPED-CORRUPT"
    /// A wrapped root key of a format version this build does not know.
    case wrappedKeyVersion = "SOTTO-KEYS-WRAPPED-VERSION"
    /// A secret of the wrong length (a PRF output, a root key).
    case secretLength = "SOTTO-KEYS-SECRET-LENGTH"
    /// An identifier that cannot be bound (empty, or too long).
    case invalidIdentifier = "SOTTO-KEYS-IDENTIFIER"
    /// A recovery key with too few or too many characters.
    case recoveryKeyLength = "SOTTO-KEYS-RECOVERY-LENGTH"
    /// A recovery key with a character outside its alphabet.
    case recoveryKeyCharacter = "SOTTO-KEYS-RECOVERY-CHARACTER"
    /// A recovery key whose check characters do not match: a character was mistyped.
    case recoveryKeyMistyped = "SOTTO-KEYS-RECOVERY-MISTYPED"
}
