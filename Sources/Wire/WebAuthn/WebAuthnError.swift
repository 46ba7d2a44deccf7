/// Why a WebAuthn structure was refused. Stable `code`, a message a developer or operator can
/// act on.
///
/// Messages name fields, sizes, offsets and algorithm ids only: never challenges, origins the
/// client sent, user handles, key bytes or any other value a user supplied.
public typealias WebAuthnError = CodedError<WebAuthnErrorCode>

/// Stable identifiers of `WebAuthnError`.
public enum WebAuthnErrorCode: String, StableErrorCode {
    // CBOR (RFC 8949, with CTAP2's canonical rules).
    /// The input ended inside a CBOR item.
    case cborTruncated = "SOTTO-WEBAUTHN-CBOR-TRUNCATED"
    /// Bytes follow the one CBOR item the input should hold.
    case cborTrailingBytes = "SOTTO-WEBAUTHN-CBOR-TRAILING-BYTES"
    /// Arrays and maps nest deeper than the decoder allows.
    case cborTooDeep = "SOTTO-WEBAUTHN-CBOR-TOO-DEEP"
    /// A declared length or count exceeds what the input can hold, or the input is too large.
    case cborLength = "SOTTO-WEBAUTHN-CBOR-LENGTH"
    /// An indefinite length, a reserved additional-information value or an unsupported simple
    /// value, float or tag.
    case cborUnsupported = "SOTTO-WEBAUTHN-CBOR-UNSUPPORTED"
    /// Not in CTAP2 canonical form: a longer-than-needed integer encoding, or map keys out of order.
    case cborNonCanonical = "SOTTO-WEBAUTHN-CBOR-NON-CANONICAL"
    /// A map holds the same key twice.
    case cborDuplicateKey = "SOTTO-WEBAUTHN-CBOR-DUPLICATE-KEY"
    /// A text string is not valid UTF-8.
    case cborInvalidUTF8 = "SOTTO-WEBAUTHN-CBOR-UTF8"

    // Encodings.
    /// A base64url field is not valid unpadded (or correctly padded) base64url.
    case base64URL = "SOTTO-WEBAUTHN-BASE64URL"
    /// The JSON serialisation of options or a response is malformed or lacks a field.
    case jsonMalformed = "SOTTO-WEBAUTHN-JSON"

    // COSE keys.
    /// The COSE key lacks a parameter, or a parameter has the wrong type or size.
    case coseKeyMalformed = "SOTTO-WEBAUTHN-COSE-KEY"
    /// The key type, curve or algorithm is not one this build verifies.
    case coseKeyUnsupported = "SOTTO-WEBAUTHN-COSE-UNSUPPORTED"
    /// The key's numbers do not form a valid public key (a point off the curve, a short RSA modulus).
    case coseKeyInvalid = "SOTTO-WEBAUTHN-COSE-INVALID"

    // Authenticator data and client data.
    /// The authenticator data is shorter than its flags say, or longer.
    case authenticatorDataMalformed = "SOTTO-WEBAUTHN-AUTHDATA"
    /// clientDataJSON is not a JSON object with the required members.
    case clientDataMalformed = "SOTTO-WEBAUTHN-CLIENT-DATA"
    /// clientDataJSON's `type` is not the ceremony's ("webauthn.create" or "webauthn.get").
    case clientDataType = "SOTTO-WEBAUTHN-TYPE"
    /// The response answers a different challenge than the one issued.
    case challengeMismatch = "SOTTO-WEBAUTHN-CHALLENGE"
    /// clientDataJSON's origin is not one the relying party allows.
    case originNotAllowed = "SOTTO-WEBAUTHN-ORIGIN"
    /// The ceremony ran in a cross-origin frame, or under a top origin, the relying party does not allow.
    case crossOriginNotAllowed = "SOTTO-WEBAUTHN-CROSS-ORIGIN"
    /// The authenticator data's RP ID hash is not SHA-256 of the relying party's RP ID.
    case rpIDMismatch = "SOTTO-WEBAUTHN-RP-ID"
    /// The User Present flag is clear.
    case userNotPresent = "SOTTO-WEBAUTHN-USER-PRESENT"
    /// The User Verified flag is clear and the relying party requires user verification.
    case userNotVerified = "SOTTO-WEBAUTHN-USER-VERIFIED"
    /// Backup State is set while Backup Eligibility is clear.
    case backupFlagsInvalid = "SOTTO-WEBAUTHN-BACKUP-FLAGS"
    /// A registration's authenticator data carries no attested credential data.
    case attestedCredentialDataMissing = "SOTTO-WEBAUTHN-NO-CREDENTIAL"
    /// The credential id is longer than 1023 bytes.
    case credentialIDTooLong = "SOTTO-WEBAUTHN-CREDENTIAL-ID-LENGTH"
    /// The response's credential id disagrees with the authenticator data, or is not allowed.
    case credentialIDMismatch = "SOTTO-WEBAUTHN-CREDENTIAL-ID"
    /// The credential's algorithm is not in the relying party's list.
    case algorithmNotAllowed = "SOTTO-WEBAUTHN-ALGORITHM"
    /// The assertion signature does not verify under the credential's public key.
    case signatureInvalid = "SOTTO-WEBAUTHN-SIGNATURE"

    // Attestation.
    /// The attestation object is not a map with `fmt`, `attStmt` and `authData`.
    case attestationObjectMalformed = "SOTTO-WEBAUTHN-ATTESTATION-OBJECT"
    /// The attestation statement format is not `none` or `packed`.
    case attestationFormatUnsupported = "SOTTO-WEBAUTHN-ATTESTATION-FORMAT"
    /// The attestation statement lacks a member, has one of the wrong type, or names the wrong algorithm.
    case attestationStatementMalformed = "SOTTO-WEBAUTHN-ATTESTATION-STATEMENT"
    /// The attestation signature does not verify.
    case attestationSignatureInvalid = "SOTTO-WEBAUTHN-ATTESTATION-SIGNATURE"
    /// The attestation certificate does not meet WebAuthn's requirements for its format.
    case attestationCertificateInvalid = "SOTTO-WEBAUTHN-ATTESTATION-CERTIFICATE"
    /// The attestation does not chain to one of the caller's trusted roots.
    case attestationUntrusted = "SOTTO-WEBAUTHN-ATTESTATION-UNTRUSTED"

    // The command-line serialisations.
    /// The options and the response belong to different ceremonies.
    case ceremonyMismatch = "SOTTO-WEBAUTHN-CEREMONY"
    /// An authentication was given without the credential public key stored at registration.
    case publicKeyMissing = "SOTTO-WEBAUTHN-NO-PUBLIC-KEY"
}
