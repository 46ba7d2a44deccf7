import Wire

/// Produces evidence that binds `reportData` to the code this server runs: a hardware
/// report from the TEE, or a simulated one in development.
public protocol AttestationProvider: Sendable {
    /// The platform the evidence is for.
    var platform: AttestationPlatform { get }
    /// True for simulated evidence (development); clients label it and trust it only with `--dev`.
    var isSimulated: Bool { get }
    /// Evidence whose report carries exactly these 64 bytes of report data.
    func evidence(reportData: [UInt8]) async throws -> AttestationEvidence
}

/// Why evidence could not be produced.
public typealias AttestationProviderError = CodedError<AttestationProviderErrorCode>

/// Stable identifiers of `AttestationProviderError`.
public enum AttestationProviderErrorCode: String, StableErrorCode {
    /// This machine offers no attestation interface (not a confidential VM, or configfs-tsm missing).
    case unavailable = "SOTTO-TEE-UNAVAILABLE"
    /// The TEE refused or failed to produce a report.
    case failed = "SOTTO-TEE-FAILED"
    /// The TEE's report is not what its ABI describes.
    case malformed = "SOTTO-TEE-MALFORMED"
}
