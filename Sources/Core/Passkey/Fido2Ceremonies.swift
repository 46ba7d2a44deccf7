import CFido2
import Wire

/// The two CTAP2 ceremonies on an open `Fido2Device`, through libfido2: authenticatorMakeCredential
/// and authenticatorGetAssertion with hmac-secret, turned into Sotto's types.
extension Fido2Device {
    /// A libfido2 call that failed; the authenticator decides what it means (a timeout, a
    /// cancel, a wrong PIN) from the status and what it saw happen.
    struct Failure: Error {
        let status: Int32
        let step: String
    }

    /// Makes an ES256 discoverable credential with hmac-secret, verifying the user with `pin`
    /// (or the key's own user verification when nil).
    func makeCredential(_ request: CredentialRequest, pin: SecureBytes?) throws -> MadeCredential {
        let handle = try pointer
        var allocated: OpaquePointer? = fido_cred_new()
        defer { fido_cred_free(&allocated) }
        guard let credential = allocated else { throw Failure(status: FIDO_ERR_INTERNAL, step: "allocating") }
        try set(fido_cred_set_type(credential, COSE_ES256), "its algorithm")
        try set(
            fido_cred_set_clientdata_hash(credential, request.clientDataHash, request.clientDataHash.count),
            "its client data hash")
        try set(fido_cred_set_rp(credential, request.rpID, request.rpID), "its RP ID")
        try set(
            fido_cred_set_user(
                credential, request.userID, request.userID.count, request.userName, request.userName, nil),
            "its user")
        try set(fido_cred_set_extensions(credential, FIDO_EXT_HMAC_SECRET), "its extensions")
        // Discoverable, so logging in on a new machine needs no credential id from the server.
        try set(fido_cred_set_rk(credential, FIDO_OPT_TRUE), "the discoverable option")
        if pin == nil { try set(fido_cred_set_uv(credential, FIDO_OPT_TRUE), "the user verification option") }
        let status = Self.withCString(pin) { fido_dev_make_cred(handle, credential, $0) }
        guard status == FIDO_OK else { throw Failure(status: status, step: "creating the passkey") }

        let format = fido_cred_fmt(credential).map { String(cString: $0) } ?? ""
        let authenticatorData = Self.bytes(
            fido_cred_authdata_raw_ptr(credential), fido_cred_authdata_raw_len(credential))
        var statement = Self.bytes(fido_cred_attstmt_ptr(credential), fido_cred_attstmt_len(credential))
        if statement.isEmpty && format == "none" { statement = CBOREncoder.encode(.map([])) }
        let parsed: AuthenticatorData
        do {
            parsed = try AuthenticatorData(bytes: authenticatorData)
        } catch {
            throw malformed("its new credential's authenticator data")
        }
        guard let attested = parsed.attestedCredentialData else { throw malformed("its new credential") }
        guard parsed.flags.contains(.userVerified) else { throw notVerified() }
        guard parsed.extensions?["hmac-secret"] == .bool(true) else { throw Fido2Status.hmacSecretUnsupported(device) }
        // The key's attestation statement goes through as it sent it: re-encoding could change
        // the bytes its signature covers.
        let object =
            [0xa3] + CBOREncoder.encode(.text("fmt")) + CBOREncoder.encode(.text(format))
            + CBOREncoder.encode(.text("attStmt")) + statement + CBOREncoder.encode(.text("authData"))
            + CBOREncoder.encode(.bytes(authenticatorData))
        guard (try? AttestationObject(bytes: object)) != nil else { throw malformed("its attestation statement") }
        return MadeCredential(
            kind: .securityKey, credentialID: attested.credentialID, publicKey: attested.publicKey,
            authenticatorData: authenticatorData, attestationObject: object)
    }

    /// Gets an assertion with user verification (by `pin`, or the key's own when nil) and the
    /// hmac-secret outputs for the WebAuthn-transformed PRF inputs.
    func getAssertion(_ request: AssertionRequest, pin: SecureBytes?) throws -> Assertion {
        let handle = try pointer
        var allocated: OpaquePointer? = fido_assert_new()
        defer { fido_assert_free(&allocated) }
        guard let assertion = allocated else { throw Failure(status: FIDO_ERR_INTERNAL, step: "allocating") }
        try set(fido_assert_set_rp(assertion, request.rpID), "its RP ID")
        try set(
            fido_assert_set_clientdata_hash(assertion, request.clientDataHash, request.clientDataHash.count),
            "its client data hash")
        for id in request.allowedCredentialIDs {
            try set(fido_assert_allow_cred(assertion, id, id.count), "its allowed credentials")
        }
        if let prf = request.prf {
            try set(fido_assert_set_extensions(assertion, FIDO_EXT_HMAC_SECRET), "its extensions")
            // Both salts in one 64-byte value: hmac-secret's salt1 ‖ salt2.
            let salts = WebAuthnPRF.salt(for: prf.first) + (prf.second.map { WebAuthnPRF.salt(for: $0) } ?? [])
            try set(fido_assert_set_hmac_salt(assertion, salts, salts.count), "its PRF salts")
        }
        try set(fido_assert_set_up(assertion, FIDO_OPT_TRUE), "the user presence option")
        if pin == nil { try set(fido_assert_set_uv(assertion, FIDO_OPT_TRUE), "the user verification option") }
        let status = Self.withCString(pin) { fido_dev_get_assert(handle, assertion, $0) }
        guard status == FIDO_OK else { throw Failure(status: status, step: "signing in") }
        // With several passkeys for the RP and no allow list, the key lists the newest first.
        guard fido_assert_count(assertion) >= 1 else { throw malformed("its assertion") }

        let wrapped = Self.bytes(fido_assert_authdata_ptr(assertion, 0), fido_assert_authdata_len(assertion, 0))
        guard let authenticatorData = (try? CBORDecoder().decode(wrapped))?.bytesValue,
            let parsed = try? AuthenticatorData(bytes: authenticatorData)
        else { throw malformed("its assertion's authenticator data") }
        guard parsed.flags.contains([.userPresent, .userVerified]) else { throw notVerified() }
        var credentialID = Self.bytes(fido_assert_id_ptr(assertion, 0), fido_assert_id_len(assertion, 0))
        // CTAP2 lets a key leave the credential out when the allow list named just one.
        if credentialID.isEmpty, request.allowedCredentialIDs.count == 1 {
            credentialID = request.allowedCredentialIDs[0]
        }
        var outputs: PRFOutputs?
        if let prf = request.prf {
            let expected = prf.second == nil ? 32 : 64
            guard fido_assert_hmac_secret_len(assertion, 0) == expected,
                let secret = fido_assert_hmac_secret_ptr(assertion, 0)
            else {
                throw PasskeyError(
                    .hmacSecretUnsupported,
                    "\(device) returned no PRF output for this passkey; it was made without hmac-secret, register again"
                )
            }
            func output(at offset: Int) -> SecureBytes {
                SecureBytes(count: 32) {
                    $0.copyMemory(from: UnsafeRawBufferPointer(start: secret + offset, count: 32))
                }
            }
            outputs = PRFOutputs(first: output(at: 0), second: prf.second == nil ? nil : output(at: 32))
        }
        return Assertion(
            kind: .securityKey, credentialID: credentialID, authenticatorData: authenticatorData,
            signature: Self.bytes(fido_assert_sig_ptr(assertion, 0), fido_assert_sig_len(assertion, 0)),
            userHandle: Self.bytes(fido_assert_user_id_ptr(assertion, 0), fido_assert_user_id_len(assertion, 0)),
            prf: outputs)
    }

    private func set(_ status: Int32, _ what: String) throws {
        guard status == FIDO_OK else {
            throw PasskeyError(.invalidRequest, "libfido2 refused \(what) (\(Fido2Status.name(status)))")
        }
    }

    private func malformed(_ what: String) -> PasskeyError {
        PasskeyError(.deviceError, "\(device) sent malformed data in \(what); unplug it, plug it in and retry")
    }

    private func notVerified() -> PasskeyError {
        PasskeyError(.deviceError, "\(device) did not verify the user (no PIN or fingerprint check); Sotto requires it")
    }

    private static func bytes(_ pointer: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
