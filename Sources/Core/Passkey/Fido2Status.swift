import CFido2

/// libfido2's return codes as `PasskeyError`s. libfido2 passes the key's CTAP2 status through
/// unchanged, so each user-facing failure (wrong PIN, no touch, cancel) has its own code.
enum Fido2Status {
    /// libfido2's name for `status` ("FIDO_ERR_PIN_INVALID").
    static func name(_ status: Int32) -> String {
        fido_strerr(status).map { String(cString: $0) } ?? "libfido2 error \(status)"
    }

    /// The error for a failed `step` ("creating the credential") on `device`.
    static func error(_ status: Int32, during step: String, on device: SecurityKeyDevice) -> PasskeyError {
        switch status {
        case FIDO_ERR_PIN_INVALID:
            return PasskeyError(.wrongPIN, "the PIN for \(device) is wrong; try again")
        case FIDO_ERR_PIN_AUTH_BLOCKED:
            return PasskeyError(
                .wrongPIN, "too many wrong PINs in a row for \(device): remove the key, plug it in again and retry")
        case FIDO_ERR_PIN_BLOCKED:
            return pinBlocked(device)
        case FIDO_ERR_PIN_NOT_SET, FIDO_ERR_PIN_REQUIRED:
            return pinNotSet(device)
        case FIDO_ERR_NO_CREDENTIALS:
            return PasskeyError(
                .noCredential, "\(device) holds no passkey for this service; use the key you registered with")
        case FIDO_ERR_USER_ACTION_TIMEOUT, FIDO_ERR_ACTION_TIMEOUT:
            return timeout(device)
        case FIDO_ERR_KEEPALIVE_CANCEL, FIDO_ERR_OPERATION_DENIED:
            return cancelled()
        case FIDO_ERR_UNSUPPORTED_EXTENSION:
            return hmacSecretUnsupported(device)
        case FIDO_ERR_KEY_STORE_FULL:
            return PasskeyError(
                .deviceError, "\(device) has no room for another passkey; delete one with the key's own tool")
        default:
            return PasskeyError(
                .deviceError, "\(device) failed while \(step) (\(name(status))); unplug it, plug it in and retry")
        }
    }

    static func pinBlocked(_ device: SecurityKeyDevice) -> PasskeyError {
        PasskeyError(
            .pinBlocked,
            "the PIN of \(device) is blocked after too many wrong attempts; only resetting the key (which erases its passkeys) unblocks it"
        )
    }

    static func pinNotSet(_ device: SecurityKeyDevice) -> PasskeyError {
        PasskeyError(
            .pinNotSet, "\(device) has no PIN; set one with the key's tool (for example `fido2-token -S`) and retry")
    }

    static func timeout(_ device: SecurityKeyDevice) -> PasskeyError {
        PasskeyError(.timeout, "nobody touched \(device) in time; try again and touch it when it blinks")
    }

    static func cancelled() -> PasskeyError {
        PasskeyError(.cancelled, "the security key operation was cancelled")
    }

    static func hmacSecretUnsupported(_ device: SecurityKeyDevice) -> PasskeyError {
        PasskeyError(
            .hmacSecretUnsupported,
            "\(device) does not support hmac-secret (the PRF Sotto derives keys from); use another key or a software passkey"
        )
    }
}
