import Foundation
import TestSupport
import Testing
import Wire

/// Wycheproof's `eddsa_verify_schema_v1` file.
private struct Ed25519Vectors: Decodable {
    let numberOfTests: Int
    let testGroups: [Group]

    struct Group: Decodable {
        let publicKey: PublicKey
        let tests: [Case]
    }

    struct PublicKey: Decodable {
        let curve: String
        let pk: String
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let flags: [String]
        let msg: String
        let sig: String
        let result: Verdict
    }

    enum Verdict: String, Decodable {
        case valid, invalid, acceptable
    }
}

@Suite("Wycheproof Ed25519")
struct WycheproofEd25519Tests {
    @Test("every Wycheproof vector")
    func wycheproof() throws {
        let vectors = try JSONDecoder().decode(
            Ed25519Vectors.self, from: Fixtures.data("vectors/primitives/wycheproof_ed25519_test.json"))
        var run = 0
        for group in vectors.testGroups {
            #expect(group.publicKey.curve == "edwards25519")
            let publicKey = try Hex.decode(group.publicKey.pk)
            for test in group.tests {
                run += 1
                let id = "tcId \(test.tcId) (\(test.comment))"
                let message = try Hex.decode(test.msg)
                let signature = try Hex.decode(test.sig)
                switch test.result {
                case .valid:
                    #expect(throws: Never.self, "\(id): a valid signature was rejected") {
                        try Ed25519.verify(signature: signature, message: message, publicKey: publicKey)
                    }
                case .invalid:
                    let error = #expect(throws: CryptoError.self, "\(id): an invalid signature verified") {
                        try Ed25519.verify(signature: signature, message: message, publicKey: publicKey)
                    }
                    #expect(error?.code == .invalidSignature, "\(id)")
                case .acceptable:
                    Issue.record("\(id): 'acceptable' Ed25519 case with no policy")
                }
            }
        }
        #expect(run == vectors.numberOfTests, "ran \(run) of \(vectors.numberOfTests) cases")
    }

    @Test("sign then verify; a changed message, signature or key fails")
    func signAndVerify() throws {
        let key = Ed25519.SigningKey.generate()
        let message = Array("release manifest v1".utf8)
        let signature = key.sign(message)
        #expect(signature.count == Ed25519.signatureByteCount)
        try Ed25519.verify(signature: signature, message: message, publicKey: key.publicKey)

        // Ed25519 is deterministic: the same key and message give the same signature.
        #expect(key.sign(message) == signature)

        var otherMessage = message
        otherMessage[0] ^= 1
        var otherSignature = signature
        otherSignature[10] ^= 1
        let otherKey = Ed25519.SigningKey.generate().publicKey
        #expect(throws: CryptoError.self) {
            try Ed25519.verify(signature: signature, message: otherMessage, publicKey: key.publicKey)
        }
        #expect(throws: CryptoError.self) {
            try Ed25519.verify(signature: otherSignature, message: message, publicKey: key.publicKey)
        }
        #expect(throws: CryptoError.self) {
            try Ed25519.verify(signature: signature, message: message, publicKey: otherKey)
        }
        let shortKey = #expect(throws: CryptoError.self) {
            try Ed25519.verify(signature: signature, message: message, publicKey: key.publicKey.dropLast())
        }
        #expect(shortKey?.code == .invalidKeyLength)
    }

    @Test("RFC 8032 §7.1 test 1: the signing key from a seed")
    func rfc8032Seed() throws {
        let seed = SecureBytes(
            copying: try Hex.decode(
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        let key = try Ed25519.SigningKey(seed: seed)
        #expect(Hex.encode(key.publicKey) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(
            Hex.encode(key.sign([UInt8]())) == """
                e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
                5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b
                """)
    }
}
