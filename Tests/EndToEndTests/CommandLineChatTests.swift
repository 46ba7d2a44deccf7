import Core
import Foundation
import ServerTesting
import TestSupport
import Testing
import Wire

/// The two binaries as a user runs them: `sotto-server serve --dev` in front of an
/// OpenAI-style upstream, then `sotto verify` and `sotto ask` against it.
@Suite(.serialized) struct CommandLineChatTests {
    /// Starts `sotto-server serve` and returns it with the URL it printed.
    func startServer(dataDir: String, upstream: String) throws -> (Process, String) {
        try startServer(dataDir: dataDir, model: ["--upstream", upstream, "--upstream-model", "fake-model"])
    }

    func startServer(dataDir: String, model: [String], extra: [String] = []) throws -> (Process, String) {
        let process = Process()
        process.executableURL = Executables.productsDirectory.appendingPathComponent("sotto-server")
        process.arguments = ["serve", "--dev"] + model + ["--listen", "127.0.0.1:0", "--data-dir", dataDir] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens (the development authority is created first: seconds).
        var line = [UInt8]()
        let handle = out.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://127.0.0.1:[0-9]+", options: .regularExpression) else {
            process.terminate()
            throw FixtureError(path: "sotto-server did not report its address: \(text)")
        }
        #expect(text.contains("simulated attestation (development)"))
        return (process, String(text[range]))
    }

    /// `serve --dev --platform tdx`: the quote and its collateral come with the evidence, the
    /// client verifies them with its TDX verifier under the development Intel-style root it pins,
    /// labels everything simulated, and the chat works; without --dev the root is refused.
    @Test func verifyAndAskOnSimulatedTDX() async throws {
        let upstream = try await FakeOpenAIServer.start(.stream(["Paris", " is", " the", " capital", "."]))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tdx-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try startServer(
            dataDir: root.appendingPathComponent("server").path,
            model: ["--upstream", upstream.url, "--upstream-model", "fake-model"], extra: ["--platform", "tdx"])
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let device = root.appendingPathComponent("device-a").path
        let env = ["HOME": root.path, "PATH": "/usr/bin:/bin"]

        let verify = try await Executables.run(
            "sotto", ["verify", "--dev", "--server", url, "--data-dir", device], environment: env)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verdict: TRUSTED"))
        #expect(verify.stdout.contains("simulated attestation (development)"))
        #expect(verify.stdout.contains("tdx"))
        #expect(verify.stdout.contains("development Intel-style root (simulated attestation)"))
        #expect(verify.stdout.contains("TCB UpToDate, debug off, root CA CRL and PCK CRL checked"))
        #expect(verify.stdout.contains("ok   key binding"))
        let json = try await Executables.run(
            "sotto", ["verify", "--dev", "--json", "--server", url, "--data-dir", device], environment: env)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "trusted")
        #expect(object["simulated"] as? Bool == true)
        #expect(object["platform"] as? String == "tdx")

        let canary = "canary-tdx-prompt-5b1c"
        let ask = try await Executables.run(
            "sotto", ["ask", "--dev", "--server", url, "--data-dir", device, "Capital of France? \(canary)"],
            environment: env)
        #expect(ask.status == 0, "\(ask.stderr)")
        #expect(ask.stdout == "Paris is the capital.\n")
        #expect(ask.stderr.contains("simulated attestation (development)"))
        #expect(upstream.receivedBodies.last?.contains(canary) == true)

        // Without --dev Intel's pinned root does not know the development root: nothing is sent.
        let refused = try await Executables.run(
            "sotto", ["ask", "--server", url, "--data-dir", root.appendingPathComponent("device-b").path, "hello"],
            environment: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("SOTTO-TDX-UNTRUSTED-ROOT"))
        #expect(upstream.receivedBodies.count == 1)
    }

    /// A simulated TDX platform whose TCB is SWHardeningNeeded: refused by default with its
    /// advisory named, accepted once policy.toml lists the status, and then the advisory is in
    /// every output (text and --json).
    @Test func aTDXStatusThePolicyListsIsAcceptedWithItsAdvisories() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tdx-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try startServer(
            dataDir: root.appendingPathComponent("server").path,
            model: ["--upstream", "http://127.0.0.1:9", "--upstream-model", "fake-model"],
            extra: [
                "--platform", "tdx", "--dev-tdx-tcb-status", "SWHardeningNeeded", "--dev-tdx-advisory",
                "INTEL-SA-00837",
            ])
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let device = root.appendingPathComponent("device").path
        let env = ["HOME": root.path, "PATH": "/usr/bin:/bin"]
        let refused = try await Executables.run(
            "sotto", ["verify", "--dev", "--server", url, "--data-dir", device], environment: env)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("FAIL platform policy"))
        #expect(refused.stderr.contains("SOTTO-TDX-TCB-ACTION-NEEDED"))
        #expect(refused.stderr.contains("INTEL-SA-00837"))

        let config = root.appendingPathComponent(".config/sotto")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try Data(#"tdx_accept_tcb_status = ["SWHardeningNeeded"]"#.utf8).write(
            to: config.appendingPathComponent("policy.toml"))
        let accepted = try await Executables.run(
            "sotto", ["verify", "--dev", "--server", url, "--data-dir", device], environment: env)
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
        #expect(accepted.stdout.contains("ok   platform policy: TCB SWHardeningNeeded (INTEL-SA-00837)"))
        #expect(
            accepted.stdout.contains(
                "WARNING: the platform TCB is SWHardeningNeeded (INTEL-SA-00837), accepted by the attestation policy"))
        #expect(accepted.stdout.contains("TDX TCB statuses accepted: UpToDate, SWHardeningNeeded (policy.toml)"))
        let json = try await Executables.run(
            "sotto", ["verify", "--dev", "--json", "--server", url, "--data-dir", device], environment: env)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "trusted")
        #expect((object["warnings"] as? [String])?.contains { $0.contains("INTEL-SA-00837") } == true)
    }

    @Test func verifyAndAskThroughTheBinaries() async throws {
        let upstream = try await FakeOpenAIServer.start(.stream(["Paris", " is", " the", " capital", "."]))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try startServer(dataDir: root.appendingPathComponent("server").path, upstream: upstream.url)
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let device = root.appendingPathComponent("device-a").path
        let env = ["HOME": root.path, "PATH": "/usr/bin:/bin"]

        let verify = try await Executables.run(
            "sotto", ["verify", "--dev", "--server", url, "--data-dir", device], environment: env)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verdict: TRUSTED"))
        #expect(verify.stdout.contains("simulated attestation (development)"))
        #expect(verify.stdout.contains("ok   key binding"))

        let json = try await Executables.run(
            "sotto", ["verify", "--dev", "--json", "--server", url, "--data-dir", device], environment: env)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "trusted")
        #expect(object["simulated"] as? Bool == true)
        // Every step of the verifier's table but the two that run only when a manifest raises the
        // policy or the policy limits the manifest's age.
        #expect(
            (object["steps"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                == ServerVerifier.Step.allCases.filter { ![.manifestPolicy, .manifestAge].contains($0) }.map(\.rawValue)
        )
        // What the report binds: the digest of where prompts go, and what it covers.
        let served = ServerConfiguration(
            backend: .openAICompatible, upstream: upstream.url, model: "fake-model", modelSHA256: "")
        let configuration = try #require(object["configuration"] as? [String: Any])
        #expect(configuration["digest"] as? String == served.digestHex)
        let covers = try #require(configuration["covers"] as? [String: Any])
        #expect(covers["backend"] as? String == "openai-compatible")
        #expect(covers["upstream"] as? String == upstream.url)
        #expect(covers["model"] as? String == "fake-model")
        #expect(object["security_version"] as? Int == 1)
        #expect(verify.stdout.contains("ok   configuration: digest \(served.digestHex.prefix(16))"))
        #expect(
            verify.stdout.contains("configuration: \(served.digestHex) — OpenAI-compatible upstream \(upstream.url)"))

        let canary = "canary-cli-prompt-77e0"
        let ask = try await Executables.run(
            "sotto",
            ["ask", "--dev", "--server", url, "--data-dir", device, "What is the capital of France? \(canary)"],
            environment: env)
        #expect(ask.status == 0, "\(ask.stderr)")
        #expect(ask.stdout == "Paris is the capital.\n")
        #expect(ask.stderr.contains("simulated attestation (development)"))
        #expect(upstream.receivedBodies.last?.contains(canary) == true)

        // Without --dev the development root is refused, and nothing is sent.
        let refused = try await Executables.run(
            "sotto", ["ask", "--server", url, "--data-dir", root.appendingPathComponent("device-b").path, "hello"],
            environment: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("SOTTO-ATTEST-UNTRUSTED-ROOT"))
        #expect(refused.stdout.isEmpty)
        #expect(upstream.receivedBodies.count == 1)

        // The audit log recorded both verdicts of device A; the server's files hold no prompt.
        let audit = try String(contentsOfFile: device + "/state/audit.jsonl", encoding: .utf8)
        #expect(audit.split(separator: "\n").count == 3)
        #expect(!audit.contains(canary))
        let serverFiles =
            FileManager.default.enumerator(atPath: root.appendingPathComponent("server").path)?
            .allObjects as? [String] ?? []
        #expect(!serverFiles.isEmpty)
        for file in serverFiles {
            let data =
                FileManager.default.contents(atPath: root.appendingPathComponent("server/\(file)").path) ?? Data()
            #expect(!data.contains(Data(canary.utf8)))
        }
        await upstream.stop()
    }

    static let modelPath = Fixtures.defaultModelPath

    /// The whole stack with the embedded model: simulated attestation, the encrypted channel,
    /// and an answer computed by our own engine.
    @Test(.enabled(if: modelPath != nil)) func askTheEmbeddedModelThroughTheBinaries() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try startServer(
            dataDir: root.appendingPathComponent("server").path, model: ["--model", Self.modelPath!])
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let ask = try await Executables.run(
            "sotto",
            [
                "ask", "--dev", "--server", url, "--data-dir", root.appendingPathComponent("device").path,
                "--max-tokens", "16", "What is the capital of Germany?",
            ],
            environment: ["HOME": root.path, "PATH": "/usr/bin:/bin"])
        #expect(ask.status == 0, "\(ask.stderr)")
        #expect(ask.stdout.contains("Berlin"), "\(ask.stdout)")
        #expect(ask.stderr.contains("simulated attestation (development)"))
    }

    /// `sotto ask` with no server configured runs in local mode, as the full screen does: it
    /// starts the local server, gets its answer, and stops the server it started when no
    /// window uses it (issue 20, bug 12).
    @Test(.enabled(if: modelPath != nil)) func askWithNoServerConfiguredStartsTheLocalServer() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let port = LoopbackPort.outsideTheEphemeralRange()
        let ask = try await Executables.run(
            "sotto", ["ask", "--max-tokens", "16", "What is the capital of Germany?"],
            environment: [
                "HOME": root.path, "XDG_CONFIG_HOME": root.path + "/config", "XDG_DATA_HOME": root.path + "/data",
                "XDG_STATE_HOME": root.path + "/state", "PATH": "/usr/bin:/bin", "SOTTO_MODEL": Self.modelPath!,
                "SOTTO_LOCAL_PORT": "\(port)",
            ])
        #expect(ask.status == 0, "\(ask.stderr)")
        #expect(ask.stdout.contains("Berlin"), "\(ask.stdout)")
        #expect(ask.stderr.contains("Starting the local development server"), "\(ask.stderr)")
        #expect(ask.stderr.contains("simulated attestation (development)"))
        // Nobody else used it: it is gone with the command.
        await #expect(throws: NetError.self) {
            _ = try await CurlHTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(port)/healthz"))
        }
    }

    @Test func noServerConfiguredIsAClearError() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-cli-\(UUID().uuidString)")
        let result = try await Executables.run(
            "sotto", ["verify", "--data-dir", root.path],
            environment: ["HOME": root.path, "XDG_CONFIG_HOME": root.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no server given"))
    }
}
