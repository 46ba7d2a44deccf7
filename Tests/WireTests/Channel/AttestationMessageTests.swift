import Foundation
import Testing
import Wire

@Suite struct AttestationMessageTests {
    let keys = ServerKeyAnnouncement(
        keyID: [UInt8](repeating: 1, count: 16), x25519: [UInt8](repeating: 2, count: 32),
        mlkem768: [UInt8](repeating: 3, count: 1184), notAfter: 1_800_000_000)
    let nonce = [UInt8](repeating: 9, count: 32)

    @Test func reportDataBindsEveryField() throws {
        let base = try KeyBinding.reportData(keys: keys, nonce: nonce)
        #expect(base.count == 64)
        // Recomputed independently from the definition in docs/PROTOCOL.md.
        var notAfter = [UInt8]()
        for shift in stride(from: 56, through: 0, by: -8) {
            notAfter.append(UInt8(truncatingIfNeeded: 1_800_000_000 >> shift))
        }
        let expected = HashFunction.sha512.hash(
            Array("sotto/attest/v1".utf8), keys.keyID.bytes, keys.x25519.bytes,
            HashFunction.sha256.hash(keys.mlkem768.bytes), notAfter, nonce)
        #expect(base == expected)
        var changed = keys
        changed.notAfter += 1
        #expect(try KeyBinding.reportData(keys: changed, nonce: nonce) != base)
        changed = keys
        changed.mlkem768.bytes[1000] ^= 1
        #expect(try KeyBinding.reportData(keys: changed, nonce: nonce) != base)
        changed = keys
        changed.keyID.bytes[0] ^= 1
        #expect(try KeyBinding.reportData(keys: changed, nonce: nonce) != base)
        #expect(try KeyBinding.reportData(keys: keys, nonce: [UInt8](repeating: 8, count: 32)) != base)
        #expect(throws: CryptoError.self) { try KeyBinding.reportData(keys: keys, nonce: [1]) }
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
            issuedAt: 1_800_000_000)
        let signed = try SignedReleaseManifest.sign(manifest, with: release)
        #expect(try signed.verify(trustedSigners: [other.publicKey, release.publicKey]) == manifest)
        let untrusted = #expect(throws: ManifestError.self) { try signed.verify(trustedSigners: [other.publicKey]) }
        #expect(untrusted?.code == .untrustedSigner)
        var tampered = signed
        tampered.body.bytes[5] ^= 1
        let bad = #expect(throws: ManifestError.self) { try tampered.verify(trustedSigners: [release.publicKey]) }
        #expect(bad?.code == .badSignature)
        // A validly signed body that is not a manifest.
        let junk = SignedReleaseManifest(body: [1, 2], signature: release.sign([1, 2]), signer: release.publicKey)
        let malformed = #expect(throws: ManifestError.self) { try junk.verify(trustedSigners: [release.publicKey]) }
        #expect(malformed?.code == .malformed)
        // The signed bytes are canonical: sorted keys, so they do not depend on encoder defaults.
        #expect(String(decoding: signed.body.bytes, as: UTF8.self).hasPrefix(#"{"issued_at":1800000000,"measurement""#))
    }
}
