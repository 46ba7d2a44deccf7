import Foundation
import TestSupport
import Testing
import Wire

/// The public Noise vectors: every 25519 vector of cacophony and the noise-c fallback file.
@Suite struct NoiseVectorTests {
    @Test func cacophonyPassesEvery25519Vector() throws {
        let results = try NoiseTestVectors.run(try Fixtures.data("vectors/noise/cacophony.txt"))
        let summary = NoiseTestVectors.summarize(results)
        for r in results {
            if case .failed(let reason) = r.outcome { Issue.record("\(r.name): \(reason)") }
        }
        #expect(results.count == 944)
        #expect(summary.description == "472 passed, 0 failed, 472 skipped")
        // Every skip is an X448 suite, and names the reason.
        for r in results {
            if case .skipped(let reason) = r.outcome {
                #expect(r.name.contains("_448_"), "unexpected skip of \(r.name)")
                #expect(reason.contains("448"))
            } else {
                #expect(r.name.contains("_25519_"))
            }
        }
        // Each of the 59 patterns ran with all four hashes and both ciphers.
        let passedNames = Set(results.filter { $0.outcome == .passed }.map(\.name))
        #expect(passedNames.count == 472)
        for hash in ["SHA256", "SHA512", "BLAKE2b", "BLAKE2s"] {
            for cipher in ["ChaChaPoly", "AESGCM"] {
                #expect(passedNames.filter { $0.hasSuffix("_25519_\(cipher)_\(hash)") }.count == 59)
            }
        }
    }

    @Test func fallbackVectorsPass() throws {
        let results = try NoiseTestVectors.run(try Fixtures.data("vectors/noise/noise-c-fallback.txt"))
        for r in results {
            if case .failed(let reason) = r.outcome { Issue.record("\(r.name): \(reason)") }
        }
        let passed = results.filter { $0.outcome == .passed }.map(\.name)
        #expect(passed.count == 8)
        #expect(passed.allSatisfy { $0.hasPrefix("Noise_XXfallback_25519_") })
        let skipped = results.filter { if case .skipped = $0.outcome { true } else { false } }
        #expect(skipped.count == 24)
        #expect(skipped.allSatisfy { $0.name.hasPrefix("NoisePSK_") || $0.name.contains("_448_") })
    }

    /// The runner must notice a wrong byte anywhere: flip one hex digit in each message of
    /// a vector in turn and expect a failure each time.
    @Test func runnerDetectsTamperedCiphertexts() throws {
        let data = try Fixtures.data("vectors/noise/cacophony.txt")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let vectors = try #require(json["vectors"] as? [[String: Any]])
        let vector = try #require(
            vectors.first { ($0["protocol_name"] as? String) == "Noise_XKpsk3_25519_ChaChaPoly_SHA256" })
        let messages = try #require(vector["messages"] as? [[String: String]])
        for index in messages.indices {
            var tampered = vector
            var msgs = messages
            var hex = Array(msgs[index]["ciphertext"]!)
            hex[hex.count - 1] = hex[hex.count - 1] == "0" ? "1" : "0"
            msgs[index]["ciphertext"] = String(hex)
            tampered["messages"] = msgs
            let file = try JSONSerialization.data(withJSONObject: ["vectors": [tampered]])
            let results = try NoiseTestVectors.run(file)
            guard case .failed = results[0].outcome else {
                Issue.record("a flipped byte in message \(index) went unnoticed")
                continue
            }
        }
        // And a wrong handshake hash.
        var wrongHash = vector
        wrongHash["handshake_hash"] = String(repeating: "00", count: 32)
        let results = try NoiseTestVectors.run(try JSONSerialization.data(withJSONObject: ["vectors": [wrongHash]]))
        #expect(results[0].outcome != .passed)
    }

    @Test func runnerRejectsMalformedFiles() throws {
        #expect(throws: (any Error).self) { try NoiseTestVectors.run(Data("not json".utf8)) }
        #expect(throws: (any Error).self) { try NoiseTestVectors.run(Data("{\"vectors\": 3}".utf8)) }
        // A vector with bad hex fails rather than crashing.
        let bad = Data(
            #"{"vectors":[{"protocol_name":"Noise_NN_25519_ChaChaPoly_SHA256","init_prologue":"zz","resp_prologue":"","messages":[]}]}"#
                .utf8)
        let results = try NoiseTestVectors.run(bad)
        guard case .failed = results[0].outcome else {
            Issue.record("bad hex should fail the vector")
            return
        }
    }
}
