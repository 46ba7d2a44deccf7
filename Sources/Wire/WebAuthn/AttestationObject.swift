/// The attestation object a registration returns (WebAuthn L3 §6.5): the statement format, the
/// statement, and the authenticator data it signs.
public struct AttestationObject: Hashable, Sendable {
    /// The attestation statement format identifier ("none", "packed", ...).
    public let format: String
    /// The format-specific statement (a CBOR map).
    public let statement: CBORValue
    /// The authenticator data.
    public let authenticatorData: AuthenticatorData

    /// Decodes the CBOR attestation object.
    /// - Throws: `WebAuthnError`: a `cbor…` code for malformed CBOR, `.attestationObjectMalformed`
    ///   when a member is missing or of the wrong type, or the authenticator data's own errors.
    public init(bytes: [UInt8]) throws(WebAuthnError) {
        let value = try CBORDecoder(mode: .lenient).decode(bytes)
        guard value.mapValue != nil else {
            throw WebAuthnError(.attestationObjectMalformed, "the attestation object is a \(value.kindName), not a map")
        }
        guard let format = value["fmt"]?.textValue else {
            throw WebAuthnError(.attestationObjectMalformed, "the attestation object has no text member fmt")
        }
        guard let statement = value["attStmt"], statement.mapValue != nil else {
            throw WebAuthnError(.attestationObjectMalformed, "the attestation object has no map member attStmt")
        }
        guard let authData = value["authData"]?.bytesValue else {
            throw WebAuthnError(
                .attestationObjectMalformed, "the attestation object has no byte-string member authData")
        }
        self.format = format
        self.statement = statement
        self.authenticatorData = try AuthenticatorData(bytes: authData)
    }
}
