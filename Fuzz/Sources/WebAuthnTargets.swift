import Wire

/// CBOR in both modes. Canonical input re-encodes to the same bytes; anything lenient decoding
/// accepts re-encodes to canonical CBOR that decodes and encodes again unchanged.
func fuzzCBOR(_ data: [UInt8]) {
    if let value = try? CBORDecoder(mode: .canonical).decode(data) {
        guard CBOREncoder.encode(value) == data else { violated("canonical CBOR re-encodes to the same bytes") }
    }
    guard let value = try? CBORDecoder(mode: .lenient).decode(data) else { return }
    let encoded = CBOREncoder.encode(value)
    guard let again = try? CBORDecoder(mode: .canonical).decode(encoded) else {
        violated("the encoder writes canonical CBOR")
    }
    guard CBOREncoder.encode(again) == encoded else { violated("canonical CBOR encodes stably") }
    _ = try? CBORDecoder(mode: .lenient).decodePrefix(data, from: data.count / 2)
}

/// COSE keys: a key re-encoded canonically parses to the same key.
func fuzzCOSEKey(_ data: [UInt8]) {
    guard let key = try? COSEKey(cbor: data) else { return }
    _ = key.description
    _ = key.isValidSignature(Array(data.prefix(64)), for: [1, 2, 3])
    guard let value = try? CBORDecoder(mode: .lenient).decode(data),
        let again = try? COSEKey(cbor: CBOREncoder.encode(value))
    else { violated("a COSE key re-encoded canonically still parses") }
    guard again.algorithm == key.algorithm, again.parameters == key.parameters else {
        violated("a COSE key re-encoded canonically is the same key")
    }
}

/// WebAuthn client data JSON.
func fuzzClientData(_ data: [UInt8]) {
    guard let clientData = try? CollectedClientData(bytes: data) else { return }
    _ = (clientData.hash, clientData.topOrigin, clientData.crossOrigin)
}

/// Attestation objects (CBOR) and the authenticator data inside, then the same bytes as bare
/// authenticator data (what an assertion carries).
func fuzzAttestationObject(_ data: [UInt8]) {
    if let object = try? AttestationObject(bytes: data) {
        _ = (object.format, object.statement, object.authenticatorData)
    }
    _ = try? AuthenticatorData(bytes: data)
}

/// The JSON a browser or a passkey tool hands over: options and responses.
func fuzzWebAuthnJSON(_ data: [UInt8]) {
    _ = try? WebAuthnJSON.Options(json: data)
    if let response = try? WebAuthnJSON.Response(json: data) { fuzzRegistrationPayload(response) }
}

/// The attestation object a registration response carries, once its JSON parsed.
func fuzzRegistrationPayload(_ response: WebAuthnJSON.Response) {
    guard case .registration(let registration) = response,
        let object = try? Base64URL.decode(registration.response.attestationObject)
    else { return }
    _ = try? AttestationObject(bytes: object)
}
