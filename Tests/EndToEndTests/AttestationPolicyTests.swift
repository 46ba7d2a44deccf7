import Core
import Foundation
import Server
import ServerTesting
import TestSupport
import Testing
import Wire

/// The attestation policy on loopback: the real server with simulated SEV-SNP (Genoa, or Milan
/// where a test asks), the real libcurl client and the production verifier. Every refusal stops
/// before a byte reaches `/v1/chat`.
@Suite(.serialized) struct AttestationPolicyTests {
    /// One Genoa and one Milan authority for the suite: each costs two RSA-4096 keys.
    static let genoaFolder = FileManager.default.temporaryDirectory
        .appendingPathComponent("sotto-policy-genoa-\(UUID().uuidString)")
    static let milanFolder = FileManager.default.temporaryDirectory
        .appendingPathComponent("sotto-policy-milan-\(UUID().uuidString)")

    struct Setup {
        let server: LiveServer
        let client: InferenceClient
        let authority: DevelopmentAuthority
    }

    /// A server whose manifest is `edit`ed and signed by a test release key, and a client that
    /// trusts that key and the authority's root under `policy`.
    static func setUp(
        product: SEVSNPProduct = .genoa, policy: VerificationPolicy = .shipped,
        manifest edit: (inout ReleaseManifest) -> Void = { _ in },
        revocationList: ((DevelopmentAuthority) throws -> [UInt8])? = nil
    ) async throws -> Setup {
        let authority = try await DevelopmentAuthority.loadOrCreate(
            in: product == .milan ? milanFolder : genoaFolder, product: product)
        #expect(authority.product == product)
        let measurement = try LaunchMeasurement(
            executableSHA256: [UInt8](repeating: 3, count: 32), modelSHA256: nil,
            configurationSHA256: [UInt8](repeating: 4, count: 32))
        var provider: any AttestationProvider = DevelopmentSEVSNPProvider(
            authority: authority, measurement: measurement)
        if let revocationList {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-crl-\(UUID().uuidString)")
            try Data(try revocationList(authority)).write(to: file)
            provider = RevocationListAttachingProvider(provider, source: AMDRevocationListSource(.file(file)))
        }
        let release = Ed25519.SigningKey.generate()
        let now = UInt64(Date().timeIntervalSince1970)
        var manifest = ReleaseManifest(
            version: "policy-1", measurement: measurement.hex, modelSHA256: Hex.encode(measurement.modelSHA256),
            issuedAt: now, securityVersion: 1, expiresAt: now + 90 * 86400,
            configurations: [ServerConfiguration.testing.digestHex])
        edit(&manifest)
        let logs = LogCapture()
        let gateway = Gateway(
            keys: ChannelKeyRing(clock: { UInt64(Date().timeIntervalSince1970) }), provider: provider,
            backend: ScriptedBackend(tokens: ["ok"]), manifest: try SignedReleaseManifest.sign(manifest, with: release),
            configuration: .testing, logger: logs.logger())
        let server = try await LiveServer.start(gateway: gateway, logger: logs.logger())
        let trust = TrustSettings(
            releaseSigners: [], policy: policy,
            development: DevelopmentTrust(root: authority.ark, releaseSigner: release.publicKey),
            maxKeyLifetimeSeconds: 7 * 24 * 3600)
        return Setup(
            server: server, client: InferenceClient(serverURL: server.url, trust: trust), authority: authority)
    }

    /// The policy.toml `text` applied to the shipped policy.
    static func policy(_ text: String) throws -> VerificationPolicy {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-policy-\(UUID().uuidString)")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try AttestationPolicyFile.apply(path: file.path, to: .shipped)
    }

    /// Asks, expects the refusal `code` at `step`, and checks that no chat reached the server.
    static func expectRefusal(_ setup: Setup, step: String, code: String, mentioning text: String? = nil) async {
        do {
            for try await _ in setup.client.chat(ChatRequest(messages: [.init(role: .user, content: "canary-9d1")])) {}
            Issue.record("the client sent a chat to a server its policy refuses")
        } catch ClientError.verificationFailed(let failure) {
            #expect(failure.code == code, "\(failure)")
            #expect(failure.steps.last?.name == step, "\(failure.steps)")
            if let text { #expect(failure.message.contains(text), "\(failure.message)") }
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(setup.server.gateway.metrics.chatRequests == 0)
        await setup.server.stop()
    }

    @Test func theDevelopmentAuthorityPassesTheShippedPolicy() async throws {
        let setup = try await Self.setUp()
        let server = try await setup.client.verify()
        #expect(server.product == "Genoa")
        #expect(server.warnings.isEmpty)
        #expect(server.policy == .shipped)
        #expect(server.policy.lines.allSatisfy { $0.hasSuffix("(shipped)") })
        await setup.server.stop()
    }

    @Test func aManifestRaisingTheMinimumTakesEffect() async throws {
        let setup = try await Self.setUp {
            $0.minimumTCB = ["genoa": SEVSNPReport.MinimumTCB(microcode: 85)]
        }
        await Self.expectRefusal(
            setup, step: "manifest policy", code: "SOTTO-ATTEST-TCB-TOO-LOW", mentioning: "below the required 85")
    }

    @Test func aManifestCannotLowerTheMinimum() async throws {
        // Lower than the shipped floor: ignored, the shipped floor stays in force.
        let lower = try await Self.setUp {
            $0.minimumTCB = ["genoa": SEVSNPReport.MinimumTCB(bootloader: 0, tee: 0, snp: 0, microcode: 0)]
        }
        let server = try await lower.client.verify()
        #expect(server.policy.minimumTCB[.genoa] == VerificationPolicy.shipped.minimumTCB[.genoa])
        await lower.server.stop()
        // Lower than policy.toml's floor: policy.toml still refuses.
        let tightened = try Self.policy("[minimum_tcb.genoa]\nmicrocode = 85\n")
        let setup = try await Self.setUp(policy: tightened) {
            $0.minimumTCB = ["genoa": SEVSNPReport.MinimumTCB(microcode: 1)]
        }
        await Self.expectRefusal(setup, step: "platform policy", code: "SOTTO-ATTEST-TCB-TOO-LOW")
    }

    @Test func policyTomlTightensTheMinimumTCB() async throws {
        let setup = try await Self.setUp(policy: try Self.policy("[minimum_tcb.genoa]\nsnp = 22\n"))
        await Self.expectRefusal(
            setup, step: "platform policy", code: "SOTTO-ATTEST-TCB-TOO-LOW",
            mentioning: "reported TCB has snp security patch level 21, below the required 22")
    }

    @Test func policyTomlCanRequireSMTOff() async throws {
        // The development platform reports SMT enabled, as a typical cloud host does.
        let setup = try await Self.setUp(policy: try Self.policy("require_smt_off = true\n"))
        await Self.expectRefusal(setup, step: "platform policy", code: "SOTTO-ATTEST-SMT")
    }

    @Test func policyTomlLimitsTheManifestAge() async throws {
        let fortyDaysAgo = UInt64(Date().timeIntervalSince1970) - 40 * 86_400
        let old = try await Self.setUp(policy: try Self.policy("max_manifest_age_days = 30\n")) {
            $0.issuedAt = fortyDaysAgo
        }
        await Self.expectRefusal(old, step: "manifest age", code: "SOTTO-ATTEST-MANIFEST-AGE", mentioning: "40 days")
        let accepted = try await Self.setUp(policy: try Self.policy("max_manifest_age_days = 60\n")) {
            $0.issuedAt = fortyDaysAgo
        }
        let server = try await accepted.client.verify()
        #expect(server.steps.contains { $0.name == "manifest age" && $0.outcome == .passed })
        await accepted.server.stop()
    }

    @Test func milanIsRefusedByDefaultAndAllowedWithAWarning() async throws {
        let refused = try await Self.setUp(product: .milan)
        await Self.expectRefusal(
            refused, step: "platform policy", code: "SOTTO-ATTEST-PRODUCT-REFUSED", mentioning: "allow_products")
        let allowing = try Self.policy("allow_products = [\"Milan\", \"Genoa\"]\n")
        let setup = try await Self.setUp(product: .milan, policy: allowing)
        let server = try await setup.client.verify()
        #expect(server.product == "Milan")
        #expect(server.warnings.count == 1)
        #expect(server.warnings.first?.contains("VCEK seed can be extracted in software") == true)
        await setup.server.stop()
    }

    @Test func aRevokedVCEKIsRefused() async throws {
        // Serial 0 is the VCEK's, as in every VCEK AMD issues.
        let setup = try await Self.setUp(revocationList: { try $0.issueRevocationList(revoking: [[0]]) })
        await Self.expectRefusal(setup, step: "certificate chain", code: "SOTTO-ATTEST-REVOKED", mentioning: "VCEK")
        let ask = try await Self.setUp(revocationList: {
            try $0.issueRevocationList(revoking: [$0.ask.serialNumber])
        })
        await Self.expectRefusal(ask, step: "certificate chain", code: "SOTTO-ATTEST-REVOKED", mentioning: "ASK")
    }

    @Test func aCurrentListThatNamesNothingPasses() async throws {
        let setup = try await Self.setUp(revocationList: { try $0.issueRevocationList(revoking: [[0x55]]) })
        let server = try await setup.client.verify()
        #expect(server.steps.first { $0.name == "certificate chain" }?.detail.contains("revocation list") == true)
        await setup.server.stop()
    }

    @Test func aListWhoseSignatureDoesNotVerifyIsRefused() async throws {
        let setup = try await Self.setUp(revocationList: {
            var list = try $0.issueRevocationList(revoking: [])
            list[list.count - 1] ^= 0x01
            return list
        })
        await Self.expectRefusal(setup, step: "certificate chain", code: "SOTTO-ATTEST-CRL-SIGNATURE")
    }
}

/// `sotto verify` as a user runs it against `sotto-server serve --dev`: the policy in force is
/// printed rule by rule with its source, and a Milan server is refused, or accepted with a
/// warning in text and JSON when policy.toml allows it.
@Suite(.serialized) struct VerifyPolicyCommandLineTests {
    func startServer(dataDir: String, upstream: String, product: String) throws -> (Process, String) {
        let process = Process()
        process.executableURL = Executables.productsDirectory.appendingPathComponent("sotto-server")
        process.arguments = [
            "serve", "--dev", "--dev-product", product, "--upstream", upstream, "--upstream-model", "fake-model",
            "--listen", "127.0.0.1:0", "--data-dir", dataDir,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = [UInt8]()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://127.0.0.1:[0-9]+", options: .regularExpression) else {
            process.terminate()
            throw FixtureError(path: "sotto-server did not report its address: \(text)")
        }
        return (process, String(text[range]))
    }

    @Test func verifyPrintsThePolicyAndItsSourcesAndWarnsAboutAnAllowedMilan() async throws {
        let upstream = try await FakeOpenAIServer.start(.stream(["ok"]))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sotto-policy-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try startServer(
            dataDir: root.appendingPathComponent("server").path, upstream: upstream.url, product: "milan")
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let config = root.appendingPathComponent("config")
        let env = ["HOME": root.path, "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": config.path]
        let device = root.appendingPathComponent("device").path
        let verify = ["verify", "--dev", "--server", url, "--data-dir", device]

        let refused = try await Executables.run("sotto", verify, environment: env)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("FAIL platform policy: the server runs on AMD EPYC Milan"))
        #expect(refused.stdout.contains("verdict: REFUSED — SOTTO-ATTEST-PRODUCT-REFUSED"))
        #expect(refused.stdout.contains("  allowed products: Genoa, Turin (shipped)"))
        #expect(refused.stdout.contains("  minimum TCB Milan: bootloader=4 tee=0 snp=22 microcode=219 (shipped)"))

        try FileManager.default.createDirectory(
            at: config.appendingPathComponent("sotto"), withIntermediateDirectories: true)
        try Data(
            """
            allow_products = ["Milan", "Genoa", "Turin"]
            max_manifest_age_days = 30
            [minimum_tcb.turin]
            microcode = 20
            """.utf8
        ).write(to: config.appendingPathComponent("sotto/policy.toml"))
        let allowed = try await Executables.run("sotto", verify, environment: env)
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        #expect(allowed.stdout.contains("verdict: TRUSTED — sev-snp Milan"))
        #expect(allowed.stdout.contains("WARNING: Milan is accepted only because the attestation policy allows it"))
        for line in [
            "  allowed products: Milan, Genoa, Turin (policy.toml)",
            "  minimum TCB Genoa: bootloader=9 tee=0 snp=21 microcode=84 (shipped)",
            "  minimum TCB Turin: fmc=3 bootloader=4 tee=0 snp=8 microcode=20 (policy.toml)",
            "  require SMT off: no (shipped)",
            "  maximum manifest age: 30 days (policy.toml)",
        ] {
            #expect(allowed.stdout.contains(line + "\n"), "\(line)\n\(allowed.stdout)")
        }
        #expect(allowed.stdout.contains("ok   manifest age: issued 0 days ago, within 30 days"))

        let json = try await Executables.run("sotto", verify + ["--json"], environment: env)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "trusted")
        #expect((object["warnings"] as? [String])?.first?.contains("VCEK seed") == true)
        let rules = try #require(object["policy"] as? [[String: Any]])
        #expect(
            rules.contains { $0["rule"] as? String == "allowed products" && $0["source"] as? String == "policy.toml" })
        #expect(rules.contains { $0["rule"] as? String == "minimum TCB Genoa" && $0["source"] as? String == "shipped" })

        // A looser policy.toml is refused before anything is fetched, naming the rule and file.
        try Data("[minimum_tcb.genoa]\nmicrocode = 1\n".utf8).write(
            to: config.appendingPathComponent("sotto/policy.toml"))
        let looser = try await Executables.run("sotto", verify, environment: env)
        #expect(looser.status != 0)
        #expect(looser.stderr.contains("SOTTO-POLICY-LOOSER"))
        #expect(looser.stderr.contains("minimum_tcb.genoa.microcode"))
        #expect(looser.stderr.contains("policy.toml"))
    }
}
