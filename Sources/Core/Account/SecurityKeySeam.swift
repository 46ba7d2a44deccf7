/// The security key authenticator for `register`, `login`, `recover` and `passkeys add` when
/// no software passkey is named: the first FIDO2 key plugged in, through libfido2. Callers
/// treat any error as "no security key here" and may fall back to a software passkey, so it
/// throws when no key is plugged in.
/// - Parameters:
///   - pinSource: asks for the key's PIN.
///   - touchPrompt: tells the user to touch the key, just before it waits.
/// - Throws: `AccountError` `.noSecurityKey` when none is plugged in; `PasskeyError` when
///   listing keys fails.
public func makeSecurityKeyAuthenticator(
    pinSource: any PINSource, touchPrompt: @escaping @Sendable (SecurityKeyDevice) -> Void
) throws -> any Authenticator {
    guard let device = try Fido2Device.list(transport: nil).first else {
        throw AccountError(
            .noSecurityKey,
            "no security key is plugged in; plug one in, or use a software passkey (--software-passkey FILE)")
    }
    return Fido2Authenticator(device: .path(device.path), pinSource: pinSource, touchPrompt: touchPrompt)
}

/// The security keys plugged in now (empty when none, or when listing them fails).
public func pluggedInSecurityKeys() -> [SecurityKeyDevice] {
    (try? Fido2Device.list(transport: nil)) ?? []
}
