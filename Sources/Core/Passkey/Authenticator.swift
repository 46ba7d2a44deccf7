import Wire

/// What kind of authenticator holds a passkey; every screen and output names it.
public enum PasskeyKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A hardware security key spoken to over CTAP2 (libfido2).
    case securityKey = "security-key"
    /// A passkey kept in a passphrase-encrypted file on disk.
    case softwarePasskey = "software-passkey"

    /// The label users see: "security key", "software passkey".
    public var label: String {
        switch self {
        case .securityKey: "security key"
        case .softwarePasskey: "software passkey"
        }
    }

    public var description: String { label }
}

/// A request to create a credential with the hmac-secret extension (WebAuthn PRF) enabled.
public struct CredentialRequest: Sendable, Hashable {
    /// The relying party's RP ID ("sotto.example").
    public var rpID: String
    /// The account's user handle (1 to 64 bytes, not personal information).
    public var userID: [UInt8]
    /// A name for the account, shown by authenticators that list credentials.
    public var userName: String
    /// SHA-256 of the ceremony's clientDataJSON.
    public var clientDataHash: [UInt8]

    public init(rpID: String, userID: [UInt8], userName: String, clientDataHash: [UInt8]) {
        self.rpID = rpID
        self.userID = userID
        self.userName = userName
        self.clientDataHash = clientDataHash
    }
}

/// A credential an authenticator created: what registration sends to the relying party.
public struct MadeCredential: Sendable, Hashable {
    /// The authenticator that holds it.
    public let kind: PasskeyKind
    /// The credential id.
    public let credentialID: [UInt8]
    /// The credential public key.
    public let publicKey: COSEKey
    /// The authenticator data, with the attested credential data and the hmac-secret output.
    public let authenticatorData: [UInt8]
    /// The CBOR attestation object (`fmt`, `attStmt`, `authData`).
    public let attestationObject: [UInt8]

    public init(
        kind: PasskeyKind, credentialID: [UInt8], publicKey: COSEKey, authenticatorData: [UInt8],
        attestationObject: [UInt8]
    ) {
        self.kind = kind
        self.credentialID = credentialID
        self.publicKey = publicKey
        self.authenticatorData = authenticatorData
        self.attestationObject = attestationObject
    }
}

/// The WebAuthn PRF inputs of one assertion: the raw inputs, before the salt transform
/// (`WebAuthnPRF.salt`), which each authenticator applies.
public struct PRFInputs: Sendable, Hashable {
    /// The first input; its output is always returned.
    public var first: [UInt8]
    /// An optional second input (for rotating a key: old and new at once).
    public var second: [UInt8]?

    public init(first: [UInt8], second: [UInt8]? = nil) {
        self.first = first
        self.second = second
    }
}

/// The PRF outputs of one assertion with user verification: 32 secret bytes per input.
public struct PRFOutputs: Sendable {
    /// The output for `PRFInputs.first`.
    public let first: SecureBytes
    /// The output for `PRFInputs.second`, when one was given.
    public let second: SecureBytes?

    public init(first: SecureBytes, second: SecureBytes?) {
        self.first = first
        self.second = second
    }
}

/// A request for an assertion. User verification is always required: the PRF secret is the
/// one hmac-secret gives with UV.
public struct AssertionRequest: Sendable, Hashable {
    /// The relying party's RP ID.
    public var rpID: String
    /// SHA-256 of the ceremony's clientDataJSON.
    public var clientDataHash: [UInt8]
    /// Credential ids the relying party accepts; empty means any credential for `rpID`.
    public var allowedCredentialIDs: [[UInt8]]
    /// PRF inputs to evaluate, when the caller wants the secret.
    public var prf: PRFInputs?

    public init(rpID: String, clientDataHash: [UInt8], allowedCredentialIDs: [[UInt8]] = [], prf: PRFInputs? = nil) {
        self.rpID = rpID
        self.clientDataHash = clientDataHash
        self.allowedCredentialIDs = allowedCredentialIDs
        self.prf = prf
    }
}

/// An assertion: what authentication sends to the relying party, plus the PRF outputs the
/// client keeps.
public struct Assertion: Sendable {
    /// The authenticator that made it.
    public let kind: PasskeyKind
    /// The credential that signed.
    public let credentialID: [UInt8]
    /// The authenticator data (RP ID hash, flags UP and UV, signature counter).
    public let authenticatorData: [UInt8]
    /// The signature over authenticator data ‖ client data hash (DER ECDSA for ES256).
    public let signature: [UInt8]
    /// The user handle stored with the credential.
    public let userHandle: [UInt8]
    /// The PRF outputs, when PRF inputs were given.
    public let prf: PRFOutputs?

    public init(
        kind: PasskeyKind, credentialID: [UInt8], authenticatorData: [UInt8], signature: [UInt8],
        userHandle: [UInt8], prf: PRFOutputs?
    ) {
        self.kind = kind
        self.credentialID = credentialID
        self.authenticatorData = authenticatorData
        self.signature = signature
        self.userHandle = userHandle
        self.prf = prf
    }
}

/// A WebAuthn authenticator with the hmac-secret extension: a security key over CTAP2 or a
/// software passkey. Calls may block for seconds (a touch, a PIN, Argon2id); run them off
/// the UI thread.
public protocol Authenticator: Sendable {
    /// What kind of authenticator this is, for labels.
    var kind: PasskeyKind { get }

    /// Creates a credential for `request.rpID` with hmac-secret enabled.
    /// - Throws: `PasskeyError`.
    func makeCredential(_ request: CredentialRequest) async throws -> MadeCredential

    /// Signs an assertion with user verification and evaluates the PRF inputs, if any.
    /// - Throws: `PasskeyError`; `.noCredential` when no allowed credential is for the RP ID.
    func getAssertion(_ request: AssertionRequest) async throws -> Assertion
}
