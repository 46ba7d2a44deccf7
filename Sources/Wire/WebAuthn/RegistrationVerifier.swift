import Foundation

/// A registration that verified: what the relying party stores for the new credential.
public struct VerifiedRegistration: Sendable {
    /// The credential id.
    public let credentialID: [UInt8]
    /// The credential public key; store `publicKey.encoded`.
    public let publicKey: COSEKey
    /// The signature counter at registration.
    public let signCount: UInt32
    /// The authenticator model's AAGUID.
    public let aaguid: [UInt8]
    /// The authenticator data flags (UV, BE, BS matter to the relying party).
    public let flags: AuthenticatorFlags
    /// The authenticator's extension outputs, when any.
    public let extensions: CBORValue?
    /// What the attestation proved.
    public let attestation: VerifiedAttestation
}

/// Verifies a registration ceremony's response (WebAuthn L3 §7.1) for one relying party.
public struct RegistrationVerifier: Sendable {
    /// The longest credential id WebAuthn allows.
    public static let maximumCredentialIDLength = 1023

    /// Whom the credential is for.
    public var relyingParty: RelyingParty
    /// Refuse a response without the UV flag.
    public var requireUserVerification: Bool
    /// The credential algorithms accepted (the options' pubKeyCredParams).
    public var allowedAlgorithms: [COSEAlgorithm]
    /// How attestation is treated.
    public var attestationPolicy: AttestationPolicy

    public init(
        relyingParty: RelyingParty, requireUserVerification: Bool = false,
        allowedAlgorithms: [COSEAlgorithm] = COSEAlgorithm.allCases, attestationPolicy: AttestationPolicy = .init()
    ) {
        self.relyingParty = relyingParty
        self.requireUserVerification = requireUserVerification
        self.allowedAlgorithms = allowedAlgorithms
        self.attestationPolicy = attestationPolicy
    }

    /// Checks a registration response against the challenge the relying party issued.
    /// - Parameters:
    ///   - clientDataJSON: the response's clientDataJSON, as received.
    ///   - attestationObject: the response's CBOR attestation object.
    ///   - challenge: the challenge issued for this ceremony.
    ///   - time: when attestation certificates must be valid.
    /// - Throws: `WebAuthnError` naming the first check that failed.
    public func verify(
        clientDataJSON: [UInt8], attestationObject: [UInt8], challenge: [UInt8], at time: Date = Date()
    ) throws(WebAuthnError) -> VerifiedRegistration {
        let clientData = try CollectedClientData(bytes: clientDataJSON)
        try relyingParty.check(clientData, type: .create, challenge: challenge)
        let object = try AttestationObject(bytes: attestationObject)
        let authenticatorData = object.authenticatorData
        try relyingParty.check(authenticatorData, requireUserVerification: requireUserVerification)
        guard let credential = authenticatorData.attestedCredentialData else {
            throw WebAuthnError(
                .attestedCredentialDataMissing,
                "the registration's authenticator data holds no credential (AT flag clear)")
        }
        guard credential.credentialID.count <= Self.maximumCredentialIDLength else {
            throw WebAuthnError(
                .credentialIDTooLong,
                "the credential id is \(credential.credentialID.count) bytes; at most \(Self.maximumCredentialIDLength)"
            )
        }
        guard allowedAlgorithms.contains(credential.publicKey.algorithm) else {
            throw WebAuthnError(
                .algorithmNotAllowed,
                "the credential uses \(credential.publicKey.algorithm), which the relying party did not offer")
        }
        let attestation = try AttestationStatementVerifier.verify(
            object, clientDataHash: clientData.hash, policy: attestationPolicy, at: time)
        return VerifiedRegistration(
            credentialID: credential.credentialID, publicKey: credential.publicKey,
            signCount: authenticatorData.signCount, aaguid: credential.aaguid, flags: authenticatorData.flags,
            extensions: authenticatorData.extensions, attestation: attestation)
    }
}
