/// The security key authenticator of this build, for `register`, `login`, `recover` and
/// `passkeys add` when no software passkey is named. Callers treat any error as "no security
/// key here" and may fall back to a software passkey, so it must throw when no key is plugged in.
///
/// The libfido2 authenticator is connected here; until then every call says so.
/// - Throws: `AccountError` `.noSecurityKey`.
public func makeSecurityKeyAuthenticator() throws -> any Authenticator {
    throw AccountError(
        .noSecurityKey,
        "no security key support yet in this build; use a software passkey (--software-passkey FILE)")
}
