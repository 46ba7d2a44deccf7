/// Why Intel TDX evidence was refused. Stable `code`, a message a user or operator can act on.
///
/// Quotes, certificates and collateral are public, so messages may name fields, sizes and
/// certificates; they never carry user content.
public typealias TDXError = CodedError<TDXErrorCode>

/// Stable identifiers of `TDXError`: one per malformed part of a quote and one per refused check.
public enum TDXErrorCode: String, StableErrorCode {
    // MARK: Reading the quote

    /// The quote text is neither binary nor hexadecimal.
    case quoteEncoding = "SOTTO-TDX-QUOTE-ENCODING"
    /// The quote is shorter than its 48-byte header.
    case header = "SOTTO-TDX-HEADER"
    /// The header's version is neither 4 nor 5.
    case version = "SOTTO-TDX-VERSION"
    /// The attestation key type is not ECDSA P-256 (2).
    case attestationKeyType = "SOTTO-TDX-KEY-TYPE"
    /// The TEE type is not TDX (0x81).
    case teeType = "SOTTO-TDX-TEE-TYPE"
    /// The quoting enclave's vendor is not Intel.
    case qeVendor = "SOTTO-TDX-QE-VENDOR"
    /// The body is cut short, of an unknown type, or its stated size does not match its type.
    case body = "SOTTO-TDX-BODY"
    /// The signature data's length field is cut short or disagrees with the quote, or non-zero
    /// bytes follow it.
    case signatureData = "SOTTO-TDX-SIGNATURE-DATA"
    /// The certification data is not of type 6 (QE report certification data), or its size
    /// disagrees with what it holds.
    case certificationData = "SOTTO-TDX-CERT-DATA"
    /// The QE report or its signature is cut short.
    case qeReport = "SOTTO-TDX-QE-REPORT"
    /// The QE authentication data's size runs past the certification data.
    case qeAuthData = "SOTTO-TDX-QE-AUTH-DATA"
    /// The inner certification data is not of type 5 (a PEM PCK chain), or its size disagrees
    /// with the certification data.
    case pckChainData = "SOTTO-TDX-PCK-CHAIN-DATA"

    // MARK: Verifying it

    /// A certificate could not be decoded, or a chain does not hold the certificates it must.
    case certificateParse = "SOTTO-TDX-CERT-PARSE"
    /// A certificate is not ECDSA P-256 with SHA-256, as all of Intel's SGX/TDX certificates are.
    case certificateAlgorithm = "SOTTO-TDX-CERT-ALGORITHM"
    /// A certificate's signature does not verify under its issuer's key.
    case certificateSignature = "SOTTO-TDX-CERT-SIGNATURE"
    /// A certificate's validity period ended before the verification time.
    case certificateExpired = "SOTTO-TDX-CERT-EXPIRED"
    /// A certificate's validity period starts after the verification time.
    case certificateNotYetValid = "SOTTO-TDX-CERT-NOT-YET-VALID"
    /// The chain's root is not the pinned Intel SGX Root CA.
    case untrustedRoot = "SOTTO-TDX-UNTRUSTED-ROOT"
    /// The certificates do not form a chain (issuer names, CA flags or Intel's names do not line up).
    case chainMismatch = "SOTTO-TDX-CHAIN-MISMATCH"
    /// The QE report's signature does not verify under the PCK certificate's key.
    case qeReportSignature = "SOTTO-TDX-QE-REPORT-SIGNATURE"
    /// The QE report's REPORT_DATA is not SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.
    case qeReportData = "SOTTO-TDX-QE-REPORT-DATA"
    /// The attestation key is not a point on P-256.
    case attestationKey = "SOTTO-TDX-ATTESTATION-KEY"
    /// The quote's signature does not verify under the attestation key.
    case quoteSignature = "SOTTO-TDX-QUOTE-SIGNATURE"

    // MARK: Judging it with collateral

    /// The PCK certificate's SGX extension is missing or malformed (FMSPC, PCE id, TCB).
    case pckExtensions = "SOTTO-TDX-PCK-EXTENSIONS"
    /// The collateral JSON, its TCB info or its QE identity is missing a field or malformed.
    case collateralParse = "SOTTO-TDX-COLLATERAL-PARSE"
    /// The collateral is not TDX TCB info version 3 and TD_QE identity version 2.
    case collateralKind = "SOTTO-TDX-COLLATERAL-KIND"
    /// The TCB info's signature does not verify under the TCB signing key.
    case tcbInfoSignature = "SOTTO-TDX-TCB-INFO-SIGNATURE"
    /// The QE identity's signature does not verify under the TCB signing key.
    case qeIdentitySignature = "SOTTO-TDX-QE-IDENTITY-SIGNATURE"
    /// The TCB info or QE identity is past its nextUpdate at the verification time.
    case collateralExpired = "SOTTO-TDX-COLLATERAL-EXPIRED"
    /// The TCB info or QE identity was issued after the verification time.
    case collateralNotYetValid = "SOTTO-TDX-COLLATERAL-NOT-YET-VALID"
    /// The TCB info is for another platform family (FMSPC) than the PCK certificate's.
    case fmspcMismatch = "SOTTO-TDX-FMSPC-MISMATCH"
    /// The TCB info is for another PCE than the PCK certificate's.
    case pceIDMismatch = "SOTTO-TDX-PCE-ID-MISMATCH"
    /// The quoting enclave is not the one the QE identity names (MRSIGNER, ISVPRODID,
    /// MISCSELECT or ATTRIBUTES differ).
    case qeIdentityMismatch = "SOTTO-TDX-QE-IDENTITY"
    /// The TDX module is not one the TCB info names (its major version has no identity, or
    /// MRSIGNERSEAM or SEAMATTRIBUTES differ).
    case tdxModuleMismatch = "SOTTO-TDX-MODULE"
    /// The platform, TDX module or QE TCB matches no level of the collateral ("TCB not supported").
    case tcbNotSupported = "SOTTO-TDX-TCB-NOT-SUPPORTED"
    /// A TCB level's status is OutOfDate (or OutOfDateConfigurationNeeded).
    case tcbOutOfDate = "SOTTO-TDX-TCB-OUT-OF-DATE"
    /// A TCB level's status is Revoked.
    case tcbRevoked = "SOTTO-TDX-TCB-REVOKED"
    /// A TCB level's status is SWHardeningNeeded or ConfigurationNeeded (or both), and the
    /// attestation policy does not accept it.
    case tcbActionNeeded = "SOTTO-TDX-TCB-ACTION-NEEDED"
    /// A TCB level's status is one this build does not know.
    case tcbStatusUnknown = "SOTTO-TDX-TCB-STATUS-UNKNOWN"
    /// The TD runs with its DEBUG attribute set: the host can read and change its memory.
    case debugTD = "SOTTO-TDX-DEBUG"

    // MARK: Revocation lists

    /// A revocation list is not hexadecimal DER, not an X.509 v2 CRL, or not ECDSA P-256 SHA-256.
    case revocationListParse = "SOTTO-TDX-CRL-PARSE"
    /// A revocation list was not issued or not signed by the CA it must come from.
    case revocationListSignature = "SOTTO-TDX-CRL-SIGNATURE"
    /// A revocation list is past its nextUpdate, or dated after the verification time.
    case revocationListExpired = "SOTTO-TDX-CRL-EXPIRED"
    /// The PCK certificate is on its CA's revocation list.
    case pckRevoked = "SOTTO-TDX-PCK-REVOKED"
    /// A certificate the root issued (the PCK CA or the TCB signing certificate) is on the root
    /// CA's revocation list.
    case issuerRevoked = "SOTTO-TDX-CA-REVOKED"
}
