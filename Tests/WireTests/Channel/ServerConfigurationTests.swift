import Foundation
import Testing
import Wire

/// The configuration digest of docs/PROTOCOL.md §1: canonical, stable, and changed by every
/// field that decides where a prompt goes. The vectors were computed independently (Python's
/// hashlib over the documented encoding) and are printed in docs/PROTOCOL.md.
@Suite struct ServerConfigurationTests {
    static let upstream = ServerConfiguration(
        backend: .openAICompatible, upstream: "http://127.0.0.1:8000", model: "llama-3.1-8b-instruct",
        modelSHA256: "")
    static let embedded = ServerConfiguration(
        backend: .embedded, upstream: "", model: "SmolLM2 135M Instruct",
        modelSHA256: String(repeating: "0123456789abcdef", count: 4))

    @Test func theDigestMatchesTheDocumentedVectors() {
        #expect(
            Hex.encode(Self.upstream.canonicalBytes())
                == "736f74746f2f636f6e66696775726174696f6e2f7631"  // "sotto/configuration/v1"
                + "00000011" + Hex.encode(Array("openai-compatible".utf8))
                + "00000015" + Hex.encode(Array("http://127.0.0.1:8000".utf8))
                + "00000015" + Hex.encode(Array("llama-3.1-8b-instruct".utf8))
                + "00000000")
        #expect(Self.upstream.digestHex == "48ae2479739714084cd7f693f4d400acaa79ca8f59c0d8e698cfd11b9bef471c")
        #expect(Self.embedded.digestHex == "c0b9e77f8bc7b4706a3a98af11e18ca886b677bc0d1f8eec085e04fa1399da44")
        #expect(Self.upstream.digest == HashFunction.sha256.hash(Self.upstream.canonicalBytes()))
    }

    @Test func theDigestSurvivesTheJSONRoundTrip() throws {
        // The client recomputes the digest from the JSON it received.
        let json = try JSONEncoder().encode(Self.embedded)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""model_sha256":"0123"#))
        #expect(text.contains(#""backend":"embedded""#))
        let decoded = try JSONDecoder().decode(ServerConfiguration.self, from: json)
        #expect(decoded.digest == Self.embedded.digest)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(
                ServerConfiguration.self,
                from: Data(#"{"backend":"remote","upstream":"","model":"m","model_sha256":""}"#.utf8))
        }
    }

    @Test func everyFieldChangesTheDigest() {
        let base = Self.upstream.digest
        var changed = Self.upstream
        changed.upstream = "http://10.0.0.7:8000"
        #expect(changed.digest != base)
        changed = Self.upstream
        changed.model = "llama-3.1-70b-instruct"
        #expect(changed.digest != base)
        changed = Self.upstream
        changed.backend = .embedded
        #expect(changed.digest != base)
        changed = Self.upstream
        changed.modelSHA256 = String(repeating: "00", count: 32)
        #expect(changed.digest != base)
        var model = Self.embedded
        model.modelSHA256 = String(repeating: "fedcba9876543210", count: 4)
        #expect(model.digest != Self.embedded.digest)
    }

    @Test func fieldBoundariesCannotBeShifted() {
        // Moving characters from one field to the next gives other bytes: lengths are prefixed.
        let one = ServerConfiguration(
            backend: .openAICompatible, upstream: "http://127.0.0.1:80", model: "00x", modelSHA256: "")
        let two = ServerConfiguration(
            backend: .openAICompatible, upstream: "http://127.0.0.1:800", model: "0x", modelSHA256: "")
        #expect(one.digest != two.digest)
    }

    @Test func aManifestAllowsOnlyTheDigestsItNames() {
        let manifest = ReleaseManifest(
            version: "1", measurement: "", modelSHA256: "", issuedAt: 0, securityVersion: 1, expiresAt: 1,
            configurations: [Self.upstream.digestHex.uppercased()])
        #expect(manifest.allows(Self.upstream))
        #expect(!manifest.allows(Self.embedded))
    }
}
