/// What an assertion's signature counter says about the authenticator.
public enum SignCountCheck: String, Sendable, CustomStringConvertible {
    /// Both the stored and the received counter are zero: the authenticator keeps no counter.
    case unused = "not used"
    /// The counter went up, as it should.
    case advanced
    /// The counter did not go up: the credential may have been cloned. Verification still
    /// succeeds; the relying party decides what to do (§7.2 step 22).
    case regressed

    public var description: String { rawValue }
}

/// An assertion that verified.
public struct VerifiedAuthentication: Sendable {
    /// The authenticator data flags.
    public let flags: AuthenticatorFlags
    /// The received signature counter; store it when `signCountCheck` is `.advanced`.
    public let signCount: UInt32
    /// The counter compared with the stored one.
    public let signCountCheck: SignCountCheck
    /// The authenticator's extension outputs, when any.
    public let extensions: CBORValue?
}

/// Verifies an authentication ceremony's assertion (WebAuthn L3 §7.2) against a stored credential.
public struct AuthenticationVerifier: Sendable {
    /// Whom the assertion must be for.
    public var relyingParty: RelyingParty
    /// Refuse an assertion without the UV flag.
    public var requireUserVerification: Bool

    public init(relyingParty: RelyingParty, requireUserVerification: Bool = false) {
        self.relyingParty = relyingParty
        self.requireUserVerification = requireUserVerification
    }

    /// Checks an assertion.
    /// - Parameters:
    ///   - clientDataJSON: the response's clientDataJSON, as received.
    ///   - authenticatorData: the response's authenticator data.
    ///   - signature: the response's signature.
    ///   - challenge: the challenge issued for this ceremony.
    ///   - publicKey: the credential's public key stored at registration.
    ///   - storedSignCount: the counter stored for the credential.
    /// - Throws: `WebAuthnError` naming the first check that failed. A counter that went
    ///   backwards is no error: it is reported in the result.
    public func verify(
        clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8], challenge: [UInt8],
        publicKey: COSEKey, storedSignCount: UInt32 = 0
    ) throws(WebAuthnError) -> VerifiedAuthentication {
        let clientData = try CollectedClientData(bytes: clientDataJSON)
        try relyingParty.check(clientData, type: .get, challenge: challenge)
        let data = try AuthenticatorData(bytes: authenticatorData)
        try relyingParty.check(data, requireUserVerification: requireUserVerification)
        guard publicKey.isValidSignature(signature, for: authenticatorData + clientData.hash) else {
            throw WebAuthnError(
                .signatureInvalid,
                "the assertion signature does not verify under the credential's \(publicKey.algorithm) key")
        }
        let check: SignCountCheck =
            if data.signCount == 0 && storedSignCount == 0 {
                .unused
            } else if data.signCount > storedSignCount {
                .advanced
            } else {
                .regressed
            }
        return VerifiedAuthentication(
            flags: data.flags, signCount: data.signCount, signCountCheck: check, extensions: data.extensions)
    }
}
