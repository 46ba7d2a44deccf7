import Wire

/// An error of this device's account: its state file, the ceremonies and what the server
/// answered. Messages say what to do; they never hold a key, a PRF output, a recovery key or
/// a session token.
public typealias AccountError = CodedError<AccountErrorCode>

/// Stable identifiers of `AccountError`.
public enum AccountErrorCode: String, StableErrorCode {
    /// This data folder has no account yet.
    case notRegistered = "SOTTO-ACCOUNT-NOT-REGISTERED"
    /// This data folder already belongs to an account.
    case alreadyRegistered = "SOTTO-ACCOUNT-ALREADY-REGISTERED"
    /// The account state file is damaged or not an account file.
    case stateCorrupt = "SOTTO-ACCOUNT-STATE-CORRUPT"
    /// The account state file cannot be read or written.
    case stateAccess = "SOTTO-ACCOUNT-STATE-ACCESS"
    /// The account state file was written by a newer Sotto.
    case stateVersion = "SOTTO-ACCOUNT-STATE-VERSION"
    /// A server was named that is not the one this folder's account lives on.
    case serverMismatch = "SOTTO-ACCOUNT-SERVER-MISMATCH"
    /// No server was named and none is known.
    case serverMissing = "SOTTO-ACCOUNT-SERVER-MISSING"
    /// The server asks for passkeys of a relying party its address does not belong to.
    case relyingPartyMismatch = "SOTTO-ACCOUNT-RP-MISMATCH"
    /// The device has no live session; logging in again makes one.
    case sessionExpired = "SOTTO-ACCOUNT-SESSION-EXPIRED"
    /// The passkey used is not registered to this account (or to any on this server).
    case passkeyNotRegistered = "SOTTO-ACCOUNT-PASSKEY-NOT-REGISTERED"
    /// The authenticator gave no PRF output, so no key can be derived from it.
    case prfUnavailable = "SOTTO-ACCOUNT-PRF-UNAVAILABLE"
    /// The recovery key does not open this account.
    case recoveryKeyRejected = "SOTTO-ACCOUNT-RECOVERY-REJECTED"
    /// No security key can be used (none plugged in, or no support in this build).
    case noSecurityKey = "SOTTO-ACCOUNT-NO-SECURITY-KEY"
    /// A passkey id names no passkey of the account, or more than one.
    case unknownPasskey = "SOTTO-ACCOUNT-UNKNOWN-PASSKEY"
    /// The passkey this device unlocks with cannot be removed from this device.
    case ownPasskey = "SOTTO-ACCOUNT-OWN-PASSKEY"
    /// The server's answer is not what the protocol says.
    case malformedResponse = "SOTTO-ACCOUNT-MALFORMED-RESPONSE"
    /// The logged-in account is another one than this folder's.
    case accountMismatch = "SOTTO-ACCOUNT-MISMATCH"
    /// The user did not confirm removing the passkeys a root key rotation cannot keep.
    case rotationCancelled = "SOTTO-ACCOUNT-ROTATION-CANCELLED"
    /// A root key rotation could not bring every record under the new root (records kept
    /// changing); it resumes when run again.
    case rotationUnsettled = "SOTTO-ACCOUNT-ROTATION-UNSETTLED"
    /// The rotation progress file is damaged or for another account.
    case rotationProgressCorrupt = "SOTTO-ACCOUNT-ROTATION-PROGRESS"
}
