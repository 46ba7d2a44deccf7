import Foundation

/// Verifies a ceremony given as WebAuthn's JSON serialisations: the options the relying party
/// sent and the credential the client returned. Tells registration from authentication,
/// takes the challenge, RP ID, user verification requirement, algorithms and allowed
/// credentials from the options, and runs the matching verifier.
public struct WebAuthnJSONVerifier: Sendable {
    /// The RP ID; the options' `rp.id` / `rpId` when nil.
    public var rpID: String?
    /// Allowed origins; `https://` + the RP ID when nil.
    public var origins: Set<String>?
    /// The credential's public key from registration (needed for an authentication).
    public var credentialPublicKey: COSEKey?
    /// The counter stored for the credential (authentication).
    public var storedSignCount: UInt32
    /// How attestation is treated (registration).
    public var attestationPolicy: AttestationPolicy

    public init(
        rpID: String? = nil, origins: Set<String>? = nil, credentialPublicKey: COSEKey? = nil,
        storedSignCount: UInt32 = 0, attestationPolicy: AttestationPolicy = .init()
    ) {
        self.rpID = rpID
        self.origins = origins
        self.credentialPublicKey = credentialPublicKey
        self.storedSignCount = storedSignCount
        self.attestationPolicy = attestationPolicy
    }

    /// What verified.
    public enum Outcome: Sendable {
        /// A registration, for `rpID`.
        case registration(VerifiedRegistration, rpID: String)
        /// An authentication with credential `credentialID`, for `rpID`.
        case authentication(VerifiedAuthentication, credentialID: [UInt8], publicKey: COSEKey, rpID: String)
    }

    /// Verifies `response` against `options`.
    /// - Throws: `WebAuthnError`: `.jsonMalformed`, `.ceremonyMismatch` when the two belong to
    ///   different ceremonies, `.publicKeyMissing`, or what the ceremony's verifier throws.
    public func verify(options: [UInt8], response: [UInt8], at time: Date = Date()) throws(WebAuthnError) -> Outcome {
        let parsedOptions = try WebAuthnJSON.Options(json: options)
        let parsedResponse = try WebAuthnJSON.Response(json: response)
        let credentialType =
            switch parsedResponse {
            case .registration(let r): r.type
            case .authentication(let a): a.type
            }
        guard credentialType == "public-key" else {
            throw WebAuthnError(.jsonMalformed, "the response's type is not \"public-key\"")
        }
        switch (parsedOptions, parsedResponse) {
        case (.creation(let options), .registration(let response)):
            return try verifyRegistration(options, response, at: time)
        case (.request(let options), .authentication(let response)):
            return try verifyAuthentication(options, response)
        case (.creation, .authentication):
            throw WebAuthnError(
                .ceremonyMismatch, "the options are for a registration and the response is an authentication")
        case (.request, .registration):
            throw WebAuthnError(
                .ceremonyMismatch, "the options are for an authentication and the response is a registration")
        }
    }

    private func relyingParty(optionsID: String?) throws(WebAuthnError) -> RelyingParty {
        guard let id = rpID ?? optionsID, !id.isEmpty else {
            throw WebAuthnError(.jsonMalformed, "the options name no RP ID (rp.id or rpId); give one explicitly")
        }
        return RelyingParty(id: id, origins: origins)
    }

    private func verifyRegistration(
        _ options: WebAuthnJSON.CreationOptions, _ response: WebAuthnJSON.RegistrationResponse, at time: Date
    ) throws(WebAuthnError) -> Outcome {
        let party = try relyingParty(optionsID: options.rp.id)
        let offered = options.pubKeyCredParams.filter { $0.type == "public-key" }.compactMap {
            COSEAlgorithm(rawValue: $0.alg)
        }
        // An empty list means the client's defaults, ES256 and RS256 (L3 §5.4).
        let algorithms: [COSEAlgorithm] = options.pubKeyCredParams.isEmpty ? [.es256, .rs256] : offered
        let verifier = RegistrationVerifier(
            relyingParty: party,
            requireUserVerification: options.authenticatorSelection?.userVerification == "required",
            allowedAlgorithms: algorithms, attestationPolicy: attestationPolicy)
        let id = try Base64URL.decode(response.id, field: "the response's id")
        let rawID = try Base64URL.decode(response.rawId, field: "the response's rawId")
        let verified = try verifier.verify(
            clientDataJSON: try Base64URL.decode(response.response.clientDataJSON, field: "clientDataJSON"),
            attestationObject: try Base64URL.decode(response.response.attestationObject, field: "attestationObject"),
            challenge: try Base64URL.decode(options.challenge, field: "the options' challenge"), at: time)
        guard id == rawID, id == verified.credentialID else {
            throw WebAuthnError(
                .credentialIDMismatch,
                "the response's id and rawId must both equal the credential id in the authenticator data")
        }
        return .registration(verified, rpID: party.id)
    }

    private func verifyAuthentication(
        _ options: WebAuthnJSON.RequestOptions, _ response: WebAuthnJSON.AuthenticationResponse
    ) throws(WebAuthnError) -> Outcome {
        let party = try relyingParty(optionsID: options.rpId)
        let id = try Base64URL.decode(response.id, field: "the response's id")
        let rawID = try Base64URL.decode(response.rawId, field: "the response's rawId")
        guard id == rawID else {
            throw WebAuthnError(.credentialIDMismatch, "the response's id and rawId differ")
        }
        if let allowed = options.allowCredentials, !allowed.isEmpty {
            var ids = [[UInt8]]()
            for descriptor in allowed { ids.append(try Base64URL.decode(descriptor.id, field: "allowCredentials id")) }
            guard ids.contains(id) else {
                throw WebAuthnError(
                    .credentialIDMismatch, "the response's credential is not in the options' allowCredentials")
            }
        }
        guard let credentialPublicKey else {
            throw WebAuthnError(
                .publicKeyMissing,
                "an authentication is checked against the credential public key stored at registration")
        }
        let verifier = AuthenticationVerifier(
            relyingParty: party, requireUserVerification: options.userVerification == "required")
        let verified = try verifier.verify(
            clientDataJSON: try Base64URL.decode(response.response.clientDataJSON, field: "clientDataJSON"),
            authenticatorData: try Base64URL.decode(response.response.authenticatorData, field: "authenticatorData"),
            signature: try Base64URL.decode(response.response.signature, field: "signature"),
            challenge: try Base64URL.decode(options.challenge, field: "the options' challenge"),
            publicKey: credentialPublicKey, storedSignCount: storedSignCount)
        return .authentication(verified, credentialID: id, publicKey: credentialPublicKey, rpID: party.id)
    }
}
