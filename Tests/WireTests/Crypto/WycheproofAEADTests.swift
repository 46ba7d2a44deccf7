import Foundation
import TestSupport
import Testing
import Wire

/// Wycheproof's `aead_test_schema_v1` files.
private struct AEADVectors: Decodable {
    let algorithm: String
    let numberOfTests: Int
    let testGroups: [Group]

    struct Group: Decodable {
        let ivSize: Int
        let keySize: Int
        let tagSize: Int
        let tests: [Case]
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let flags: [String]
        let key: String
        let iv: String
        let aad: String
        let msg: String
        let ct: String
        let tag: String
        let result: Verdict
    }

    enum Verdict: String, Decodable {
        case valid, invalid, acceptable
    }

    static func load(_ file: String) throws -> AEADVectors {
        try JSONDecoder().decode(AEADVectors.self, from: Fixtures.data("vectors/primitives/\(file)"))
    }
}

@Suite("Wycheproof AEAD")
struct WycheproofAEADTests {
    @Test(
        "every Wycheproof vector",
        arguments: [
            (AEAD.chaCha20Poly1305, "wycheproof_chacha20_poly1305_test.json"),
            (AEAD.xChaCha20Poly1305, "wycheproof_xchacha20_poly1305_test.json"),
        ])
    func wycheproof(aead: AEAD, file: String) throws {
        let vectors = try AEADVectors.load(file)
        var run = 0
        for group in vectors.testGroups {
            #expect(group.keySize == AEAD.keyByteCount * 8)
            #expect(group.tagSize == AEAD.tagByteCount * 8)
            for test in group.tests {
                try check(aead, test, ivBits: group.ivSize)
                run += 1
            }
        }
        #expect(run == vectors.numberOfTests, "\(file): ran \(run) of \(vectors.numberOfTests) cases")
    }

    private func check(_ aead: AEAD, _ test: AEADVectors.Case, ivBits: Int) throws {
        let id = "\(aead.rawValue) tcId \(test.tcId) (\(test.comment))"
        let key = try Hex.decode(test.key)
        let nonce = try Hex.decode(test.iv)
        let ad = try Hex.decode(test.aad)
        let message = try Hex.decode(test.msg)
        let sealed = try Hex.decode(test.ct) + Hex.decode(test.tag)
        #expect(nonce.count * 8 == ivBits, "\(id): iv length disagrees with the group's ivSize")

        switch test.result {
        case .valid:
            let ours = try aead.seal(key: key, nonce: nonce, plaintext: message, ad: ad)
            #expect(ours == sealed, "\(id): seal differs from ct‖tag")
            let opened = try aead.open(key: key, nonce: nonce, ciphertext: sealed, ad: ad)
            #expect(opened == message, "\(id): open did not return msg")
        case .invalid:
            if nonce.count != aead.nonceByteCount {
                // The API refuses a wrong-sized nonce outright, in both directions.
                let onSeal = #expect(throws: CryptoError.self, "\(id): seal accepted a bad nonce") {
                    try aead.seal(key: key, nonce: nonce, plaintext: message, ad: ad)
                }
                #expect(onSeal?.code == .invalidNonceLength, "\(id)")
                // Wycheproof gives these cases an empty ct‖tag, which `open` refuses for its length
                // before it looks at the nonce; any refusal will do for the vector itself.
                #expect(throws: CryptoError.self, "\(id): open accepted ct‖tag under a bad nonce") {
                    try aead.open(key: key, nonce: nonce, ciphertext: sealed, ad: ad)
                }
                // A well-formed input (a bare 16-byte tag) must then be refused for the nonce itself.
                let bareTag = [UInt8](repeating: 0, count: AEAD.tagByteCount)
                let onOpen = #expect(throws: CryptoError.self, "\(id): open accepted a bad nonce") {
                    try aead.open(key: key, nonce: nonce, ciphertext: bareTag, ad: ad)
                }
                #expect(onOpen?.code == .invalidNonceLength, "\(id)")
            } else {
                let error = #expect(throws: CryptoError.self, "\(id): open accepted a forged ct‖tag") {
                    try aead.open(key: key, nonce: nonce, ciphertext: sealed, ad: ad)
                }
                #expect(error?.code == .authenticationFailed, "\(id)")
            }
        case .acceptable:
            // Neither file has any; should one appear, it needs an explicit policy here.
            Issue.record("\(id): 'acceptable' AEAD case with no policy")
        }
    }

    @Test("a failed open zeroes the caller's output buffer")
    func failedOpenWipesOutput() throws {
        let aead = AEAD.chaCha20Poly1305
        let key = [UInt8](repeating: 7, count: AEAD.keyByteCount)
        let nonce = [UInt8](repeating: 9, count: aead.nonceByteCount)
        var sealed = try aead.seal(key: key, nonce: nonce, plaintext: [UInt8](repeating: 0x55, count: 40))
        sealed[sealed.count - 1] ^= 1
        var output = [UInt8](repeating: 0xEE, count: 40)
        let noAD = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(throws: CryptoError.self) {
            try key.withUnsafeBytes { k in
                try nonce.withUnsafeBytes { n in
                    try sealed.withUnsafeBytes { c in
                        try output.withUnsafeMutableBytes { out in
                            try aead.open(key: k, nonce: n, ciphertext: c, ad: noAD, into: out)
                        }
                    }
                }
            }
        }
        #expect(output.allSatisfy { $0 == 0 })
    }

    @Test("AES-256-GCM round trip and tamper rejection", .enabled(if: AEAD.aes256GCM.isAvailable))
    func aesGCM() throws {
        let aead = AEAD.aes256GCM
        let key = SecureBytes.random(count: AEAD.keyByteCount)
        let nonce = SecureRandom.bytes(aead.nonceByteCount)
        let ad = Array("header".utf8)
        for length in [0, 1, 15, 16, 17, 64, 1000] {
            let message = SecureRandom.bytes(length)
            let sealed = try aead.seal(key: key, nonce: nonce, plaintext: message, ad: ad)
            #expect(sealed.count == length + AEAD.tagByteCount)
            #expect(try aead.open(key: key, nonce: nonce, ciphertext: sealed, ad: ad) == message)
            #expect(
                try aead.openSecret(key: key, nonce: nonce, ciphertext: sealed, ad: ad).unsafeCopyToArray() == message)

            // Flip one bit in every byte position (ciphertext and tag) in turn.
            for index in sealed.indices {
                var forged = sealed
                forged[index] ^= 0x01
                let error = #expect(throws: CryptoError.self, "length \(length), byte \(index)") {
                    try aead.open(key: key, nonce: nonce, ciphertext: forged, ad: ad)
                }
                #expect(error?.code == .authenticationFailed)
            }
            var otherNonce = nonce
            otherNonce[0] ^= 0x80
            var otherAD = ad
            otherAD[0] ^= 0x01
            let otherKey = SecureBytes.random(count: AEAD.keyByteCount)
            #expect(throws: CryptoError.self) { try aead.open(key: key, nonce: otherNonce, ciphertext: sealed, ad: ad) }
            #expect(throws: CryptoError.self) { try aead.open(key: key, nonce: nonce, ciphertext: sealed, ad: otherAD) }
            #expect(throws: CryptoError.self) { try aead.open(key: otherKey, nonce: nonce, ciphertext: sealed, ad: ad) }
            #expect(throws: CryptoError.self) {
                try aead.open(key: key, nonce: nonce, ciphertext: sealed.dropLast(), ad: ad)
            }
        }
    }

    @Test("AES-256-GCM reports itself unsupported without AES-NI", .enabled(if: !AEAD.aes256GCM.isAvailable))
    func aesGCMUnavailable() throws {
        let error = #expect(throws: CryptoError.self) {
            try AEAD.aes256GCM.seal(
                key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 12), plaintext: [UInt8]())
        }
        #expect(error?.code == .unsupported)
    }
}
