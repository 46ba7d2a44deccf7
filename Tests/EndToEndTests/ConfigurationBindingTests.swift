import Core
import Foundation
import Server
import ServerTesting
import Synchronization
import TestSupport
import Testing
import Wire

/// Issue #13, parts 3 and 4 on loopback: the real server with simulated SEV-SNP, the real
/// libcurl client. A server whose configuration the release does not allow, an expired or
/// wrongly signed manifest, and a rolled-back release are all refused before a byte of the
/// conversation reaches `/v1/chat`. Part of `VerifiedChatTests`, whose development authority
/// (and serial order) these tests share.
extension VerifiedChatTests {
    /// A server that forwards prompts somewhere else than the release allows.
    static let elsewhere = ServerConfiguration(
        backend: .openAICompatible, upstream: "http://127.0.0.1:9999", model: "scripted", modelSHA256: "")

    /// Refused at `step` with `code`, and neither the gateway nor the model saw a chat.
    static func expectRefusalWithNothingSent(_ setup: Setup, step: String, code: String) async throws {
        try await expectRefusal(setup, step: step, code: code)
        #expect(setup.backend.requests.isEmpty)
    }

    @Test func aConfigurationTheReleaseDoesNotAllowIsRefused() async throws {
        let setup = try await Self.setUp(
            configuration: Self.elsewhere, terms: .init(configurations: [.testing]))
        try await Self.expectRefusalWithNothingSent(setup, step: "configuration", code: "SOTTO-ATTEST-CONFIGURATION")
    }

    @Test func aConfigurationSwappedInTransitBreaksTheKeyBinding() async throws {
        // The release allows both; the server runs `elsewhere` and a man in the middle shows
        // the client the other one. The report binds what the server really runs.
        let swap = ConfigurationSwappingTransport(showing: .testing)
        let setup = try await Self.setUp(
            transport: swap, configuration: Self.elsewhere, terms: .init(configurations: [.testing, Self.elsewhere]))
        try await Self.expectRefusalWithNothingSent(setup, step: "key binding", code: "SOTTO-ATTEST-KEY-BINDING")
    }

    @Test func theVerifiedServerNamesItsConfiguration() async throws {
        let setup = try await Self.setUp(configuration: Self.elsewhere)
        let server = try await setup.client.verify()
        #expect(server.configuration == Self.elsewhere)
        let step = try #require(server.steps.first { $0.name == "configuration" })
        #expect(step.outcome == .passed)
        #expect(step.detail.contains(String(Self.elsewhere.digestHex.prefix(16))))
        #expect(step.detail.contains("http://127.0.0.1:9999"))
        await setup.server.stop()
    }

    @Test func anExpiredManifestIsRefused() async throws {
        let setup = try await Self.setUp(terms: .init(expiresAt: Date().addingTimeInterval(-60)))
        try await Self.expectRefusalWithNothingSent(setup, step: "release manifest", code: "SOTTO-MANIFEST-EXPIRED")
    }

    /// The development release key, read from its seed file, to sign things it never would.
    static func developmentReleaseKey() throws -> Ed25519.SigningKey {
        _ = try DevelopmentReleaseKey.loadOrCreate(in: Self.authorityFolder)
        let seed = try Data(
            contentsOf: Self.authorityFolder.appendingPathComponent(DevelopmentReleaseKey.fileName))
        return try Ed25519.SigningKey(seed: SecureBytes(copying: Array(seed)))
    }

    @Test(arguments: ["", "sotto/manifest/v1\0", "sotto/manifest/v2"])
    func aSignatureWithoutTheDomainPrefixIsRefused(prefix: String) async throws {
        let key = try Self.developmentReleaseKey()
        let setup = try await Self.setUp(
            terms: .init(sign: { manifest in
                let body = try manifest.canonicalBytes()
                return SignedReleaseManifest(
                    body: body, signature: key.sign(Array(prefix.utf8) + body), signer: key.publicKey)
            }))
        try await Self.expectRefusalWithNothingSent(setup, step: "release manifest", code: "SOTTO-MANIFEST-SIGNATURE")
    }

    @Test func aTamperedSignatureIsRefused() async throws {
        let key = try Self.developmentReleaseKey()
        let setup = try await Self.setUp(
            terms: .init(sign: { manifest in
                var signed = try SignedReleaseManifest.sign(manifest, with: key)
                signed.signature.bytes[10] ^= 0x01
                return signed
            }))
        try await Self.expectRefusalWithNothingSent(setup, step: "release manifest", code: "SOTTO-MANIFEST-SIGNATURE")
    }

    @Test func aRolledBackReleaseIsRefusedByLaterClientsOfTheSameDevice() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-device-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = ["HOME": folder.path, "PATH": "/usr/bin:/bin"]
        func verifyCommand(_ url: String) async throws -> Executables.Result {
            try await Executables.run(
                "sotto", ["verify", "--dev", "--json", "--server", url, "--data-dir", folder.path],
                environment: environment)
        }

        // A separate process accepts security version 3 and remembers it in the device folder.
        let current = try await Self.setUp(
            clientFolder: folder, terms: .init(securityVersion: 3), port: LoopbackPort.outsideTheEphemeralRange())
        let port = current.server.port
        let accepted = try await verifyCommand(current.server.url)
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
        #expect(accepted.stdout.contains(#""security_version" : 3"#))
        await current.server.stop()
        let stored = folder.appendingPathComponent("trust/security-versions.json").path
        #expect(try FileManager.default.attributesOfItem(atPath: stored)[.posixPermissions] as? Int == 0o600)

        // The same server comes back with release security version 2: a new client in this
        // process and a new `sotto verify` process both refuse it, and nothing is sent.
        let rolledBack = try await Self.setUp(
            clientFolder: folder, terms: .init(securityVersion: 2), port: port)
        let refused = try await verifyCommand(rolledBack.server.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("SOTTO-MANIFEST-ROLLBACK"), "\(refused.stderr)")
        try await Self.expectRefusalWithNothingSent(
            rolledBack, step: "release manifest", code: "SOTTO-MANIFEST-ROLLBACK")

        // Security version 3 or later is still accepted, and raising it raises the floor.
        let upgraded = try await Self.setUp(
            clientFolder: folder, terms: .init(securityVersion: 4), port: port)
        _ = try await upgraded.client.verify()
        #expect(try SecurityVersionStore(path: stored).highest(for: upgraded.server.url) == 4)
        await upgraded.server.stop()
    }

    @Test func oneClientRemembersTheFloorWithoutAFile() async throws {
        // A client with no data folder still refuses a rollback within its own lifetime.
        let current = try await Self.setUp(
            terms: .init(securityVersion: 5), port: LoopbackPort.outsideTheEphemeralRange())
        let port = current.server.port
        let client = InferenceClient(
            serverURL: current.server.url, trust: .production,
            developmentStore: DevelopmentTrustStore(
                path: current.clientFolder.appendingPathComponent("trust/development.json").path))
        _ = try await client.verify()
        await current.server.stop()
        let rolledBack = try await Self.setUp(terms: .init(securityVersion: 4), port: port)
        do {
            _ = try await client.verify()
            Issue.record("a rolled-back release was accepted")
        } catch ClientError.verificationFailed(let failure) {
            #expect(failure.code == "SOTTO-MANIFEST-ROLLBACK")
        }
        await rolledBack.server.stop()
    }
}

/// A man in the middle that shows the client another configuration than the server sent.
final class ConfigurationSwappingTransport: HTTPTransport, Sendable {
    let shown: ServerConfiguration
    let inner = CurlHTTPClient()

    init(showing shown: ServerConfiguration) {
        self.shown = shown
    }

    func perform(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPResponsePart, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var head: HTTPResponsePart?
                    var body = [UInt8]()
                    for try await part in inner.stream(request) {
                        if case .body(let bytes) = part { body += bytes } else { head = part }
                    }
                    if request.url.hasSuffix("/v1/attestation") {
                        var response = try JSONDecoder().decode(AttestationResponse.self, from: Data(body))
                        response.configuration = shown
                        body = Array(try JSONEncoder().encode(response))
                    }
                    if let head { continuation.yield(head) }
                    continuation.yield(.body(body))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
