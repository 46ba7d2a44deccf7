import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// What `serve` checks before serving: where the upstream is, the model file, and that the
/// manifest allows the configuration and is current.
@Suite struct ServingCheckTests {
    @Test(arguments: [
        "http://127.0.0.1:8000", "http://127.9.8.7:8000/v1", "https://127.0.0.1", "http://[::1]:8000",
        "HTTP://127.0.0.1:8000",
    ])
    func loopbackLiteralsStayInTheGuest(url: String) throws {
        #expect(try UpstreamLocation(url: url) == .loopback)
        try ServingCheck.checkUpstream(url)
    }

    @Test func unixSocketsStayInTheGuest() throws {
        #expect(try UpstreamLocation(url: "http+unix://%2Frun%2Fvllm.sock") == .unixSocket(path: "/run/vllm.sock"))
        try ServingCheck.checkUpstream("http+unix://%2Frun%2Fvllm.sock")
        #expect(throws: ServingError.self) { try UpstreamLocation(url: "http+unix://relative.sock") }
    }

    @Test(arguments: [
        "http://10.0.0.7:8000", "http://128.0.0.1:8000", "http://localhost:8000", "http://127.0.0.1.nip.io:8000",
        "http://127.1:8000", "http://0177.0.0.1:8000", "http://2130706433:8000", "http://127.0.0.1@10.0.0.7:8000",
        "http://[::ffff:127.0.0.1]:8000", "http://[2001:db8::1]:8000", "http://model.example",
    ])
    func everythingElseIsOutsideTheGuest(url: String) throws {
        #expect(try !UpstreamLocation(url: url).isInsideGuest)
        let refused = #expect(throws: ServingError.self) { try ServingCheck.checkUpstream(url) }
        #expect(refused?.code == .upstream)
    }

    @Test(arguments: ["ftp://127.0.0.1", "127.0.0.1:8000", "not a url", "http://"])
    func nonURLsAreRefused(url: String) {
        let refused = #expect(throws: ServingError.self) { try ServingCheck.checkUpstream(url) }
        #expect(refused?.code == .upstream)
    }

    @Test func theModelFileMustBeTheManifests() throws {
        let digest = SecureRandom.bytes(32)
        let manifest = ReleaseManifest.testing(modelSHA256: Hex.encode(digest).uppercased())
        try ServingCheck.checkModel(sha256: digest, manifest: manifest)
        var other = digest
        other[0] ^= 1
        let refused = #expect(throws: ServingError.self) {
            try ServingCheck.checkModel(sha256: other, manifest: manifest)
        }
        #expect(refused?.code == .modelDigest)
    }

    @Test func theManifestMustAllowTheConfigurationAndBeCurrent() throws {
        let manifest = ReleaseManifest.testing(expiresAt: 2_000_000_000)
        let before = Date(timeIntervalSince1970: 1_999_999_999)
        try ServingCheck.checkManifest(manifest, allows: .testing, now: before)
        var elsewhere = ServerConfiguration.testing
        elsewhere.model = "another"
        let refused = #expect(throws: ServingError.self) {
            try ServingCheck.checkManifest(manifest, allows: elsewhere, now: before)
        }
        #expect(refused?.code == .configuration)
        let expired = #expect(throws: ServingError.self) {
            try ServingCheck.checkManifest(manifest, allows: .testing, now: Date(timeIntervalSince1970: 2_000_000_000))
        }
        #expect(expired?.code == .manifestExpired)
    }
}
