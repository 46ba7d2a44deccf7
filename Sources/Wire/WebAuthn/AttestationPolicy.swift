import X509

/// What an attestation statement proves about the authenticator (WebAuthn L3 §6.5.3).
public enum AttestationType: String, Sendable, CustomStringConvertible {
    /// Format `none`: nothing.
    case none
    /// Signed by the credential's own key: proves possession only.
    case selfAttestation = "self"
    /// Signed by an attestation key with a certificate (Basic or AttCA; telling them apart
    /// needs authenticator metadata).
    case basic

    public var description: String { rawValue }
}

/// Whether the attestation certificate chains to a root the caller trusts.
public enum AttestationTrust: String, Sendable, CustomStringConvertible {
    /// No certificate to check (`none` or self attestation).
    case notApplicable = "not applicable"
    /// A certificate was verified, but no trusted roots were given.
    case notChecked = "not checked"
    /// The certificate chains to one of the caller's roots.
    case trusted

    public var description: String { rawValue }
}

/// How registration treats attestation. The default accepts `none` and `packed` and reports
/// what the attestation proves; with roots, a certificate must chain to one of them.
public struct AttestationPolicy: Sendable {
    /// Roots an `x5c` chain must lead to; empty means certificates are verified but not trusted.
    public var trustedRoots: [Certificate]
    /// Refuse `none` and self attestation, and certificates that chain to no trusted root.
    public var requireTrustedAttestation: Bool

    public init(trustedRoots: [Certificate] = [], requireTrustedAttestation: Bool = false) {
        self.trustedRoots = trustedRoots
        self.requireTrustedAttestation = requireTrustedAttestation
    }
}

/// The outcome of checking an attestation statement.
public struct VerifiedAttestation: Sendable {
    /// The statement format ("none" or "packed").
    public let format: String
    /// What it proves.
    public let type: AttestationType
    /// Whether its certificate chains to a trusted root.
    public let trust: AttestationTrust
    /// The attestation certificate chain, leaf first (empty without `x5c`).
    public let certificates: [Certificate]
}
