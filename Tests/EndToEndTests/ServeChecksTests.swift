import Foundation
import Server
import ServerTesting
import TestSupport
import Testing
import Wire

/// `sotto-server serve` and `manifest` as an operator runs them: outside `--dev` the server
/// refuses to start with a model, configuration or upstream its release manifest does not
/// allow, before it loads a model or asks the TEE for anything.
@Suite struct ServeChecksTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-serve-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = root.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// A signed manifest file naming `modelSHA256` and allowing `configurations`.
    func manifest(
        modelSHA256: [UInt8] = [UInt8](repeating: 0, count: 32), configurations: [ServerConfiguration],
        expiresAt: UInt64 = 4_102_444_800
    ) throws -> String {
        let manifest = ReleaseManifest(
            version: "9.9.9", measurement: String(repeating: "ab", count: 48), modelSHA256: Hex.encode(modelSHA256),
            issuedAt: 1_800_000_000, securityVersion: 2, expiresAt: expiresAt,
            configurations: configurations.map(\.digestHex))
        let signed = try SignedReleaseManifest.sign(manifest, with: Ed25519.SigningKey.generate())
        return try file("manifest-\(UUID().uuidString).json", Array(try JSONEncoder().encode(signed)))
    }

    func serve(_ arguments: [String]) async throws -> Executables.Result {
        try await Executables.run(
            "sotto-server",
            ["serve"] + arguments + [
                "--listen", "127.0.0.1:0", "--data-dir", root.appendingPathComponent("data").path,
            ],
            environment: ["HOME": root.path, "PATH": "/usr/bin:/bin"])
    }

    static func upstream(_ url: String) -> ServerConfiguration {
        ServerConfiguration(backend: .openAICompatible, upstream: url, model: "default", modelSHA256: "")
    }

    @Test func aModelWhoseDigestDiffersFromTheManifestRefusesToStart() async throws {
        let signedFor = SecureRandom.bytes(4096)
        let other = SecureRandom.bytes(4096)
        let manifest = try manifest(modelSHA256: HashFunction.sha256.hash(signedFor), configurations: [])
        let refused = try await serve(["--manifest", manifest, "--model", try file("other.gguf", other)])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("SOTTO-SERVE-MODEL-DIGEST"), "\(refused.stderr)")
        #expect(refused.stderr.contains(Hex.encode(HashFunction.sha256.hash(other))))
        // The model it was signed for passes that check (and then fails to load: it is not a GGUF).
        let passed = try await serve(["--manifest", manifest, "--model", try file("signed.gguf", signedFor)])
        #expect(passed.status != 0)
        #expect(!passed.stderr.contains("SOTTO-SERVE-MODEL-DIGEST"), "\(passed.stderr)")
        #expect(passed.stderr.contains("cannot serve"), "\(passed.stderr)")
    }

    @Test(arguments: [
        "http://10.0.0.7:8000", "http://model.example:8000", "http://localhost:8000", "http://127.0.0.1.nip.io:8000",
        "http://127.0.0.1@10.0.0.7:8000", "https://[2001:db8::1]:8000",
    ])
    func anUpstreamOutsideTheGuestIsRefused(upstream: String) async throws {
        let manifest = try manifest(configurations: [Self.upstream(upstream)])
        let refused = try await serve(["--manifest", manifest, "--upstream", upstream])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("SOTTO-SERVE-UPSTREAM"), "\(refused.stderr)")
    }

    @Test func aLoopbackUpstreamTheManifestAllowsPassesTheChecks() async throws {
        for upstream in ["http://127.0.0.1:8000", "http://[::1]:8000", "http+unix://%2Frun%2Fmodel.sock"] {
            let manifest = try manifest(configurations: [Self.upstream(upstream)])
            let result = try await serve(["--manifest", manifest, "--upstream", upstream])
            // This machine has no TEE: the server gets as far as asking for one.
            #expect(result.status != 0)
            #expect(result.stderr.contains("SOTTO-TEE-"), "\(upstream): \(result.stderr)")
            #expect(!result.stderr.contains("SOTTO-SERVE-"), "\(upstream): \(result.stderr)")
        }
    }

    @Test func aConfigurationTheManifestDoesNotAllowRefusesToStart() async throws {
        let manifest = try manifest(configurations: [Self.upstream("http://127.0.0.1:8000")])
        for arguments in [
            ["--upstream", "http://127.0.0.1:8001"],
            ["--upstream", "http://127.0.0.1:8000", "--upstream-model", "another"],
        ] {
            let refused = try await serve(["--manifest", manifest] + arguments)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("SOTTO-SERVE-CONFIGURATION"), "\(refused.stderr)")
        }
    }

    @Test func anExpiredManifestRefusesToStart() async throws {
        let upstream = "http://127.0.0.1:8000"
        let manifest = try manifest(configurations: [Self.upstream(upstream)], expiresAt: 1_000_000_000)
        let refused = try await serve(["--manifest", manifest, "--upstream", upstream])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("SOTTO-SERVE-MANIFEST-EXPIRED"), "\(refused.stderr)")
    }

    @Test func aSimulatedPlatformIsChosenOnlyInDevelopmentMode() async throws {
        let upstream = "http://127.0.0.1:8000"
        let manifest = try manifest(configurations: [Self.upstream(upstream)])
        let refused = try await serve(["--manifest", manifest, "--upstream", upstream, "--platform", "tdx"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--platform chooses the simulated platform with --dev"), "\(refused.stderr)")
        let unknown = try await serve(["--dev", "--upstream", upstream, "--platform", "sgx"])
        #expect(unknown.status != 0)
        // Intel's collateral comes from a file on a TDX guest only; a development server makes its own.
        let collateral = try file("collateral.json", Array("{}".utf8))
        let devCollateral = try await serve(
            ["--dev", "--upstream", upstream, "--platform", "tdx", "--tdx-collateral", collateral])
        #expect(devCollateral.status != 0)
        #expect(devCollateral.stderr.contains("--tdx-collateral is for a TDX guest"), "\(devCollateral.stderr)")
        let both = try await serve([
            "--manifest", manifest, "--upstream", upstream, "--tdx-collateral", collateral,
            "--tdx-collateral-from-pccs", "https://127.0.0.1:8081",
        ])
        #expect(both.status != 0)
        #expect(both.stderr.contains("are alternatives"), "\(both.stderr)")
    }

    @Test func developmentModeServesAnyUpstream() async throws {
        let process = Process()
        process.executableURL = Executables.productsDirectory.appendingPathComponent("sotto-server")
        process.arguments = [
            "serve", "--dev", "--upstream", "http://10.0.0.7:8000", "--listen", "127.0.0.1:0", "--data-dir",
            root.appendingPathComponent("dev").path,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let line = try await Executables.onOwnThread {
            var bytes = [UInt8]()
            while !bytes.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                bytes += chunk
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        #expect(line.contains("sotto-server listening on http://127.0.0.1:"), "\(line)")
    }

    /// The manifest command and the server agree on an embedded model's configuration: a
    /// manifest made for the model lets the server past every check, and the digest it lists
    /// covers the model's name and file digest.
    @Test(.enabled(if: Fixtures.defaultModelPath != nil)) func aManifestForTheEmbeddedModelLetsTheServerStart()
        async throws
    {
        let model = Fixtures.defaultModelPath!
        let seed = SecureRandom.bytes(Ed25519.seedByteCount)
        let key = try Ed25519.SigningKey(seed: SecureBytes(copying: seed))
        let made = try await Executables.run(
            "sotto-server",
            [
                "manifest", "--release-key", try file("release.key", seed), "--model", model, "--data-dir",
                root.appendingPathComponent("data").path,
            ],
            environment: ["HOME": root.path, "PATH": "/usr/bin:/bin"])
        #expect(made.status == 0, "\(made.stderr)")
        let manifest = try file("manifest.json", Array(made.stdout.utf8))
        let signed = try JSONDecoder().decode(SignedReleaseManifest.self, from: Data(made.stdout.utf8))
        let digest = try LaunchMeasurement.sha256(fileAt: URL(fileURLWithPath: model))
        let expected = ServerConfiguration(
            backend: .embedded, upstream: "", model: "Smollm2 135M 8k Lc100K Mix1 Ep2", modelSHA256: Hex.encode(digest))
        #expect(try signed.verify(trustedSigners: [key.publicKey]).configurations == [expected.digestHex])
        let result = try await serve(["--manifest", manifest, "--model", model])
        #expect(result.status != 0)
        #expect(result.stderr.contains("SOTTO-TEE-"), "\(result.stderr)")
        #expect(!result.stderr.contains("SOTTO-SERVE-"), "\(result.stderr)")
    }

    @Test func theManifestCommandSetsSecurityVersionExpiryAndConfigurations() async throws {
        let seed = SecureRandom.bytes(Ed25519.seedByteCount)
        let key = try Ed25519.SigningKey(seed: SecureBytes(copying: seed))
        let extra = Self.upstream("http://127.0.0.1:9000")
        let result = try await Executables.run(
            "sotto-server",
            [
                "manifest", "--release-key", try file("release.key", seed), "--upstream", "http://127.0.0.1:8000/",
                "--upstream-model", "m", "--security-version", "7", "--expires-in-days", "10", "--configuration",
                extra.digestHex, "--data-dir", root.appendingPathComponent("data").path,
            ],
            environment: ["HOME": root.path, "PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
        let signed = try JSONDecoder().decode(SignedReleaseManifest.self, from: Data(result.stdout.utf8))
        let manifest = try signed.verify(trustedSigners: [key.publicKey])
        #expect(manifest.securityVersion == 7)
        let now = UInt64(Date().timeIntervalSince1970)
        #expect(manifest.expiresAt > now + 10 * 86400 - 120 && manifest.expiresAt <= now + 10 * 86400)
        let served = ServerConfiguration(
            backend: .openAICompatible, upstream: "http://127.0.0.1:8000", model: "m", modelSHA256: "")
        #expect(manifest.configurations == [served.digestHex, extra.digestHex])
        // The signature covers the domain prefix, not the bare body.
        #expect(throws: (any Error).self) {
            try Ed25519.verify(signature: signed.signature.bytes, message: signed.body.bytes, publicKey: key.publicKey)
        }
    }
}
