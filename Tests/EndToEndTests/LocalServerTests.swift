import Core
import Foundation
import Glibc
import Server
import ServerTesting
import TestSupport
import Testing
import Wire

/// Local mode's child server: the real `sotto-server` binary started, health-checked and
/// stopped; failures to start are clear errors.
@Suite struct LocalServerTests {
    static let modelPath = Fixtures.defaultModelPath

    func options(root: URL, model: String) -> LocalServer.Options {
        LocalServer.Options(
            executable: Executables.productsDirectory.appendingPathComponent("sotto-server").path, modelPath: model,
            dataDirectory: root.appendingPathComponent("server").path,
            logPath: root.appendingPathComponent("server.log").path, startTimeoutSeconds: 60)
    }

    @Test(.enabled(if: modelPath != nil)) func startsAnswersAndStops() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try await LocalServer.start(options(root: root, model: Self.modelPath!))
        #expect(server.url.hasPrefix("http://127.0.0.1:"))
        let health = try await CurlHTTPClient().send(HTTPRequest(url: server.url + "/healthz"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self).contains("\"simulated\":true"))
        server.stop()
        #expect(!server.isRunning)
        await #expect(throws: NetError.self) {
            _ = try await CurlHTTPClient().send(HTTPRequest(url: server.url + "/healthz"))
        }
    }

    /// On a fixed port, a second start finds the running server, checks that it holds the
    /// device's secret, and shares it; only the process that started it stops it. A client
    /// with another secret (another user, another device folder) is refused by the same child.
    @Test(.enabled(if: modelPath != nil)) func aSecondStartChecksAndSharesTheRunningServer() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var fixed = options(root: root, model: Self.modelPath!)
        fixed.port = LoopbackPort.outsideTheEphemeralRange()
        let first = try await LocalServer.start(fixed)
        defer { first.stop() }
        #expect(first.ownsServer && first.url == "http://127.0.0.1:\(fixed.port)")
        let second = try await LocalServer.start(fixed)
        #expect(!second.ownsServer && second.url == first.url)
        #expect(second.developmentTrust == first.developmentTrust)
        second.stop()
        #expect(first.isRunning)
        let health = try await CurlHTTPClient().send(HTTPRequest(url: first.url + "/healthz"))
        #expect(health.status == 200)

        var stranger = fixed
        stranger.secretPath = root.appendingPathComponent("other-user.secret").path
        do {
            _ = try await LocalServer.start(stranger)
            Issue.record("a client with another secret attached")
        } catch let error as LocalServerError {
            #expect(error.code == .foreign, "\(error)")
        }
        #expect(first.isRunning)
    }

    /// Two windows on one local server: the one that started it quits first, and the server
    /// stays for the other (it holds the lease); when that one quits too, the server stops
    /// itself (issue 20, bug 10).
    @Test(.enabled(if: modelPath != nil)) func theServerLivesWhileAnyWindowUsesIt() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var fixed = options(root: root, model: Self.modelPath!)
        fixed.port = LoopbackPort.outsideTheEphemeralRange()
        let first = try await LocalServer.start(fixed)
        let second = try await LocalServer.start(fixed)
        #expect(first.ownsServer && !second.ownsServer)
        first.stop()
        let health = try await CurlHTTPClient().send(HTTPRequest(url: second.url + "/healthz"))
        #expect(health.status == 200)
        second.stop()
        var stopped = false
        for _ in 0..<100 where !stopped {
            try await Task.sleep(for: .milliseconds(100))
            do {
                _ = try await CurlHTTPClient().send(HTTPRequest(url: second.url + "/healthz"))
            } catch is NetError {
                stopped = true
            }
        }
        #expect(stopped, "the server outlived its last window")
    }

    /// Anything else on the port, even a server that looks like a development server, is
    /// refused with a code that says what to do, and receives nothing but the proof's nonce.
    @Test func aForeignServerOnThePortIsRefused() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let impostors = [
            try await FixedAnswerServer.start(status: 200, json: #"{"simulated":true,"status":"ok"}"#),
            try await FixedAnswerServer.start(
                status: 200, json: #"{"proof":"\#(String(repeating: "A", count: 43))="}"#),
        ]
        for impostor in impostors {
            var onPort = options(root: root, model: root.appendingPathComponent("none.gguf").path)
            onPort.port = impostor.port
            do {
                _ = try await LocalServer.start(onPort)
                Issue.record("attached to a server that did not prove itself")
            } catch let error as LocalServerError {
                #expect(error.code == .foreign, "\(error)")
                #expect(error.message.contains("port \(impostor.port)"))
                #expect(error.message.contains("SOTTO_LOCAL_PORT"))
            }
            #expect(impostor.requestedPaths == ["/v1/local/proof"])
            await impostor.stop()
        }
    }

    /// The secret reaches the child on standard input: it is in neither its arguments nor its
    /// environment, which has no `SOTTO_PASSPHRASE` either; the secret file is owner-only.
    @Test(.enabled(if: modelPath != nil)) func theChildGetsNeitherThePassphraseNorTheSecretInItsEnvironment()
        async throws
    {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var withPassphrase = options(root: root, model: Self.modelPath!)
        let canary = "canary-passphrase-\(UUID().uuidString)"
        withPassphrase.environment = ["PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": canary, "SOTTO_MARKER": "kept"]
        let server = try await LocalServer.start(withPassphrase)
        defer { server.stop() }
        let pid = try #require(server.processIdentifier)
        let environ = try #require(FileManager.default.contents(atPath: "/proc/\(pid)/environ"))
        let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(variables.contains("SOTTO_MARKER=kept"))
        #expect(!variables.contains { $0.hasPrefix("SOTTO_PASSPHRASE=") })
        #expect(!environ.contains(Data(canary.utf8)))

        let secret = try #require(FileManager.default.contents(atPath: withPassphrase.secretPath))
        #expect(secret.count == 32)
        let mode =
            try FileManager.default.attributesOfItem(atPath: withPassphrase.secretPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let cmdline = try #require(FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"))
        for encoded in [
            secret, Data(secret.base64EncodedString().utf8),
            Data(secret.map { String(format: "%02x", $0) }.joined().utf8),
        ] {
            #expect(!cmdline.contains(encoded))
            #expect(!environ.contains(encoded))
        }
    }

    /// The development root local mode trusts is read from the server's folder on this device,
    /// and pinned for the device before anything is asked of the port; it is the root the
    /// child's evidence chains to. A device pinned to another root is told so.
    @Test(.enabled(if: modelPath != nil)) func theDevelopmentRootComesFromTheDataFolder() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let options = options(root: root, model: Self.modelPath!)
        let server = try await LocalServer.start(options)
        defer { server.stop() }
        let pem = try String(
            contentsOfFile: options.dataDirectory + "/dev-attestation/ark.pem", encoding: .utf8)
        let ark = try #require(try AMDCertificate.certificates(pem: pem, role: "development ARK").first)
        #expect(server.developmentTrust.root == ark)

        let store = DevelopmentTrustStore(path: root.appendingPathComponent("device/dev-trust.json").path)
        try server.pinDevelopmentTrust(in: store)
        #expect(try store.load() == server.developmentTrust)
        try server.pinDevelopmentTrust(in: store)

        // The child's own evidence proposes the same root and release key.
        let client = InferenceClient(serverURL: server.url, trust: .production, developmentStore: store)
        let verified = try await client.verify()
        #expect(verified.simulated)

        let other = DevelopmentTrustStore(path: root.appendingPathComponent("other/dev-trust.json").path)
        let foreignRoot = try #require(
            try AMDCertificate.certificates(
                pem: try String(contentsOfFile: options.dataDirectory + "/dev-attestation/ask.pem", encoding: .utf8),
                role: "development ASK"
            ).first)
        try other.pin(DevelopmentTrust(root: foreignRoot, releaseSigner: server.developmentTrust.releaseSigner))
        #expect(throws: LocalServerError.self) { try server.pinDevelopmentTrust(in: other) }
    }

    /// A device that used local mode with an older version has pinned that version's
    /// development root, which claims Milan and which today's client refuses. The child renews
    /// its authority (setting the old one aside), and local mode moves the pin to the new root
    /// because the pinned one is among those set aside in its own data folder.
    @Test(.enabled(if: modelPath != nil)) func anOutdatedDevelopmentAuthorityIsRenewedAndRePinned() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let options = options(root: root, model: Self.modelPath!)
        let folder = DevelopmentAuthority.folder(inDataDirectory: URL(fileURLWithPath: options.dataDirectory))
        let old = try await DevelopmentAuthority.loadOrCreate(in: folder, product: .milan)
        let release = try DevelopmentReleaseKey.loadOrCreate(in: folder)
        let store = DevelopmentTrustStore(path: root.appendingPathComponent("device/dev-trust.json").path)
        try store.pin(DevelopmentTrust(root: old.ark, releaseSigner: release.publicKey))

        let server = try await LocalServer.start(options)
        defer { server.stop() }
        #expect(server.developmentTrust.root != old.ark)
        #expect(server.developmentTrust.releaseSigner == release.publicKey)
        #expect(try server.pinDevelopmentTrust(in: store))
        #expect(try store.load() == server.developmentTrust)
        #expect(try !server.pinDevelopmentTrust(in: store))
        let verified = try await InferenceClient(serverURL: server.url, trust: .production, developmentStore: store)
            .verify()
        #expect(verified.simulated)
        let log = try String(contentsOfFile: options.logPath, encoding: .utf8)
        #expect(log.contains("development authority renewed"))

        // A pinned root that is not one the server set aside is still refused.
        let other = DevelopmentTrustStore(path: root.appendingPathComponent("other/dev-trust.json").path)
        try other.pin(DevelopmentTrust(root: old.ask, releaseSigner: release.publicKey))
        #expect(throws: LocalServerError.self) { try server.pinDevelopmentTrust(in: other) }
    }

    /// A `sotto` killed with its terminal cannot stop its child: the child sees its parent go
    /// and shuts down by itself.
    @Test(.enabled(if: modelPath != nil)) func theServerEndsWhenItsParentIsKilled() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let server = Executables.productsDirectory.appendingPathComponent("sotto-server").path
        let pidFile = root.appendingPathComponent("server.pid").path
        // A parent that starts the server as local mode does, then is killed.
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sh")
        parent.arguments = [
            "-c",
            "\"$0\" serve --dev --model \"$1\" --listen 127.0.0.1:0 --data-dir \"$2\" --exit-with-parent "
                + ">\"$2.log\" 2>&1 & echo $! >\"$3\"; wait",
            server, Self.modelPath!, root.appendingPathComponent("data").path, pidFile,
        ]
        try parent.run()
        var pid: pid_t = 0
        for _ in 0..<200 where pid == 0 {
            let text = try? String(contentsOfFile: pidFile, encoding: .utf8)
            pid = text.flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(pid > 0)
        // Up and listening before its parent goes.
        for _ in 0..<600 {
            let log = (try? String(contentsOfFile: root.appendingPathComponent("data.log").path, encoding: .utf8)) ?? ""
            if log.contains("listening on") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(kill(pid, 0) == 0)
        kill(parent.processIdentifier, SIGKILL)
        var gone = false
        for _ in 0..<300 where !gone {
            try await Task.sleep(for: .milliseconds(50))
            // Reaped by init once it exits; until then it may linger as a zombie.
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ")
            gone = state == nil || state?[2] == "Z"
        }
        #expect(gone, "the server outlived its parent")
        if !gone { kill(pid, SIGKILL) }
    }

    @Test func aMissingModelOrBadModelIsAClearError() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        do {
            _ = try await LocalServer.start(options(root: root, model: root.appendingPathComponent("none.gguf").path))
            Issue.record("started without a model")
        } catch let error as LocalServerError {
            #expect(error.code == .missingModel)
        }
        let bogus = root.appendingPathComponent("bogus.gguf")
        try Data("not a gguf file".utf8).write(to: bogus)
        do {
            _ = try await LocalServer.start(options(root: root, model: bogus.path))
            Issue.record("started with a bogus model")
        } catch let error as LocalServerError {
            #expect(error.code == .exited, "\(error)")
            #expect(error.message.contains("server.log"))
        }
    }
}
