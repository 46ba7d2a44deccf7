/// Why attestation evidence was refused. Stable `code`, a message a user or operator can act on.
///
/// Evidence is public (reports and certificates carry no secrets), so messages may name fields,
/// versions and products; they never carry key material or user content.
public typealias AttestationError = CodedError<AttestationErrorCode>

/// Stable identifiers of `AttestationError`.
public enum AttestationErrorCode: String, StableErrorCode {
    /// The report is not exactly 1184 bytes (0x4A0).
    case reportSize = "SOTTO-ATTEST-REPORT-SIZE"
    /// The report text is neither binary nor hexadecimal.
    case reportEncoding = "SOTTO-ATTEST-REPORT-ENCODING"
    /// The report's VERSION is not one this build understands.
    case reportVersion = "SOTTO-ATTEST-REPORT-VERSION"
    /// SIGNATURE_ALGO is not ECDSA P-384 with SHA-384.
    case signatureAlgorithm = "SOTTO-ATTEST-SIGNATURE-ALGORITHM"
    /// The report signature is malformed or does not verify under the endorsement key.
    case reportSignature = "SOTTO-ATTEST-REPORT-SIGNATURE"
    /// The report says it was signed by no key, or by a reserved key kind.
    case unsupportedSigningKey = "SOTTO-ATTEST-SIGNING-KEY"
    /// The report names one key kind (VCEK or VLEK) and the certificate is the other.
    case signingKeyMismatch = "SOTTO-ATTEST-SIGNING-KEY-MISMATCH"
    /// A certificate could not be decoded, or lacks a field the verifier needs.
    case certificateParse = "SOTTO-ATTEST-CERT-PARSE"
    /// A certificate uses a signature or key algorithm AMD does not use.
    case certificateAlgorithm = "SOTTO-ATTEST-CERT-ALGORITHM"
    /// A certificate's signature does not verify under its issuer's key.
    case certificateSignature = "SOTTO-ATTEST-CERT-SIGNATURE"
    /// A certificate's validity period ended before the verification time.
    case certificateExpired = "SOTTO-ATTEST-CERT-EXPIRED"
    /// A certificate's validity period starts after the verification time.
    case certificateNotYetValid = "SOTTO-ATTEST-CERT-NOT-YET-VALID"
    /// The root certificate is not one of AMD's pinned roots.
    case untrustedRoot = "SOTTO-ATTEST-UNTRUSTED-ROOT"
    /// The chain, the endorsement key and the report disagree about the processor product.
    case wrongProduct = "SOTTO-ATTEST-WRONG-PRODUCT"
    /// The certificates do not form a chain (issuer names or CA flags do not line up).
    case chainMismatch = "SOTTO-ATTEST-CHAIN-MISMATCH"
    /// The report's REPORTED_TCB differs from the TCB the endorsement key was issued for.
    case tcbMismatch = "SOTTO-ATTEST-TCB-MISMATCH"
    /// The report's CHIP_ID differs from the VCEK's hardware id.
    case chipIDMismatch = "SOTTO-ATTEST-CHIP-ID-MISMATCH"
    /// The guest policy allows debugging, so the host can read guest memory.
    case debugEnabled = "SOTTO-ATTEST-DEBUG"
    /// SMT is allowed or enabled and the verification policy requires it off.
    case smtEnabled = "SOTTO-ATTEST-SMT"
    /// The guest policy allows a migration agent and the verification policy does not.
    case migrationAgent = "SOTTO-ATTEST-MIGRATION-AGENT"
    /// A TCB component is below the verification policy's minimum.
    case tcbTooLow = "SOTTO-ATTEST-TCB-TOO-LOW"
    /// The report was requested at a VMPL the verification policy does not accept.
    case vmplNotAllowed = "SOTTO-ATTEST-VMPL"
    /// The processor product is one the verification policy refuses (EPYC Milan by default).
    case productRefused = "SOTTO-ATTEST-PRODUCT-REFUSED"
    /// The revocation list names the VCEK/VLEK or its ASK/ASVK.
    case revoked = "SOTTO-ATTEST-REVOKED"
    /// The revocation list is not a well-formed X.509 CRL of AMD's profile.
    case revocationListParse = "SOTTO-ATTEST-CRL-PARSE"
    /// The revocation list's signature does not verify under the ARK, or another issuer named it.
    case revocationListSignature = "SOTTO-ATTEST-CRL-SIGNATURE"
    /// The revocation list is past its nextUpdate, or not yet valid.
    case revocationListExpired = "SOTTO-ATTEST-CRL-EXPIRED"
    /// A firmware image `sotto-server measure` cannot read: not whole pages, or a damaged
    /// OVMF footer table or SEV metadata.
    case firmwareImage = "SOTTO-MEASURE-FIRMWARE"
    /// What was asked cannot be measured with this firmware (a kernel without a kernel hashes
    /// section, no SEV-ES reset block) or the arguments are out of range.
    case measurementInput = "SOTTO-MEASURE-INPUT"
}
