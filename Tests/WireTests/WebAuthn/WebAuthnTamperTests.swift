import Crypto
import Foundation
import Testing
import Wire
import X509

/// Altered W3C ceremonies: each alteration is refused with its own error code, never a crash
/// and never a generic failure.
@Suite("WebAuthn tampering")
struct WebAuthnTamperTests {
    struct Registration {
        var clientDataJSON: [UInt8]
        var attestationObject: [UInt8]
        var challenge: [UInt8]
    }

    struct Assertion {
        var clientDataJSON: [UInt8]
        var authenticatorData: [UInt8]
        var signature: [UInt8]
        var challenge: [UInt8]
        var publicKey: COSEKey
    }

    static func registration(_ name: String) throws -> Registration {
        let r = try W3CWebAuthnVectors.get().example(name).registration
        return Registration(
            clientDataJSON: try r.bytes("clientDataJSON"), attestationObject: try r.bytes("attestationObject"),
            challenge: try r.bytes("challenge"))
    }

    static func assertion(_ name: String) throws -> Assertion {
        let example = try W3CWebAuthnVectors.get().example(name)
        let object = try AttestationObject(bytes: example.registration.bytes("attestationObject"))
        let a = example.authentication
        return Assertion(
            clientDataJSON: try a.bytes("clientDataJSON"), authenticatorData: try a.bytes("authenticatorData"),
            signature: try a.bytes("signature"), challenge: try a.bytes("challenge"),
            publicKey: try #require(object.authenticatorData.attestedCredentialData?.publicKey))
    }

    static let party = RelyingParty(id: W3CWebAuthnVectors.rpID)

    func register(
        _ r: Registration, party: RelyingParty = Self.party,
        verifier configure: (inout RegistrationVerifier) -> Void = { _ in }
    ) -> WebAuthnErrorCode? {
        var verifier = RegistrationVerifier(relyingParty: party)
        configure(&verifier)
        do throws(WebAuthnError) {
            _ = try verifier.verify(
                clientDataJSON: r.clientDataJSON, attestationObject: r.attestationObject, challenge: r.challenge,
                at: W3CWebAuthnVectors.now)
            return nil
        } catch {
            return error.code
        }
    }

    func authenticate(
        _ a: Assertion, party: RelyingParty = Self.party, requireUserVerification: Bool = false
    ) -> WebAuthnErrorCode? {
        do throws(WebAuthnError) {
            _ = try AuthenticationVerifier(relyingParty: party, requireUserVerification: requireUserVerification)
                .verify(
                    clientDataJSON: a.clientDataJSON, authenticatorData: a.authenticatorData, signature: a.signature,
                    challenge: a.challenge, publicKey: a.publicKey)
            return nil
        } catch {
            return error.code
        }
    }

    /// The attestation object with `change` applied to its decoded map, re-encoded canonically.
    static func rewriting(_ object: [UInt8], _ change: (inout [CBORMapEntry]) throws -> Void) throws -> [UInt8] {
        let decoded = try CBORDecoder().decode(object)
        #expect(CBOREncoder.encode(decoded) == object, "the vector is canonical")
        var entries = try #require(decoded.mapValue)
        try change(&entries)
        return CBOREncoder.encode(.map(entries))
    }

    /// Rewrites the authenticator data inside an attestation object.
    static func rewritingAuthData(_ object: [UInt8], _ change: (inout [UInt8]) -> Void) throws -> [UInt8] {
        try rewriting(object) { entries in
            let index = try #require(entries.firstIndex { $0.key == .text("authData") })
            var authData = try #require(entries[index].value.bytesValue)
            change(&authData)
            entries[index].value = .bytes(authData)
        }
    }

    /// Rewrites one attStmt member.
    static func rewritingStatement(_ object: [UInt8], _ change: (inout [CBORMapEntry]) -> Void) throws -> [UInt8] {
        try rewriting(object) { entries in
            let index = try #require(entries.firstIndex { $0.key == .text("attStmt") })
            var statement = try #require(entries[index].value.mapValue)
            change(&statement)
            entries[index].value = .map(statement)
        }
    }

    @Test func theUntouchedCeremoniesVerify() throws {
        #expect(register(try Self.registration("packed-es256")) == nil)
        #expect(authenticate(try Self.assertion("packed-es256")) == nil)
    }

    @Test func everyFlippedSignatureByte() throws {
        let original = try Self.assertion("packed-es256")
        for index in original.signature.indices {
            var a = original
            a.signature[index] ^= 0x01
            #expect(authenticate(a) == .signatureInvalid, "signature byte \(index)")
        }
        var short = original
        short.signature.removeLast()
        #expect(authenticate(short) == .signatureInvalid)
        for name in ["packed-es384", "packed-es512", "packed-rs256", "packed-eddsa"] {
            var a = try Self.assertion(name)
            a.signature[a.signature.count / 2] ^= 0x80
            #expect(authenticate(a) == .signatureInvalid, "\(name)")
        }
    }

    @Test func alteredSignedData() throws {
        var a = try Self.assertion("packed-es256")
        a.authenticatorData[34] ^= 0x01  // the signature counter
        #expect(authenticate(a) == .signatureInvalid)
        // Another credential's key.
        var other = try Self.assertion("packed-es256")
        other.publicKey = try Self.assertion("none-es256").publicKey
        #expect(authenticate(other) == .signatureInvalid)
    }

    @Test func flippedAttestationSignature() throws {
        for name in ["packed-es256", "packed-self-es256"] {
            var r = try Self.registration(name)
            r.attestationObject = try Self.rewritingStatement(r.attestationObject) { statement in
                let index = statement.firstIndex { $0.key == .text("sig") }!
                var sig = statement[index].value.bytesValue!
                sig[10] ^= 0x01
                statement[index].value = .bytes(sig)
            }
            #expect(register(r) == .attestationSignatureInvalid, "\(name)")
        }
        // Changing the signed authenticator data breaks the attestation signature too.
        var r = try Self.registration("packed-es256")
        r.attestationObject = try Self.rewritingAuthData(r.attestationObject) { $0[33] ^= 0x01 }
        #expect(register(r) == .attestationSignatureInvalid)
    }

    @Test func wrongChallenge() throws {
        var r = try Self.registration("packed-es256")
        r.challenge[0] ^= 0x01
        #expect(register(r) == .challengeMismatch)
        var a = try Self.assertion("packed-es256")
        a.challenge = Array(a.challenge.dropLast())
        #expect(authenticate(a) == .challengeMismatch)
    }

    @Test func wrongOrigin() throws {
        let party = RelyingParty(id: W3CWebAuthnVectors.rpID, origins: ["https://example.com"])
        #expect(register(try Self.registration("packed-es256"), party: party) == .originNotAllowed)
        #expect(authenticate(try Self.assertion("packed-es256"), party: party) == .originNotAllowed)
        // Origins compare exactly: no trailing slash, no other port or scheme.
        for origin in ["https://example.org/", "http://example.org", "https://example.org:8443"] {
            let party = RelyingParty(id: W3CWebAuthnVectors.rpID, origins: [origin])
            #expect(authenticate(try Self.assertion("packed-es256"), party: party) == .originNotAllowed)
        }
    }

    @Test func wrongRPID() throws {
        let party = RelyingParty(id: "example.com", origins: [W3CWebAuthnVectors.origin])
        #expect(register(try Self.registration("packed-es256"), party: party) == .rpIDMismatch)
        #expect(authenticate(try Self.assertion("packed-es256"), party: party) == .rpIDMismatch)
        let sub = RelyingParty(id: "login.example.org", origins: [W3CWebAuthnVectors.origin])
        #expect(authenticate(try Self.assertion("none-es256"), party: sub) == .rpIDMismatch)
    }

    @Test func userPresenceCleared() throws {
        var a = try Self.assertion("packed-es256")
        a.authenticatorData[32] &= ~0x01
        #expect(authenticate(a) == .userNotPresent)
        var r = try Self.registration("packed-es256")
        r.attestationObject = try Self.rewritingAuthData(r.attestationObject) { $0[32] &= ~0x01 }
        #expect(register(r) == .userNotPresent)
    }

    @Test func userVerificationRequired() throws {
        // none-es256's assertion flags are UP BE BS: no UV.
        let a = try Self.assertion("none-es256")
        #expect(a.authenticatorData[32] & 0x04 == 0)
        #expect(authenticate(a, requireUserVerification: true) == .userNotVerified)
        #expect(authenticate(a) == nil)
        // packed-es256's assertion has UV.
        #expect(authenticate(try Self.assertion("packed-es256"), requireUserVerification: true) == nil)
    }

    @Test func backupStateWithoutEligibility() throws {
        var a = try Self.assertion("none-es256")
        a.authenticatorData[32] = (a.authenticatorData[32] | 0x10) & ~0x08
        #expect(authenticate(a) == .backupFlagsInvalid)
    }

    @Test func wrongCeremonyType() throws {
        // A registration's client data offered as an assertion's, and the reverse.
        let r = try Self.registration("packed-es256")
        var a = try Self.assertion("packed-es256")
        a.clientDataJSON = r.clientDataJSON
        a.challenge = r.challenge
        #expect(authenticate(a) == .clientDataType)
        var swapped = r
        let assertion = try Self.assertion("packed-es256")
        swapped.clientDataJSON = assertion.clientDataJSON
        swapped.challenge = assertion.challenge
        #expect(register(swapped) == .clientDataType)
    }

    @Test func malformedClientData() throws {
        var a = try Self.assertion("packed-es256")
        a.clientDataJSON = Array("not json".utf8)
        #expect(authenticate(a) == .clientDataMalformed)
        a.clientDataJSON = Array(#"{"type":"webauthn.get","origin":"https://example.org"}"#.utf8)
        #expect(authenticate(a) == .clientDataMalformed)
        a.clientDataJSON = Array(#"{"type":"webauthn.get","challenge":"a+b/","origin":"https://example.org"}"#.utf8)
        #expect(authenticate(a) == .base64URL)
    }

    @Test func crossOriginNeedsPermission() throws {
        let a = try Self.assertion("none-es256-crossOrigin")
        #expect(authenticate(a) == .crossOriginNotAllowed)
        #expect(authenticate(a, party: RelyingParty(id: W3CWebAuthnVectors.rpID, allowsCrossOrigin: true)) == nil)
        let top = try Self.assertion("none-es256-topOrigin")
        #expect(
            authenticate(top, party: RelyingParty(id: W3CWebAuthnVectors.rpID, allowsCrossOrigin: true))
                == .crossOriginNotAllowed)
        let allowed = RelyingParty(
            id: W3CWebAuthnVectors.rpID, allowsCrossOrigin: true, allowedTopOrigins: [W3CWebAuthnVectors.topOrigin])
        #expect(authenticate(top, party: allowed) == nil)
    }

    @Test func trailingAndMissingBytes() throws {
        var r = try Self.registration("none-es256")
        r.attestationObject += [0x00]
        #expect(register(r) == .cborTrailingBytes)
        var extra = try Self.registration("none-es256")
        extra.attestationObject = try Self.rewritingAuthData(extra.attestationObject) { $0 += [0x00] }
        #expect(register(extra) == .authenticatorDataMalformed)
        var a = try Self.assertion("packed-es256")
        a.authenticatorData += [0xa0]
        #expect(authenticate(a) == .authenticatorDataMalformed)
        a.authenticatorData = Array(a.authenticatorData.prefix(36))
        #expect(authenticate(a) == .authenticatorDataMalformed)
        // AT announced, nothing follows.
        var at = try Self.assertion("packed-es256")
        at.authenticatorData[32] |= 0x40
        #expect(authenticate(at) == .authenticatorDataMalformed)
        // ED announced, nothing follows.
        var ed = try Self.assertion("packed-es256")
        ed.authenticatorData[32] |= 0x80
        #expect(authenticate(ed) == .cborTruncated)
    }

    @Test func registrationWithoutACredential() throws {
        var r = try Self.registration("none-es256")
        r.attestationObject = try Self.rewritingAuthData(r.attestationObject) { data in
            data = Array(data.prefix(37))
            data[32] &= ~0x40
        }
        #expect(register(r) == .attestedCredentialDataMissing)
    }

    @Test func credentialIDTooLong() throws {
        var r = try Self.registration("none-es256-long-credential-id")
        r.attestationObject = try Self.rewritingAuthData(r.attestationObject) { data in
            // Length 1023 → 1024, one more id byte.
            #expect(data[53] == 0x03 && data[54] == 0xff)
            data[53] = 0x04
            data[54] = 0x00
            data.insert(0x42, at: 55)
        }
        #expect(register(r) == .credentialIDTooLong)
    }

    @Test func algorithmNotOffered() throws {
        let r = try Self.registration("packed-es256")
        #expect(register(r) { $0.allowedAlgorithms = [.rs256, .eddsa] } == .algorithmNotAllowed)
        #expect(register(r) { $0.allowedAlgorithms = [.es256] } == nil)
    }

    @Test func attestationStatements() throws {
        // A none statement must be empty.
        var none = try Self.registration("none-es256")
        none.attestationObject = try Self.rewritingStatement(none.attestationObject) {
            $0.append(CBORMapEntry(.text("sig"), .bytes([1])))
        }
        #expect(register(none) == .attestationStatementMalformed)
        // Self attestation must name the credential's algorithm.
        var selfAttested = try Self.registration("packed-self-es256")
        selfAttested.attestationObject = try Self.rewritingStatement(selfAttested.attestationObject) { statement in
            statement[statement.firstIndex { $0.key == .text("alg") }!].value = .int(-35)
        }
        #expect(register(selfAttested) == .attestationStatementMalformed)
        // x5c must hold certificates.
        var x5c = try Self.registration("packed-es256")
        x5c.attestationObject = try Self.rewritingStatement(x5c.attestationObject) { statement in
            statement[statement.firstIndex { $0.key == .text("x5c") }!].value = .array([.bytes([0x30, 0x00])])
        }
        #expect(register(x5c) == .attestationStatementMalformed)
        // Another format.
        var tpm = try Self.registration("none-es256")
        tpm.attestationObject = try Self.rewriting(tpm.attestationObject) { entries in
            entries[entries.firstIndex { $0.key == .text("fmt") }!].value = .text("tpm")
        }
        #expect(register(tpm) == .attestationFormatUnsupported)
        // Not a map at all.
        var scalar = try Self.registration("none-es256")
        scalar.attestationObject = [0x01]
        #expect(register(scalar) == .attestationObjectMalformed)
    }

    @Test func untrustedAttestation() throws {
        let vectors = try W3CWebAuthnVectors.get()
        // A root that did not issue the attestation certificate.
        let es384 = try AttestationObject(
            bytes: try vectors.example("packed-es384").registration.bytes("attestationObject"))
        let stranger = try Certificate(derEncoded: try #require(es384.statement["x5c"]?.arrayValue?.first?.bytesValue))
        let r = try Self.registration("packed-es256")
        #expect(
            register(r) { $0.attestationPolicy = AttestationPolicy(trustedRoots: [stranger]) } == .attestationUntrusted)
        // Trust required and only none attestation offered.
        let none = try Self.registration("none-es256")
        #expect(
            register(none) { $0.attestationPolicy = AttestationPolicy(requireTrustedAttestation: true) }
                == .attestationUntrusted)
    }

    @Test func signCounter() throws {
        // Re-sign assertions with the vector's credential private key to move the counter.
        let example = try W3CWebAuthnVectors.get().example("none-es256")
        let privateKey = try P256.Signing.PrivateKey(
            rawRepresentation: try example.registration.bytes("credential_private_key"))
        let original = try Self.assertion("none-es256")
        func signed(count: UInt32) throws -> Assertion {
            var a = original
            a.authenticatorData.replaceSubrange(33..<37, with: withUnsafeBytes(of: count.bigEndian, Array.init))
            let message = a.authenticatorData + HashFunction.sha256.hash(a.clientDataJSON)
            a.signature = Array(try privateKey.signature(for: message).derRepresentation)
            return a
        }
        let verifier = AuthenticationVerifier(relyingParty: Self.party)
        func check(_ a: Assertion, stored: UInt32) throws -> SignCountCheck {
            try verifier.verify(
                clientDataJSON: a.clientDataJSON, authenticatorData: a.authenticatorData, signature: a.signature,
                challenge: a.challenge, publicKey: a.publicKey, storedSignCount: stored
            ).signCountCheck
        }
        let seven = try signed(count: 7)
        #expect(try check(seven, stored: 3) == .advanced)
        #expect(try check(seven, stored: 7) == .regressed)
        #expect(try check(seven, stored: 9) == .regressed)
        #expect(try check(original, stored: 5) == .regressed)
        #expect(try check(original, stored: 0) == .unused)
    }

    @Test func coseKeys() throws {
        func code(_ value: CBORValue) -> WebAuthnErrorCode? {
            do throws(WebAuthnError) {
                _ = try COSEKey(cbor: CBOREncoder.encode(value))
                return nil
            } catch {
                return error.code
            }
        }
        let key = try Self.assertion("none-es256").publicKey
        let entries = try #require(try CBORDecoder().decode(key.encoded).mapValue)
        func replacing(_ label: Int, with value: CBORValue?) -> CBORValue {
            var copy = entries.filter { $0.key != .int(label) }
            if let value { copy.append(CBORMapEntry(.int(label), value)) }
            return .map(copy)
        }
        #expect(code(.map(entries)) == nil)
        #expect(code(replacing(3, with: nil)) == .coseKeyMalformed)  // no alg
        #expect(code(replacing(3, with: .int(-35))) == .coseKeyMalformed)  // ES384 on P-256
        #expect(code(replacing(3, with: .int(-65535))) == .coseKeyUnsupported)  // RS1
        #expect(code(replacing(1, with: .int(4))) == .coseKeyUnsupported)  // symmetric
        #expect(code(replacing(-1, with: .int(8))) == .coseKeyUnsupported)  // secp256k1
        #expect(code(replacing(-3, with: .bool(true))) == .coseKeyMalformed)  // compressed point
        #expect(code(replacing(-2, with: .bytes([UInt8](repeating: 0, count: 31)))) == .coseKeyMalformed)
        #expect(code(replacing(-2, with: .bytes([UInt8](repeating: 0x11, count: 32)))) == .coseKeyInvalid)
        #expect(code(.array([])) == .coseKeyMalformed)
        // An RSA modulus under 2048 bits.
        let rsa = CBORValue.map([
            CBORMapEntry(.int(1), .int(3)), CBORMapEntry(.int(3), .int(-257)),
            CBORMapEntry(.int(-1), .bytes([0xc1] + [UInt8](repeating: 0x01, count: 127))),
            CBORMapEntry(.int(-2), .bytes([1, 0, 1])),
        ])
        #expect(code(rsa) == .coseKeyInvalid)
        #expect(throws: WebAuthnError.self) {
            try COSEKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
        }
    }
}
