import Foundation
import TestSupport
import Testing
import Wire

/// Wycheproof's `xdh_comp_schema_v1` file.
private struct X25519Vectors: Decodable {
    let numberOfTests: Int
    let testGroups: [Group]

    struct Group: Decodable {
        let curve: String
        let tests: [Case]
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let flags: [String]
        let `public`: String
        let `private`: String
        let shared: String
        let result: Verdict
    }

    enum Verdict: String, Decodable {
        case valid, invalid, acceptable
    }
}

/// What Sotto must do with one Wycheproof X25519 case.
private enum Outcome: Equatable {
    case accept(shared: [UInt8])
    case reject(CryptoErrorCode)
}

/// Sotto's X25519 policy, applied to a Wycheproof verdict.
///
/// - `valid`: accept; the result must equal `shared`.
/// - `acceptable` with an all-zero result (Wycheproof flags these `ZeroSharedSecret` and
///   `LowOrderPublic`): REJECT with `.weakPublicKey`. A low-order peer key makes the shared
///   secret independent of our private key, so a handshake built on it proves nothing; RFC 7748
///   §6.1 allows refusing it, and libsodium's `crypto_scalarmult` does.
/// - every other `acceptable` case (`Twist`, `NonCanonicalPublic`, `SmallPublicKey`,
///   `SpecialPublicKey`, ...): ACCEPT. RFC 7748 defines these inputs (the top bit is masked,
///   non-canonical values are reduced, twist points are just another u-coordinate) and the
///   result still depends on our key; it must equal `shared`.
/// - `invalid` (the file has none): reject, whatever the error.
private func outcome(for test: X25519Vectors.Case) throws -> Outcome? {
    let shared = try Hex.decode(test.shared)
    switch test.result {
    case .valid:
        return .accept(shared: shared)
    case .acceptable:
        return shared.allSatisfy { $0 == 0 } ? .reject(.weakPublicKey) : .accept(shared: shared)
    case .invalid:
        return nil
    }
}

@Suite("Wycheproof X25519")
struct WycheproofX25519Tests {
    @Test("every Wycheproof vector, with the explicit policy for 'acceptable' cases")
    func wycheproof() throws {
        let vectors = try JSONDecoder().decode(
            X25519Vectors.self, from: Fixtures.data("vectors/primitives/wycheproof_x25519_test.json"))
        var run = 0
        var accepted = 0
        var rejected = 0
        for group in vectors.testGroups {
            #expect(group.curve == "curve25519")
            for test in group.tests {
                run += 1
                let id = "tcId \(test.tcId) (\(test.comment); \(test.flags.joined(separator: ",")))"
                let privateKey = try Hex.decode(test.private)
                let publicKey = try Hex.decode(test.public)
                let lowOrderFlag = test.flags.contains("ZeroSharedSecret") || test.flags.contains("LowOrderPublic")
                var output = [UInt8](repeating: 0xA5, count: X25519.keyByteCount)

                switch try outcome(for: test) {
                case .accept(let shared):
                    #expect(!lowOrderFlag, "\(id): flagged low-order, yet its shared secret is not all zeros")
                    try sharedSecret(privateKey: privateKey, publicKey: publicKey, into: &output)
                    #expect(output == shared, "\(id): shared secret differs")
                    accepted += 1
                case .reject(let code):
                    #expect(lowOrderFlag, "\(id): all-zero shared secret without a low-order flag")
                    let error = #expect(throws: CryptoError.self, "\(id): accepted a low-order public key") {
                        try sharedSecret(privateKey: privateKey, publicKey: publicKey, into: &output)
                    }
                    #expect(error?.code == code, "\(id)")
                    #expect(output.allSatisfy { $0 == 0 }, "\(id): output not wiped after a refusal")
                    rejected += 1
                case nil:
                    #expect(throws: CryptoError.self, "\(id): accepted an invalid case") {
                        try sharedSecret(privateKey: privateKey, publicKey: publicKey, into: &output)
                    }
                    rejected += 1
                }
            }
        }
        #expect(run == vectors.numberOfTests, "ran \(run) of \(vectors.numberOfTests) cases")
        #expect(accepted + rejected == run)
    }

    /// X25519 through the raw-buffer API.
    private func sharedSecret(privateKey: [UInt8], publicKey: [UInt8], into output: inout [UInt8]) throws {
        try privateKey.withUnsafeBytes { priv in
            try publicKey.withUnsafeBytes { pub in
                try output.withUnsafeMutableBytes {
                    try X25519.sharedSecret(privateKey: priv, publicKey: pub, into: $0)
                }
            }
        }
    }

    @Test("key pairs agree, and wrong key lengths are refused")
    func keyPairs() throws {
        let alice = X25519.KeyPair.generate()
        let bob = X25519.KeyPair.generate()
        let ab = try X25519.sharedSecret(privateKey: alice.privateKey, publicKey: bob.publicKey)
        let ba = try X25519.sharedSecret(privateKey: bob.privateKey, publicKey: alice.publicKey)
        #expect(ab == ba)
        #expect(try X25519.KeyPair(privateKey: alice.privateKey).publicKey == alice.publicKey)

        let short = #expect(throws: CryptoError.self) {
            try X25519.sharedSecret(privateKey: alice.privateKey, publicKey: bob.publicKey.dropLast())
        }
        #expect(short?.code == .invalidKeyLength)
        let badPrivate = #expect(throws: CryptoError.self) {
            try X25519.KeyPair(privateKey: SecureBytes(zeroed: 31))
        }
        #expect(badPrivate?.code == .invalidKeyLength)
    }
}
