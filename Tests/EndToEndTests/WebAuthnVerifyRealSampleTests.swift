import Foundation
import TestSupport
import Testing
import Wire

/// `sotto-server dev webauthn-verify` on real ceremonies from relying-party libraries' test
/// suites (`rp-library-samples.json`): each registration verifies, then each assertion with the
/// key the registration printed; tampered and malformed input is refused with its code.
@Suite struct WebAuthnVerifyRealSampleTests {
    static let names: [String] = (try? RelyingPartyLibrarySample.all().map(\.name)) ?? []

    func verify(_ arguments: [String]) throws -> Executables.Result {
        try Executables.run("sotto-server", ["dev", "webauthn-verify"] + arguments)
    }

    /// The arguments that name the sample's relying party and, where needed, its time.
    func context(_ sample: RelyingPartyLibrarySample) -> [String] {
        ["--rp-id", sample.rpID, "--origin", sample.origin] + (sample.verifyAtText.map { ["--at", $0] } ?? [])
    }

    func register(
        _ sample: RelyingPartyLibrarySample, in folder: WebAuthnVerifyCommandTests.Folder,
        replacing: [String: String] = [:]
    ) throws -> Executables.Result {
        try verify(
            [
                "--options", try folder.write("create.json", bytes: sample.registrationOptions()),
                "--response",
                try folder.write("registration.json", bytes: sample.registrationResponse(replacing: replacing)),
            ] + context(sample))
    }

    @Test(arguments: names)
    func registersThenAuthenticates(_ name: String) throws {
        let sample = try RelyingPartyLibrarySample.named(name)
        let folder = try WebAuthnVerifyCommandTests.Folder()
        let registration = try register(sample, in: folder)
        #expect(registration.status == 0, "\(registration.stdout)\(registration.stderr)")
        let lines = registration.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "VERIFIED: WebAuthn registration for RP ID \(sample.rpID)")
        guard sample.hasAuthentication else { return }
        let coseLine = try #require(lines.first { $0.hasPrefix("public key (COSE)  ") })
        let key = try folder.write("key.hex", bytes: Data(coseLine.dropFirst("public key (COSE)  ".count).utf8))
        let request = try folder.write("get.json", bytes: sample.authenticationOptions())
        let assertion = try folder.write("assertion.json", bytes: sample.authenticationResponse())
        let result = try verify(
            ["--options", request, "--response", assertion, "--credential-public-key", key] + context(sample))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("VERIFIED: WebAuthn authentication for RP ID \(sample.rpID)"))
        #expect(result.stdout.contains(coseLine))

        var signature = try Base64URL.decode(sample.authenticationField("signature"))
        signature[signature.count - 1] ^= 0x01
        let forged = try folder.write(
            "forged.json", bytes: sample.authenticationResponse(replacing: ["signature": Base64URL.encode(signature)]))
        let refused = try verify(
            ["--options", request, "--response", forged, "--credential-public-key", key] + context(sample))
        #expect(refused.status == 1)
        #expect(refused.stdout.hasPrefix("REFUSED: SOTTO-WEBAUTHN-SIGNATURE: "), "\(refused.stdout)")
    }

    @Test func tamperedAndMalformedAttestationObjectsAreRefused() throws {
        let sample = try RelyingPartyLibrarySample.named("go-webauthn-feitian-es256-windows")
        #expect(sample.reordersAttestationObject)
        let folder = try WebAuthnVerifyCommandTests.Folder()
        let object = try Base64URL.decode(sample.registrationField("attestationObject"))
        let authData = try AttestationObject(bytes: object).authenticatorData.bytes
        let start = try #require(
            (0...(object.count - authData.count)).first { object[$0..<$0 + authData.count].elementsEqual(authData) })
        var counter = object
        counter[start + 36] ^= 0x01
        let entries = Array(object.dropFirst())
        let text = { (value: String) in CBOREncoder.encode(.text(value)) }
        let cases: [(String, [UInt8], String)] = [
            ("a changed signature counter", counter, "SOTTO-WEBAUTHN-ATTESTATION-SIGNATURE"),
            ("a repeated fmt", [0xa4] + entries + text("fmt") + text("none"), "SOTTO-WEBAUTHN-CBOR-DUPLICATE-KEY"),
            ("a trailing byte", object + [0x00], "SOTTO-WEBAUTHN-CBOR-TRAILING-BYTES"),
            ("an indefinite-length map", [0xbf] + entries + [0xff], "SOTTO-WEBAUTHN-CBOR-UNSUPPORTED"),
            (
                "forty nested arrays", [0xa4] + entries + text("deep") + [UInt8](repeating: 0x81, count: 40) + [0x00],
                "SOTTO-WEBAUTHN-CBOR-TOO-DEEP"
            ),
        ]
        for (what, bytes, code) in cases {
            let result = try register(sample, in: folder, replacing: ["attestationObject": Base64URL.encode(bytes)])
            #expect(result.status == 1, "\(what)")
            #expect(result.stdout.hasPrefix("REFUSED: \(code): "), "\(what): \(result.stdout)")
            #expect(result.stderr.contains(code), "\(what)")
        }
        let badTime = try verify(
            [
                "--options", try folder.write("c.json", bytes: sample.registrationOptions()),
                "--response", try folder.write("r.json", bytes: sample.registrationResponse()), "--at", "yesterday",
            ] + context(sample))
        #expect(badTime.status == 64)
    }

    /// The Ed25519 sample's attestation certificate expired in 2020: refused now, verified as of
    /// a time it was valid.
    @Test func attestationCertificatesAreCheckedAtTheGivenTime() throws {
        let sample = try RelyingPartyLibrarySample.named("yubico-ed25519-windows")
        let folder = try WebAuthnVerifyCommandTests.Folder()
        let options = try folder.write("create.json", bytes: sample.registrationOptions())
        let response = try folder.write("registration.json", bytes: sample.registrationResponse())
        let now = try verify([
            "--options", options, "--response", response, "--rp-id", sample.rpID, "--origin", sample.origin,
        ])
        #expect(now.status == 1)
        #expect(now.stdout.hasPrefix("REFUSED: SOTTO-WEBAUTHN-ATTESTATION-CERTIFICATE: "), "\(now.stdout)")
        let then = try verify(["--options", options, "--response", response] + context(sample))
        #expect(then.status == 0, "\(then.stdout)")
    }
}
