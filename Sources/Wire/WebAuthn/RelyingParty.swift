/// The relying party a ceremony must be for: its RP ID and the origins it serves from.
public struct RelyingParty: Hashable, Sendable {
    /// The RP ID (a registrable domain, such as "example.org").
    public var id: String
    /// Origins clientDataJSON may name; `https://` + the RP ID unless set.
    public var allowedOrigins: Set<String>
    /// Accept ceremonies run in a cross-origin frame (clientDataJSON crossOrigin true).
    public var allowsCrossOrigin: Bool
    /// Top-level origins accepted for a cross-origin ceremony (clientDataJSON topOrigin).
    public var allowedTopOrigins: Set<String>

    /// A relying party with RP ID `id`, served from `origins` (default `https://` + `id`).
    public init(
        id: String, origins: Set<String>? = nil, allowsCrossOrigin: Bool = false, allowedTopOrigins: Set<String> = []
    ) {
        self.id = id
        self.allowedOrigins = origins ?? ["https://" + id]
        self.allowsCrossOrigin = allowsCrossOrigin
        self.allowedTopOrigins = allowedTopOrigins
    }

    /// SHA-256 of the RP ID, as authenticator data carries it.
    public var idHash: [UInt8] { HashFunction.sha256.hash(Array(id.utf8)) }

    /// The client data checks both ceremonies share (L3 §7.1 steps 7–10, §7.2 steps 11–14).
    func check(
        _ clientData: CollectedClientData, type: CollectedClientData.CeremonyType, challenge: [UInt8]
    )
        throws(WebAuthnError)
    {
        guard clientData.type == type.rawValue else {
            throw WebAuthnError(.clientDataType, "clientDataJSON's type is not \"\(type.rawValue)\"")
        }
        guard ConstantTime.equals(clientData.challenge, challenge) else {
            throw WebAuthnError(
                .challengeMismatch, "the response answers a different challenge; start the ceremony again")
        }
        guard allowedOrigins.contains(clientData.origin) else {
            throw WebAuthnError(
                .originNotAllowed,
                "clientDataJSON names an origin this relying party does not serve (allowed: \(allowedOrigins.sorted().joined(separator: ", ")))"
            )
        }
        if clientData.crossOrigin {
            guard allowsCrossOrigin else {
                throw WebAuthnError(
                    .crossOriginNotAllowed,
                    "the ceremony ran in a cross-origin frame, which this relying party does not allow")
            }
        }
        if let top = clientData.topOrigin {
            guard allowsCrossOrigin, allowedTopOrigins.contains(top) else {
                throw WebAuthnError(
                    .crossOriginNotAllowed,
                    "the ceremony ran under a top-level origin this relying party does not allow")
            }
        }
    }

    /// The authenticator data checks both ceremonies share: RP ID hash, UP, UV, backup flags.
    func check(_ authenticatorData: AuthenticatorData, requireUserVerification: Bool) throws(WebAuthnError) {
        guard ConstantTime.equals(authenticatorData.rpIDHash, idHash) else {
            throw WebAuthnError(
                .rpIDMismatch, "the authenticator data is for another RP ID than \"\(id)\"")
        }
        let flags = authenticatorData.flags
        guard flags.contains(.userPresent) else {
            throw WebAuthnError(.userNotPresent, "the authenticator did not report user presence (UP flag clear)")
        }
        if requireUserVerification && !flags.contains(.userVerified) {
            throw WebAuthnError(
                .userNotVerified,
                "user verification is required and the authenticator did not verify the user (UV flag clear)")
        }
        if flags.contains(.backedUp) && !flags.contains(.backupEligible) {
            throw WebAuthnError(
                .backupFlagsInvalid, "the authenticator data says backed up (BS) but not backup eligible (BE)")
        }
    }
}
