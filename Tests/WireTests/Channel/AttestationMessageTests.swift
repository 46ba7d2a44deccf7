import Foundation
import Testing
import Wire

@Suite struct AttestationMessageTests {
    let keys = ServerKeyAnnouncement(
        keyID: [UInt8](repeating: 1, count: 16), x25519: [UInt8](repeating: 2, count: 32),
        mlkem768: [UInt8](repeating: 3, count: 1184), notAfter: 1_800_000_000)
    let nonce = [UInt8](repeating: 9, count: 32)

    let configuration = ServerConfiguration(
        backend: .openAICompatible, upstream: "http://127.0.0.1:8000", model: "llama-3.1-8b-instruct",
        modelSHA256: "")

    @Test func reportDataBindsEveryField() throws {
        let base = try KeyBinding.reportData(keys: keys, configuration: configuration, nonce: nonce)
        #expect(base.count == 64)
        // Recomputed independently from the definition in docs/PROTOCOL.md.
        var notAfter = [UInt8]()
        for shift in stride(from: 56, through: 0, by: -8) {
            notAfter.append(UInt8(truncatingIfNeeded: 1_800_000_000 >> shift))
        }
        let expected = HashFunction.sha512.hash(
            Array("sotto/attest/v2".utf8), keys.keyID.bytes, keys.x25519.bytes,
            HashFunction.sha256.hash(keys.mlkem768.bytes), notAfter, configuration.digest, nonce)
        #expect(base == expected)
        // The documented vector (Python's hashlib over the same fields).
        #expect(
            Hex.encode(base)
                == "655d9c8b50e47381fde11cbf4cd6aa2f1b4ad9cf7e061bbd3846b8cef3d002cb"
                + "12c5f4f87873c6f56fa67515af843864be3a0355b52968e35f243ba1c6214889")
        func bound(_ keys: ServerKeyAnnouncement, _ configuration: ServerConfiguration) throws -> [UInt8] {
            try KeyBinding.reportData(keys: keys, configuration: configuration, nonce: nonce)
        }
        var changed = keys
        changed.notAfter += 1
        #expect(try bound(changed, configuration) != base)
        changed = keys
        changed.mlkem768.bytes[1000] ^= 1
        #expect(try bound(changed, configuration) != base)
        changed = keys
        changed.keyID.bytes[0] ^= 1
        #expect(try bound(changed, configuration) != base)
        var elsewhere = configuration
        elsewhere.upstream = "http://10.0.0.7:8000"
        #expect(try bound(keys, elsewhere) != base)
        #expect(
            try KeyBinding.reportData(keys: keys, configuration: configuration, nonce: [UInt8](repeating: 8, count: 32))
                != base)
        #expect(throws: CryptoError.self) {
            try KeyBinding.reportData(keys: keys, configuration: configuration, nonce: [1])
        }
    }

    @Test func messagesUseTheDocumentedJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(AttestationRequest(nonce: nonce)), as: UTF8.self)
        #expect(json == #"{"nonce":"CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=","version":1}"#)
        let keyJSON = String(decoding: try encoder.encode(keys), as: UTF8.self)
        #expect(keyJSON.contains(#""key_id":"AQEBAQEBAQEBAQEBAQEBAQ==""#))
        #expect(keyJSON.contains(#""not_after":1800000000"#))
        let decoded = try JSONDecoder().decode(ServerKeyAnnouncement.self, from: Data(keyJSON.utf8))
        #expect(decoded == keys)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AttestationRequest.self, from: Data(#"{"version":1,"nonce":"!!"}"#.utf8))
        }
    }

    @Test func manifestsVerifyOnlyUnderTrustedKeys() throws {
        let release = Ed25519.SigningKey.generate()
        let other = Ed25519.SigningKey.generate()
        let manifest = ReleaseManifest(
            version: "0.1.0", measurement: String(repeating: "ab", count: 48),
            modelSHA256: String(repeating: "cd", count: 32),
            issuedAt: 1_800_000_000, securityVersion: 3, expiresAt: 1_900_000_000,
            configurations: [configuration.digestHex])
        let signed = try SignedReleaseManifest.sign(manifest, with: release)
        #expect(try signed.verify(trustedSigners: [other.publicKey, release.publicKey]) == manifest)
        let untrusted = #expect(throws: ManifestError.self) { try signed.verify(trustedSigners: [other.publicKey]) }
        #expect(untrusted?.code == .untrustedSigner)
        var tampered = signed
        tampered.body.bytes[5] ^= 1
        let bad = #expect(throws: ManifestError.self) { try tampered.verify(trustedSigners: [release.publicKey]) }
        #expect(bad?.code == .badSignature)
        var forged = signed
        forged.signature.bytes[0] ^= 1
        #expect(throws: ManifestError.self) { try forged.verify(trustedSigners: [release.publicKey]) }
        // A validly signed body that is not a manifest.
        let junk = SignedReleaseManifest(
            body: [1, 2], signature: release.sign(SignedReleaseManifest.signingPrefix + [1, 2]),
            signer: release.publicKey)
        let malformed = #expect(throws: ManifestError.self) { try junk.verify(trustedSigners: [release.publicKey]) }
        #expect(malformed?.code == .malformed)
        // The signed bytes are canonical: sorted keys, so they do not depend on encoder defaults.
        #expect(
            String(decoding: signed.body.bytes, as: UTF8.self)
                == #"{"configurations":["\#(configuration.digestHex)"],"expires_at":1900000000,"issued_at":1800000000,"#
                + #""measurement":"\#(String(repeating: "ab", count: 48))","model_sha256":"\#(String(repeating: "cd", count: 32))","#
                + #""security_version":3,"version":"0.1.0"}"#)
    }

    @Test func theSignatureCoversTheDomainPrefix() throws {
        let release = Ed25519.SigningKey.generate()
        let manifest = ReleaseManifest(
            version: "0.1.0", measurement: "", modelSHA256: "", issuedAt: 0, securityVersion: 1, expiresAt: 1,
            configurations: [])
        let signed = try SignedReleaseManifest.sign(manifest, with: release)
        #expect(SignedReleaseManifest.signingPrefix == Array("sotto/manifest/v2".utf8) + [0])
        try Ed25519.verify(
            signature: signed.signature.bytes, message: Array("sotto/manifest/v2\0".utf8) + signed.body.bytes,
            publicKey: release.publicKey)
        // The same key's signature over the bare body, or under another label, is no manifest.
        for prefix in ["", "sotto/manifest/v1\0", "sotto/manifest/v2", "sotto/attest/v2\0"] {
            let body = signed.body.bytes
            let other = SignedReleaseManifest(
                body: body, signature: release.sign(Array(prefix.utf8) + body), signer: release.publicKey)
            let refused = #expect(throws: ManifestError.self) { try other.verify(trustedSigners: [release.publicKey]) }
            #expect(refused?.code == .badSignature, "\(prefix)")
        }
    }

    @Test func aManifestWithoutTheNewFieldsIsMalformed() throws {
        // A body of the first format, signed under the current prefix, still lacks its terms.
        let release = Ed25519.SigningKey.generate()
        let body = Array(#"{"issued_at":0,"measurement":"ab","model_sha256":"cd","version":"0.1.0"}"#.utf8)
        let old = SignedReleaseManifest(
            body: body, signature: release.sign(SignedReleaseManifest.signingPrefix + body), signer: release.publicKey)
        let refused = #expect(throws: ManifestError.self) { try old.verify(trustedSigners: [release.publicKey]) }
        #expect(refused?.code == .malformed)
    }

    @Test func expiredAndRolledBackManifestsAreRefused() throws {
        let manifest = ReleaseManifest(
            version: "2.0", measurement: "", modelSHA256: "", issuedAt: 1_000, securityVersion: 3, expiresAt: 2_000,
            configurations: [])
        try manifest.checkCurrent(now: 1_999, minimumSecurityVersion: 3)
        try manifest.checkCurrent(now: 1_000, minimumSecurityVersion: 0)
        let expired = #expect(throws: ManifestError.self) {
            try manifest.checkCurrent(now: 2_000, minimumSecurityVersion: 0)
        }
        #expect(expired?.code == .expired)
        let rollback = #expect(throws: ManifestError.self) {
            try manifest.checkCurrent(now: 1_500, minimumSecurityVersion: 4)
        }
        #expect(rollback?.code == .rollback)
        #expect(rollback?.message.contains("security version 3, lower than 4") == true)
    }
}
