import Wire

/// The one credential of a software passkey: a P-256 signing key and hmac-secret's
/// per-credential secret (CredRandom), scoped to one RP ID and user, as a CTAP2 authenticator
/// keeps them. Secrets stay in `SecureBytes`; the value prints only public fields.
public struct SoftwareCredential: Sendable {
    /// Length of the credential ids this authenticator makes.
    public static let credentialIDByteCount = 32
    /// Length of the P-256 private scalar and of CredRandom.
    public static let secretByteCount = 32
    /// The longest user handle WebAuthn allows.
    public static let maximumUserIDByteCount = 64

    /// The credential id.
    public let credentialID: [UInt8]
    /// The RP ID the credential is for.
    public let rpID: String
    /// The account's user handle.
    public let userID: [UInt8]
    /// The account's name.
    public let userName: String
    /// The P-256 private scalar, big-endian.
    let privateKey: SecureBytes
    /// hmac-secret's CredRandom for assertions with user verification.
    let credRandom: SecureBytes

    /// A credential from its parts.
    /// - Throws: `PasskeyError` `.invalidRequest` when a length is wrong or the scalar is no
    ///   valid P-256 private key.
    public init(
        credentialID: [UInt8], rpID: String, userID: [UInt8], userName: String, privateKey: SecureBytes,
        credRandom: SecureBytes
    ) throws {
        try Self.validate(rpID: rpID, userID: userID, userName: userName)
        guard (1...255).contains(credentialID.count) else {
            throw PasskeyError(.invalidRequest, "a credential id is 1 to 255 bytes")
        }
        guard privateKey.count == Self.secretByteCount, credRandom.count == Self.secretByteCount else {
            throw PasskeyError(.invalidRequest, "the credential's secrets must be 32 bytes each")
        }
        guard P256SigningKey.isValid(privateKey) else {
            throw PasskeyError(.invalidRequest, "the credential's private key is not a valid P-256 scalar")
        }
        self.credentialID = credentialID
        self.rpID = rpID
        self.userID = userID
        self.userName = userName
        self.privateKey = privateKey
        self.credRandom = credRandom
    }

    /// A new credential with a random id, key and CredRandom.
    public static func generate(rpID: String, userID: [UInt8], userName: String) throws -> SoftwareCredential {
        try validate(rpID: rpID, userID: userID, userName: userName)
        // Drawing the scalar ourselves keeps it in locked memory; a draw outside [1, n-1]
        // (probability about 2^-32) is simply repeated.
        var scalar = SecureBytes.random(count: secretByteCount)
        while !P256SigningKey.isValid(scalar) {
            scalar = SecureBytes.random(count: secretByteCount)
        }
        return try SoftwareCredential(
            credentialID: SecureRandom.bytes(credentialIDByteCount), rpID: rpID, userID: userID, userName: userName,
            privateKey: scalar, credRandom: SecureBytes.random(count: secretByteCount))
    }

    static func validate(rpID: String, userID: [UInt8], userName: String) throws {
        guard (1...253).contains(rpID.utf8.count) else {
            throw PasskeyError(.invalidRequest, "an RP ID is a domain name of 1 to 253 characters")
        }
        guard (1...maximumUserIDByteCount).contains(userID.count) else {
            throw PasskeyError(.invalidRequest, "a user handle is 1 to 64 bytes")
        }
        guard userName.utf8.count <= 1024 else {
            throw PasskeyError(.invalidRequest, "a user name is at most 1024 bytes")
        }
    }

    /// The credential's public key as a COSE ES256 key.
    public var publicKey: COSEKey {
        get throws { try P256SigningKey.publicKey(of: privateKey) }
    }

    /// hmac-secret with user verification for WebAuthn PRF `inputs`:
    /// HMAC-SHA-256(CredRandom, SHA-256("WebAuthn PRF" ‖ 0x00 ‖ input)) for each input.
    public func evaluatePRF(_ inputs: PRFInputs) -> PRFOutputs {
        func output(_ input: [UInt8]) -> SecureBytes {
            let salt = WebAuthnPRF.salt(for: input)
            return SecureBytes(count: 32) { out in
                var mac = HMAC(.sha256, key: credRandom)
                mac.update(salt)
                mac.finalize(into: out)
            }
        }
        return PRFOutputs(first: output(inputs.first), second: inputs.second.map(output))
    }

    /// The registration response for a new credential: authenticator data with the attested
    /// credential data and the hmac-secret extension output, in a `none` attestation object.
    func registration(clientDataHash: [UInt8]) throws -> MadeCredential {
        let key = try publicKey
        var data = authenticatorDataPrefix(flags: [
            .userPresent, .userVerified, .attestedCredentialData, .extensionData,
        ])
        data += [UInt8](repeating: 0, count: 16)  // AAGUID: none claimed
        data += [UInt8(credentialID.count >> 8), UInt8(credentialID.count & 0xff)] + credentialID
        data += key.encoded
        data += CBOREncoder.encode(.map([CBORMapEntry(.text("hmac-secret"), .bool(true))]))
        let object = CBOREncoder.encode(
            .map([
                CBORMapEntry(.text("fmt"), .text("none")), CBORMapEntry(.text("attStmt"), .map([])),
                CBORMapEntry(.text("authData"), .bytes(data)),
            ]))
        return MadeCredential(
            kind: .softwarePasskey, credentialID: credentialID, publicKey: key, authenticatorData: data,
            attestationObject: object)
    }

    /// An assertion with UP and UV over `request`'s client data hash, with the PRF outputs.
    func assertion(for request: AssertionRequest) throws -> Assertion {
        let data = authenticatorDataPrefix(flags: [.userPresent, .userVerified])
        let signature = try P256SigningKey.sign(data + request.clientDataHash, with: privateKey)
        return Assertion(
            kind: .softwarePasskey, credentialID: credentialID, authenticatorData: data, signature: signature,
            userHandle: userID, prf: request.prf.map(evaluatePRF))
    }

    /// RP ID hash ‖ flags ‖ signature counter. The counter stays 0, as synced passkeys' do: the
    /// file may be copied to other machines, where a counter would only look like a clone.
    private func authenticatorDataPrefix(flags: AuthenticatorFlags) -> [UInt8] {
        HashFunction.sha256.hash(Array(rpID.utf8)) + [flags.rawValue, 0, 0, 0, 0]
    }
}

extension SoftwareCredential: CustomStringConvertible, CustomReflectable {
    /// The RP ID and the credential id's first bytes; never a secret.
    public var description: String {
        "software passkey for \(rpID) (credential \(Hex.encode(Array(credentialID.prefix(4))))…)"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["rpID": rpID, "credentialID": Hex.encode(credentialID)])
    }
}
