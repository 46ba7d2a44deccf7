import Foundation
import TestSupport
import Testing
import Wire

/// `sotto-server dev webauthn-verify`, run as a user runs it, on JSON files built from the W3C
/// WebAuthn vectors: a registration, then an authentication with the key it printed.
@Suite struct WebAuthnVerifyCommandTests {
    /// One W3C example's two ceremonies, hex fields decoded on access.
    struct Example {
        let registration: [String: String]
        let authentication: [String: String]

        init(_ name: String) throws {
            let url = Fixtures.url("vectors/webauthn/w3c-webauthn-l3-test-vectors.json")
            let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            let example = (root?["examples"] as? [String: Any])?["sctn-test-vectors-\(name)"] as? [String: Any]
            guard let registration = example?["registration"] as? [String: String],
                let authentication = example?["authentication"] as? [String: String]
            else { throw FixtureError(path: url.path + " (\(name))") }
            self.registration = registration
            self.authentication = authentication
        }

        static func b64(_ fields: [String: String], _ name: String) throws -> String {
            Base64URL.encode(try Hex.decode(fields[name] ?? ""))
        }

        func creationOptions() throws -> [String: Any] {
            [
                "rp": ["id": "example.org", "name": "Example"],
                "user": ["id": Base64URL.encode(Array("user-1".utf8)), "name": "user", "displayName": "User"],
                "challenge": try Self.b64(registration, "challenge"),
                "pubKeyCredParams": [["type": "public-key", "alg": -7], ["type": "public-key", "alg": -257]],
                "timeout": 60000, "attestation": "direct",
                "authenticatorSelection": ["residentKey": "preferred", "userVerification": "preferred"],
            ]
        }

        func registrationResponse() throws -> [String: Any] {
            let id = try Self.b64(registration, "credential_id")
            return [
                "id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": "cross-platform",
                "response": [
                    "clientDataJSON": try Self.b64(registration, "clientDataJSON"),
                    "attestationObject": try Self.b64(registration, "attestationObject"), "transports": ["usb"],
                ],
                "clientExtensionResults": [String: Any](),
            ]
        }

        func requestOptions() throws -> [String: Any] {
            [
                "challenge": try Self.b64(authentication, "challenge"), "rpId": "example.org",
                "allowCredentials": [["type": "public-key", "id": try Self.b64(registration, "credential_id")]],
                "userVerification": "preferred",
            ]
        }

        func authenticationResponse(signature: [UInt8]? = nil) throws -> [String: Any] {
            let id = try Self.b64(registration, "credential_id")
            let signature = try signature ?? Hex.decode(authentication["signature"] ?? "")
            return [
                "id": id, "rawId": id, "type": "public-key",
                "response": [
                    "clientDataJSON": try Self.b64(authentication, "clientDataJSON"),
                    "authenticatorData": try Self.b64(authentication, "authenticatorData"),
                    "signature": Base64URL.encode(signature),
                ],
                "clientExtensionResults": [String: Any](),
            ]
        }
    }

    /// A temporary folder for the JSON files, removed afterwards.
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-webauthn-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }

        func write(_ name: String, json: [String: Any]) throws -> String {
            try write(name, bytes: JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
        }

        func write(_ name: String, bytes: some DataProtocol) throws -> String {
            let file = url.appendingPathComponent(name)
            try Data(bytes).write(to: file)
            return file.path
        }
    }

    func verify(_ arguments: [String]) throws -> Executables.Result {
        try Executables.run("sotto-server", ["dev", "webauthn-verify"] + arguments)
    }

    @Test func helpListsTheCommand() throws {
        let dev = try Executables.run("sotto-server", ["dev", "--help"])
        #expect(dev.status == 0)
        #expect(dev.stdout.contains("webauthn-verify"))
        let own = try verify(["--help"])
        #expect(own.stdout.contains("--credential-public-key") && own.stdout.contains("--rp-id"))
    }

    @Test func registrationThenAuthentication() throws {
        let folder = try Folder()
        let example = try Example("packed-es256")
        let credentialID = try Example.b64(example.registration, "credential_id")
        let registration = try verify([
            "--options", try folder.write("create.json", json: example.creationOptions()),
            "--response", try folder.write("registration.json", json: example.registrationResponse()),
        ])
        #expect(registration.status == 0, "\(registration.stdout)\(registration.stderr)")
        let lines = registration.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "VERIFIED: WebAuthn registration for RP ID example.org")
        #expect(lines.contains("credential id      \(credentialID)"))
        #expect(lines.contains("algorithm          ES256 (EC2 P-256)"))
        #expect(lines.contains("sign count         0"))
        #expect(lines.contains("flags              UP UV BE AT"))
        #expect(lines.contains("aaguid             876ca4f5-2071-c3e9-b255-09ef2cdf7ed6"))
        #expect(lines.contains("attestation        packed, basic attestation, trust not checked"))
        #expect(lines.contains("-----BEGIN PUBLIC KEY-----"))
        let coseLine = try #require(lines.first { $0.hasPrefix("public key (COSE)  ") })
        let cose = String(coseLine.dropFirst("public key (COSE)  ".count))
        #expect(cose.hasPrefix("a5010203262001215820"))

        // The authentication, checked against the key the registration printed: as hex, then as PEM.
        let pem = lines.drop { $0 != "-----BEGIN PUBLIC KEY-----" }.joined(separator: "\n") + "\n"
        let request = try folder.write("get.json", json: example.requestOptions())
        let assertion = try folder.write("assertion.json", json: example.authenticationResponse())
        for keyFile in [
            try folder.write("key.cose.hex", bytes: Data(cose.utf8)),
            try folder.write("key.pem", bytes: Data(pem.utf8)),
        ] {
            let result = try verify(["--options", request, "--response", assertion, "--credential-public-key", keyFile])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let out = result.stdout.split(separator: "\n").map(String.init)
            #expect(out.first == "VERIFIED: WebAuthn authentication for RP ID example.org")
            #expect(out.contains("credential id      \(credentialID)"))
            #expect(out.contains("sign count         0 (not used)"))
            #expect(out.contains("flags              UP UV BE"))
            #expect(out.contains(coseLine))
            #expect(result.stderr.isEmpty)
        }
        // A stored counter above the received one: verified, and flagged.
        let regressed = try verify([
            "--options", request, "--response", assertion, "--credential-public-key",
            try folder.write("k", bytes: Data(cose.utf8)),
            "--stored-sign-count", "4",
        ])
        #expect(regressed.status == 0)
        #expect(regressed.stdout.contains("sign count         0 (regressed)"))
        #expect(regressed.stderr.contains("may have been cloned"))
    }

    @Test func tamperedCeremoniesAreRefused() throws {
        let folder = try Folder()
        let example = try Example("packed-es256")
        let key = try AttestationObject(bytes: Hex.decode(example.registration["attestationObject"] ?? ""))
            .authenticatorData.attestedCredentialData?.publicKey
        let keyFile = try folder.write("key.cose", bytes: try #require(key).encoded)
        let request = try folder.write("get.json", json: example.requestOptions())
        var signature = try Hex.decode(example.authentication["signature"] ?? "")
        signature[signature.count / 2] ^= 0x01
        let flipped = try folder.write("flipped.json", json: example.authenticationResponse(signature: signature))

        let bad = try verify(["--options", request, "--response", flipped, "--credential-public-key", keyFile])
        #expect(bad.status == 1)
        #expect(bad.stdout.hasPrefix("REFUSED: SOTTO-WEBAUTHN-SIGNATURE: "), "\(bad.stdout)")
        #expect(bad.stderr.contains("SOTTO-WEBAUTHN-SIGNATURE"))

        let good = try folder.write("assertion.json", json: example.authenticationResponse())
        let cases: [([String], String)] = [
            (["--origin", "https://example.com"], "SOTTO-WEBAUTHN-ORIGIN"),
            (["--rp-id", "example.com", "--origin", "https://example.org"], "SOTTO-WEBAUTHN-RP-ID"),
            ([], "SOTTO-WEBAUTHN-NO-PUBLIC-KEY"),
        ]
        for (extra, code) in cases {
            let keyArguments = code.hasSuffix("NO-PUBLIC-KEY") ? [] : ["--credential-public-key", keyFile]
            let result = try verify(["--options", request, "--response", good] + keyArguments + extra)
            #expect(result.status == 1, "\(extra)")
            #expect(result.stdout.hasPrefix("REFUSED: \(code): "), "\(extra): \(result.stdout)")
        }

        // A registration answered to another challenge; a registration offered to request options.
        var options = try example.creationOptions()
        options["challenge"] = Base64URL.encode([UInt8](repeating: 7, count: 32))
        let registration = try folder.write("registration.json", json: example.registrationResponse())
        let other = try verify(["--options", try folder.write("other.json", json: options), "--response", registration])
        #expect(other.status == 1)
        #expect(other.stdout.hasPrefix("REFUSED: SOTTO-WEBAUTHN-CHALLENGE: "))
        let mixed = try verify(["--options", request, "--response", registration])
        #expect(mixed.stdout.hasPrefix("REFUSED: SOTTO-WEBAUTHN-CEREMONY: "))

        let missing = try verify(["--options", request, "--response", folder.url.appendingPathComponent("nope").path])
        #expect(missing.status == 64)
    }
}
