import Foundation
import TestSupport
import Testing
import Wire

/// Real registrations and assertions captured by relying-party libraries (`rp-library-samples.json`):
/// what browsers and authenticators send verifies, in whatever well-formed CBOR they send it,
/// and tampering or malformed CBOR is still refused with its code.
@Suite("WebAuthn real samples")
struct WebAuthnRealSampleTests {
    static let names: [String] = (try? RelyingPartyLibrarySample.all().map(\.name)) ?? []
    /// The samples whose attestation objects are not in CTAP2 canonical form: four with the map
    /// keys fmt, authData, attStmt (the Windows client's order), one with the statement's keys
    /// alg, x5c, sig.
    static let nonCanonical: Set<String> = [
        "yubico-ed25519-windows", "yubico-rs256-windows", "go-webauthn-feitian-es256-windows",
        "webauthn4j-yubikey-es256-windows", "simplewebauthn-packed-attstmt-order",
    ]

    static func verifier(_ sample: RelyingPartyLibrarySample, key: COSEKey? = nil) -> WebAuthnJSONVerifier {
        WebAuthnJSONVerifier(rpID: sample.rpID, origins: [sample.origin], credentialPublicKey: key)
    }

    static func register(
        _ sample: RelyingPartyLibrarySample, replacing: [String: String] = [:]
    ) throws -> Result<VerifiedRegistration, WebAuthnError> {
        let options = Array(try sample.registrationOptions())
        let response = Array(try sample.registrationResponse(replacing: replacing))
        do throws(WebAuthnError) {
            let outcome = try verifier(sample).verify(
                options: options, response: response, at: sample.verifyAt ?? Date())
            guard case .registration(let verified, _) = outcome else {
                throw WebAuthnError(.ceremonyMismatch, "not a registration")
            }
            return .success(verified)
        } catch {
            return .failure(error)
        }
    }

    static func authenticate(
        _ sample: RelyingPartyLibrarySample, key: COSEKey, replacing: [String: String] = [:]
    ) throws -> WebAuthnErrorCode? {
        let options = Array(try sample.authenticationOptions())
        let response = Array(try sample.authenticationResponse(replacing: replacing))
        do throws(WebAuthnError) {
            _ = try verifier(sample, key: key).verify(options: options, response: response)
            return nil
        } catch {
            return error.code
        }
    }

    static func attestationObject(_ sample: RelyingPartyLibrarySample) throws -> [UInt8] {
        try Base64URL.decode(sample.registrationField("attestationObject"))
    }

    @Test func theFixtureHoldsTheSamples() throws {
        let samples = try RelyingPartyLibrarySample.all()
        #expect(samples.count == 8)
        #expect(Set(samples.map(\.name)).isSuperset(of: Self.nonCanonical))
        #expect(samples.filter(\.reordersAttestationObject).count == 4)
        #expect(samples.filter(\.hasAuthentication).count == 4)
    }

    @Test(arguments: names)
    func registersAndAuthenticates(_ name: String) throws {
        let sample = try RelyingPartyLibrarySample.named(name)
        let verified = try Self.register(sample).get()
        let object = try AttestationObject(bytes: Self.attestationObject(sample))
        #expect(verified.credentialID == object.authenticatorData.attestedCredentialData?.credentialID)
        // The key is kept as the authenticator encoded it, inside authData as received.
        let authData = object.authenticatorData.bytes
        let key = verified.publicKey.encoded
        #expect(
            authData.count > key.count
                && (0...(authData.count - key.count)).contains { authData[$0..<$0 + key.count].elementsEqual(key) })
        #expect(try COSEKey(cbor: key) == verified.publicKey)
        if sample.hasAuthentication {
            #expect(try Self.authenticate(sample, key: verified.publicKey) == nil)
        }
    }

    /// The canonical decoder, which every attestation object went through before, refuses the
    /// non-canonical samples: each of them is a registration that used to fail.
    @Test(arguments: names)
    func theNonCanonicalSamplesAreWhatTheCanonicalDecoderRefuses(_ name: String) throws {
        let bytes = try Self.attestationObject(try RelyingPartyLibrarySample.named(name))
        if Self.nonCanonical.contains(name) {
            let error = #expect(throws: WebAuthnError.self) { try CBORDecoder(mode: .canonical).decode(bytes) }
            #expect(error?.code == .cborNonCanonical)
        } else {
            #expect(throws: Never.self) { try CBORDecoder(mode: .canonical).decode(bytes) }
        }
    }

    @Test(arguments: names)
    func tamperedBytesAreRefused(_ name: String) throws {
        let sample = try RelyingPartyLibrarySample.named(name)
        let object = try Self.attestationObject(sample)
        let authData = try AttestationObject(bytes: object).authenticatorData.bytes
        let start = try #require(
            (0...(object.count - authData.count)).first { object[$0..<$0 + authData.count].elementsEqual(authData) })
        let format = try AttestationObject(bytes: object).format
        if format == "packed" {
            // The signature counter, then the attestation signature's last byte.
            var counter = object
            counter[start + 36] ^= 0x01
            let refused = try Self.register(sample, replacing: ["attestationObject": Base64URL.encode(counter)])
            let error = #expect(throws: WebAuthnError.self) { try refused.get() }
            #expect(error?.code == .attestationSignatureInvalid)
        }
        guard sample.hasAuthentication else { return }
        let key = try Self.register(sample).get().publicKey
        var signature = try Base64URL.decode(sample.authenticationField("signature"))
        signature[signature.count - 1] ^= 0x01
        #expect(
            try Self.authenticate(sample, key: key, replacing: ["signature": Base64URL.encode(signature)])
                == .signatureInvalid)
        var assertionData = try Base64URL.decode(sample.authenticationField("authenticatorData"))
        assertionData[36] ^= 0x01
        #expect(
            try Self.authenticate(sample, key: key, replacing: ["authenticatorData": Base64URL.encode(assertionData)])
                == .signatureInvalid)
    }

    /// Lenient means well-formed, not anything: on a real (non-canonical) attestation object,
    /// a repeated key, a byte after the object, an indefinite length and deep nesting are each
    /// refused with their code, by the parser and by the registration verifier.
    @Test func malformedCBORIsStillRefused() throws {
        let sample = try RelyingPartyLibrarySample.named("yubico-ed25519-windows")
        let object = try Self.attestationObject(sample)
        #expect(object.first == 0xa3)
        let entries = Array(object.dropFirst())
        let text = { (value: String) in CBOREncoder.encode(.text(value)) }
        let cases: [(String, [UInt8], WebAuthnErrorCode)] = [
            ("a repeated fmt", [0xa4] + entries + text("fmt") + text("none"), .cborDuplicateKey),
            ("a trailing byte", object + [0x00], .cborTrailingBytes),
            ("an indefinite-length map", [0xbf] + entries + [0xff], .cborUnsupported),
            (
                "forty nested arrays", [0xa4] + entries + text("deep") + [UInt8](repeating: 0x81, count: 40) + [0x00],
                .cborTooDeep
            ),
            (
                "a tagged member", [0xa4] + entries + text("tag") + [0xc0] + text("2026-01-01T00:00:00Z"),
                .cborUnsupported
            ),
        ]
        for (what, bytes, code) in cases {
            let parsed = #expect(throws: WebAuthnError.self, "\(what)") { try AttestationObject(bytes: bytes) }
            #expect(parsed?.code == code, "\(what)")
            let verified = try Self.register(sample, replacing: ["attestationObject": Base64URL.encode(bytes)])
            let refused = #expect(throws: WebAuthnError.self, "\(what)") { try verified.get() }
            #expect(refused?.code == code, "\(what)")
        }
        // A count in a wider encoding than needed is well-formed: accepted, and the signature
        // over authData as received still verifies.
        let wide = [0xb8, 0x03] + entries
        #expect(throws: WebAuthnError.self) { try CBORDecoder(mode: .canonical).decode(wide) }
        #expect(throws: Never.self) {
            try Self.register(sample, replacing: ["attestationObject": Base64URL.encode(wide)]).get()
        }
    }

    /// A stored COSE key is read back as the authenticator wrote it, in any label order, and
    /// still checks assertions; a repeated label is refused.
    @Test func coseKeysInAnyOrderAreReadAsReceived() throws {
        let sample = try RelyingPartyLibrarySample.named("yubico-ed25519-windows")
        let key = try Self.register(sample).get().publicKey
        let labels = try #require(try CBORDecoder().decode(key.encoded).mapValue)
        let reversed =
            [0xa0 | UInt8(labels.count)]
            + labels.reversed().flatMap { CBOREncoder.encode($0.key) + CBOREncoder.encode($0.value) }
        #expect(reversed != key.encoded)
        let reread = try COSEKey(cbor: reversed)
        #expect(reread.encoded == reversed)
        #expect(reread.parameters == key.parameters && reread.algorithm == key.algorithm)
        #expect(try Self.authenticate(sample, key: reread) == nil)
        let repeated =
            [0xa0 | UInt8(labels.count + 1)] + Array(key.encoded.dropFirst())
            + CBOREncoder.encode(labels[0].key) + CBOREncoder.encode(labels[0].value)
        let error = #expect(throws: WebAuthnError.self) { try COSEKey(cbor: repeated) }
        #expect(error?.code == .cborDuplicateKey)
    }
}
