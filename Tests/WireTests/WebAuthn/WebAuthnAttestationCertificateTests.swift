import Crypto
import Foundation
import SwiftASN1
import Testing
import Wire
import X509

/// The packed attestation certificate requirements (WebAuthn L3 §8.2.1). Each case reissues the
/// W3C packed-es256 attestation certificate for the same attestation key, so the statement's
/// signature still verifies and only the certificate's content decides.
@Suite("WebAuthn attestation certificates")
struct WebAuthnAttestationCertificateTests {
    typealias Types = ASN1ObjectIdentifier.RDNAttributeType

    static let aaguidOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 45724, 1, 1, 4]

    struct Fixture {
        let registration: W3CWebAuthnVectors.Ceremony
        let key: Certificate.PrivateKey
        let aaguid: [UInt8]

        init() throws {
            registration = try W3CWebAuthnVectors.get().example("packed-es256").registration
            key = Certificate.PrivateKey(
                try P256.Signing.PrivateKey(rawRepresentation: registration.bytes("attestation_private_key")))
            aaguid = try registration.bytes("aaguid")
        }

        /// A self-issued certificate for the attestation key.
        func certificate(
            subject: [(ASN1ObjectIdentifier, String)], isCA: Bool = false, aaguid: [UInt8]? = nil,
            aaguidCritical: Bool = false, notValidAfter: Date = Date(timeIntervalSince1970: 4_102_444_800)
        ) throws -> [UInt8] {
            let name = try DistinguishedName(
                subject.map { RelativeDistinguishedName.Attribute(type: $0.0, utf8String: $0.1) })
            var extensions = [
                try Certificate.Extension(
                    isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority,
                    critical: true)
            ]
            if let aaguid {
                extensions.append(
                    Certificate.Extension(
                        oid: WebAuthnAttestationCertificateTests.aaguidOID, critical: aaguidCritical,
                        value: [0x04, 0x10] + aaguid[...]))
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                notValidBefore: Date(timeIntervalSince1970: 1_704_067_200), notValidAfter: notValidAfter, issuer: name,
                subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(extensions),
                issuerPrivateKey: key)
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            return serializer.serializedBytes
        }

        /// Registers with `x5c` replaced by `certificate`; nil when it verifies.
        func register(_ certificate: [UInt8], policy: AttestationPolicy = .init()) throws -> WebAuthnErrorCode? {
            let object = try WebAuthnTamperTests.rewritingStatement(registration.bytes("attestationObject")) {
                statement in
                statement[statement.firstIndex { $0.key == .text("x5c") }!].value = .array([.bytes(certificate)])
            }
            let verifier = RegistrationVerifier(
                relyingParty: RelyingParty(id: W3CWebAuthnVectors.rpID), attestationPolicy: policy)
            let clientDataJSON = try registration.bytes("clientDataJSON")
            let challenge = try registration.bytes("challenge")
            do throws(WebAuthnError) {
                _ = try verifier.verify(
                    clientDataJSON: clientDataJSON, attestationObject: object, challenge: challenge,
                    at: W3CWebAuthnVectors.now)
                return nil
            } catch {
                return error.code
            }
        }
    }

    static let goodSubject: [(ASN1ObjectIdentifier, String)] = [
        (Types.countryName, "AA"), (Types.organizationName, "Sotto tests"),
        (Types.organizationalUnitName, "Authenticator Attestation"), (Types.commonName, "Test authenticator"),
    ]

    static func subject(without oid: ASN1ObjectIdentifier) -> [(ASN1ObjectIdentifier, String)] {
        goodSubject.filter { $0.0 != oid }
    }

    static func subject(replacing oid: ASN1ObjectIdentifier, with value: String) -> [(ASN1ObjectIdentifier, String)] {
        goodSubject.map { $0.0 == oid ? ($0.0, value) : $0 }
    }

    @Test func aCertificateMeetingTheRequirementsVerifies() throws {
        let fixture = try Fixture()
        #expect(try fixture.register(fixture.certificate(subject: Self.goodSubject)) == nil)
        #expect(try fixture.register(fixture.certificate(subject: Self.goodSubject, aaguid: fixture.aaguid)) == nil)
    }

    @Test func eachRequirementIsEnforced() throws {
        let fixture = try Fixture()
        let cases: [(String, [UInt8])] = [
            (
                "OU other than Authenticator Attestation",
                try fixture.certificate(subject: Self.subject(replacing: Types.organizationalUnitName, with: "Other"))
            ),
            ("no OU", try fixture.certificate(subject: Self.subject(without: Types.organizationalUnitName))),
            ("no C", try fixture.certificate(subject: Self.subject(without: Types.countryName))),
            (
                "three-letter C",
                try fixture.certificate(subject: Self.subject(replacing: Types.countryName, with: "AAA"))
            ),
            ("no O", try fixture.certificate(subject: Self.subject(without: Types.organizationName))),
            ("no CN", try fixture.certificate(subject: Self.subject(without: Types.commonName))),
            ("a CA certificate", try fixture.certificate(subject: Self.goodSubject, isCA: true)),
            (
                "another AAGUID",
                try fixture.certificate(subject: Self.goodSubject, aaguid: [UInt8](repeating: 0xaa, count: 16))
            ),
            (
                "a critical AAGUID extension",
                try fixture.certificate(subject: Self.goodSubject, aaguid: fixture.aaguid, aaguidCritical: true)
            ),
            (
                "expired",
                try fixture.certificate(
                    subject: Self.goodSubject, notValidAfter: Date(timeIntervalSince1970: 1_735_689_600))
            ),
        ]
        for (name, certificate) in cases {
            #expect(try fixture.register(certificate) == .attestationCertificateInvalid, "\(name)")
        }
        #expect(cases.count == 10)
    }

    @Test func aSelfIssuedCertificateDoesNotChainToTheW3CRoot() throws {
        let fixture = try Fixture()
        let root = try Certificate(derEncoded: try W3CWebAuthnVectors.get().attestationRoot)
        let certificate = try fixture.certificate(subject: Self.goodSubject)
        #expect(
            try fixture.register(certificate, policy: AttestationPolicy(trustedRoots: [root])) == .attestationUntrusted)
    }

    @Test func errorsCarryNoClientValues() throws {
        // clientDataJSON values chosen by the client never appear in an error's text.
        let canary = "canary-7f3a"
        let clientData = Array(
            #"{"type":"webauthn.\#(canary)","challenge":"AAAA","origin":"https://\#(canary).example","topOrigin":"https://\#(canary).test"}"#
                .utf8)
        let party = RelyingParty(id: W3CWebAuthnVectors.rpID)
        let assertion = try WebAuthnTamperTests.assertion("packed-es256")
        var descriptions = [String]()
        for (type, challenge) in [("webauthn.get", [UInt8]([0, 0, 0])), ("x", [0, 0, 0]), ("webauthn.get", [1])] {
            let json = String(decoding: clientData, as: UTF8.self).replacingOccurrences(
                of: "webauthn.\(canary)", with: type)
            do throws(WebAuthnError) {
                _ = try AuthenticationVerifier(relyingParty: party).verify(
                    clientDataJSON: Array(json.utf8), authenticatorData: assertion.authenticatorData,
                    signature: assertion.signature, challenge: challenge, publicKey: assertion.publicKey)
            } catch {
                descriptions.append(error.description)
            }
        }
        #expect(descriptions.count == 3)
        #expect(descriptions.contains { $0.hasPrefix("SOTTO-WEBAUTHN-ORIGIN") })
        #expect(descriptions.contains { $0.hasPrefix("SOTTO-WEBAUTHN-TYPE") })
        #expect(descriptions.contains { $0.hasPrefix("SOTTO-WEBAUTHN-CHALLENGE") })
        for description in descriptions { #expect(!description.contains(canary), "\(description)") }
    }
}
