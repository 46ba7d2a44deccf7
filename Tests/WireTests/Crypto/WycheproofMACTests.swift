import Foundation
import TestSupport
import Testing
import Wire

/// Wycheproof's `mac_test_schema_v1` files.
private struct MACVectors: Decodable {
    let numberOfTests: Int
    let testGroups: [Group]

    struct Group: Decodable {
        let keySize: Int
        /// Tag length in bits; shorter than the hash output for truncated-tag groups.
        let tagSize: Int
        let tests: [Case]
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let flags: [String]
        let key: String
        let msg: String
        let tag: String
        let result: Verdict
    }
}

/// Wycheproof's `hkdf_test_schema_v1` file.
private struct HKDFVectors: Decodable {
    let numberOfTests: Int
    let testGroups: [Group]

    struct Group: Decodable {
        let keySize: Int
        let tests: [Case]
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let flags: [String]
        let ikm: String
        let salt: String
        let info: String
        let size: Int
        let okm: String
        let result: Verdict
    }
}

private enum Verdict: String, Decodable {
    case valid, invalid, acceptable
}

private func load<T: Decodable>(_ type: T.Type, _ file: String) throws -> T {
    try JSONDecoder().decode(type, from: Fixtures.data("vectors/primitives/\(file)"))
}

@Suite("Wycheproof HMAC and HKDF")
struct WycheproofMACTests {
    @Test(
        "every Wycheproof HMAC vector",
        arguments: [
            (HashFunction.sha256, "wycheproof_hmac_sha256_test.json"),
            (HashFunction.sha512, "wycheproof_hmac_sha512_test.json"),
        ])
    func hmac(function: HashFunction, file: String) throws {
        let vectors = try load(MACVectors.self, file)
        var run = 0
        for group in vectors.testGroups {
            let tagBytes = group.tagSize / 8
            #expect(group.tagSize % 8 == 0 && tagBytes <= function.outputByteCount)
            for test in group.tests {
                run += 1
                let id = "HMAC-\(function.rawValue) tcId \(test.tcId) (\(test.comment))"
                let key = try Hex.decode(test.key)
                let message = try Hex.decode(test.msg)
                let tag = try Hex.decode(test.tag)
                #expect(key.count * 8 == group.keySize, "\(id): key length disagrees with the group")
                #expect(tag.count == tagBytes, "\(id): tag length disagrees with the group")

                let full = HMAC.authenticate(function, key: key, message: message)
                #expect(full.count == function.outputByteCount, "\(id)")
                // The same tag, absorbing the message in two pieces.
                var incremental = HMAC(function, key: key)
                incremental.update(message[..<(message.count / 2)])
                incremental.update(message[(message.count / 2)...])
                #expect(incremental.finalize() == full, "\(id): incremental HMAC differs from one-shot")

                let matches = Array(full.prefix(tagBytes)) == tag
                let verifies = HMAC.verify(function, key: key, message: message, tag: tag)
                switch test.result {
                case .valid:
                    #expect(matches, "\(id): tag differs")
                    #expect(verifies, "\(id): verify rejected a valid tag")
                case .invalid:
                    #expect(!matches, "\(id): a modified tag matched")
                    #expect(!verifies, "\(id): verify accepted a modified tag")
                case .acceptable:
                    Issue.record("\(id): 'acceptable' HMAC case with no policy")
                }
            }
        }
        #expect(run == vectors.numberOfTests, "\(file): ran \(run) of \(vectors.numberOfTests) cases")
    }

    @Test("HMAC.verify refuses tags shorter than 10 bytes or longer than the hash")
    func verifyLengths() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let message = Array("Hi There".utf8)
        let tag = HMAC.authenticate(.sha256, key: key, message: message)
        #expect(HMAC.verify(.sha256, key: key, message: message, tag: tag))
        #expect(HMAC.verify(.sha256, key: key, message: message, tag: tag.prefix(10)))
        #expect(!HMAC.verify(.sha256, key: key, message: message, tag: tag.prefix(9)))
        #expect(!HMAC.verify(.sha256, key: key, message: message, tag: [UInt8]()))
        #expect(!HMAC.verify(.sha256, key: key, message: message, tag: tag + [0]))
    }

    @Test("every Wycheproof HKDF-SHA-256 vector")
    func hkdf() throws {
        let vectors = try load(HKDFVectors.self, "wycheproof_hkdf_sha256_test.json")
        var run = 0
        for group in vectors.testGroups {
            for test in group.tests {
                run += 1
                let id = "HKDF-SHA256 tcId \(test.tcId) (\(test.comment))"
                let ikm = try Hex.decode(test.ikm)
                let salt = try Hex.decode(test.salt)
                let info = try Hex.decode(test.info)
                #expect(ikm.count * 8 == group.keySize, "\(id): ikm length disagrees with the group")
                switch test.result {
                case .valid:
                    let okm = try HKDF.deriveKey(.sha256, ikm: ikm, salt: salt, info: info, length: test.size)
                    #expect(okm.unsafeCopyToArray() == (try Hex.decode(test.okm)), "\(id): okm differs")
                case .invalid:
                    // The file's invalid cases all ask for more than 255 × HashLen bytes.
                    #expect(test.flags == ["SizeTooLarge"], "\(id): unexpected kind of invalid case")
                    let error = #expect(throws: CryptoError.self, "\(id): derived an over-long output") {
                        try HKDF.deriveKey(.sha256, ikm: ikm, salt: salt, info: info, length: test.size)
                    }
                    #expect(error?.code == .outputTooLong, "\(id)")
                case .acceptable:
                    Issue.record("\(id): 'acceptable' HKDF case with no policy")
                }
            }
        }
        #expect(run == vectors.numberOfTests, "ran \(run) of \(vectors.numberOfTests) cases")
    }
}
