import Core
import Foundation
import Server
import ServerTesting
import Synchronization
import Testing
import Wire

/// The whole trust story on loopback: the real server with simulated SEV-SNP, the real
/// libcurl client, the production verifier. Every failure is refused before a single byte
/// reaches `/v1/chat`, which the server's own counter proves.
@Suite(.serialized) struct VerifiedChatTests {
    /// One development authority for the suite: creating one makes two RSA-4096 keys.
    static let authorityFolder: URL = FileManager.default.temporaryDirectory
        .appendingPathComponent("sotto-dev-authority-\(UUID().uuidString)")

    static func authority() async throws -> DevelopmentAuthority {
        try await DevelopmentAuthority.loadOrCreate(in: authorityFolder)
    }

    struct Setup {
        let server: LiveServer
        let client: InferenceClient
        let logs: LogCapture
        let backend: ScriptedBackend
        let clientFolder: URL
        let audit: FileAuditLog
    }

    /// How a test's release manifest differs from a current one that allows the server's
    /// configuration at security version 1.
    struct ManifestTerms {
        /// The configurations it allows; nil: the server's own.
        var configurations: [ServerConfiguration]?
        var securityVersion: UInt64 = 1
        /// When it expires; nil: in a year.
        var expiresAt: Date?
        /// Signs it some other way than the development release key does.
        var sign: (@Sendable (ReleaseManifest) throws -> SignedReleaseManifest)?
    }

    /// A server (stub model) and a `--dev` client with a fresh device folder.
    static func setUp(
        measurementOverride: [UInt8]? = nil, policy: UInt64 = DevelopmentSEVSNPProvider.guestPolicy,
        keyClockOffset: TimeInterval = 0, manifestKey: Ed25519.SigningKey? = nil, transport: (any HTTPTransport)? = nil,
        clientFolder: URL? = nil, configuration: ServerConfiguration = .testing, terms: ManifestTerms = ManifestTerms(),
        port: Int = 0, chatDeadline: RequestDeadline = .chatStream
    ) async throws -> Setup {
        let authority = try await authority()
        let measurement = try LaunchMeasurement(
            executableSHA256: [UInt8](repeating: 1, count: 32), modelSHA256: nil,
            configurationSHA256: [UInt8](repeating: 2, count: 32))
        let provider = try DevelopmentSEVSNPProvider(
            authority: authority, measurement: measurement.bytes, policy: policy)
        let releaseKey = try DevelopmentReleaseKey.loadOrCreate(in: authorityFolder)
        let manifest: SignedReleaseManifest
        if let manifestKey {
            manifest = try SignedReleaseManifest.sign(
                ReleaseManifest.testing(
                    version: "rogue", measurement: measurement.hex, modelSHA256: String(repeating: "00", count: 32),
                    configurations: [configuration]),
                with: manifestKey)
        } else if let sign = terms.sign {
            manifest = try sign(
                ReleaseManifest.testing(
                    version: "test-1", measurement: measurement.hex, modelSHA256: Hex.encode(measurement.modelSHA256),
                    configurations: terms.configurations ?? [configuration], securityVersion: terms.securityVersion))
        } else {
            manifest = try releaseKey.signManifest(
                measurement: measurementOverride ?? measurement.bytes, version: "test-1",
                modelSHA256: measurement.modelSHA256, configurations: terms.configurations ?? [configuration],
                securityVersion: terms.securityVersion, expiresAt: terms.expiresAt)
        }
        let logs = LogCapture()
        let backend = ScriptedBackend(tokens: ["The ", "answer ", "is ", "42."])
        let gateway = Gateway(
            keys: ChannelKeyRing(clock: { UInt64(Date().timeIntervalSince1970 + keyClockOffset) }), provider: provider,
            backend: backend, manifest: manifest, configuration: configuration, logger: logs.logger())
        let server = try await LiveServer.start(gateway: gateway, logger: logs.logger(), port: port)
        let folder =
            clientFolder
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("sotto-device-\(UUID().uuidString)")
        let audit = FileAuditLog(path: folder.appendingPathComponent("state/audit.jsonl").path)
        let client = InferenceClient(
            serverURL: server.url, transport: transport ?? CurlHTTPClient(), trust: .production,
            developmentStore: DevelopmentTrustStore(path: folder.appendingPathComponent("trust/development.json").path),
            securityVersions: SecurityVersionStore(
                path: folder.appendingPathComponent("trust/security-versions.json").path),
            auditLog: audit, chatDeadline: chatDeadline)
        return Setup(server: server, client: client, logs: logs, backend: backend, clientFolder: folder, audit: audit)
    }

    static func ask(_ client: InferenceClient, _ text: String) async throws -> [ChatEvent] {
        var events = [ChatEvent]()
        for try await event in client.chat(ChatRequest(messages: [.init(role: .user, content: text)])) {
            events.append(event)
        }
        return events
    }

    /// Asks and expects a refusal at `step` with `code`; then proves nothing reached /v1/chat.
    static func expectRefusal(_ setup: Setup, step: String, code: String) async throws {
        do {
            _ = try await ask(setup.client, "canary-refused-3c9e")
            Issue.record("the client sent a chat to a server that should not verify")
        } catch ClientError.verificationFailed(let failure) {
            #expect(failure.code == code, "\(failure)")
            #expect(failure.steps.last?.name == step)
            #expect(failure.steps.last?.outcome == .failed)
        }
        #expect(setup.server.gateway.metrics.chatRequests == 0)
        #expect(try setup.audit.records().last?.verdict == "refused")
        #expect(try setup.audit.records().last?.reason == code)
        await setup.server.stop()
    }

    @Test func goodPathVerifiesThenChatsAndKeepsTheCanaryOutOfLogsAndFiles() async throws {
        let setup = try await Self.setUp()
        let server = try await setup.client.verify()
        #expect(server.simulated)
        #expect(server.steps.allSatisfy { $0.outcome == .passed })
        #expect(
            server.steps.map(\.name) == [
                "protocol", "evidence", "certificate chain", "report signature", "platform policy", "release manifest",
                "measurement", "configuration", "key binding", "key freshness",
            ])
        let canary = "canary-prompt-a17f"
        let events = try await Self.ask(setup.client, canary)
        #expect(events.compactMap { if case .token(let t) = $0 { t } else { nil } }.joined() == "The answer is 42.")
        #expect(setup.backend.requests.last?.messages.last?.content == canary)
        #expect(setup.server.gateway.metrics.chatAnswered == 1)
        #expect(!setup.logs.text.contains(canary))
        // Neither the server's folder nor the client's holds the prompt.
        for folder in [Self.authorityFolder, setup.clientFolder] {
            let files = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
            for file in files {
                if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path) {
                    #expect(!Data(data).contains(Data(canary.utf8)), "\(file)")
                }
            }
        }
        let records = try setup.audit.records()
        #expect(records.last?.verdict == "trusted")
        #expect(records.last?.simulated == true)
        // What was trusted, in full: the release's rollback floor, where prompts go, the processor.
        #expect(records.last?.securityVersion == 1)
        #expect(records.last?.configurationDigest == ServerConfiguration.testing.digestHex)
        #expect(records.last?.product == server.product)
        await setup.server.stop()
    }

    @Test func withoutDevTheDevelopmentRootIsRefused() async throws {
        let setup = try await Self.setUp()
        let client = InferenceClient(serverURL: setup.server.url, trust: .production)
        do {
            _ = try await client.verify()
            Issue.record("AMD's roots accepted the development root")
        } catch ClientError.verificationFailed(let failure) {
            #expect(failure.code == "SOTTO-ATTEST-UNTRUSTED-ROOT")
        }
        #expect(setup.server.gateway.metrics.chatRequests == 0)
        await setup.server.stop()
    }

    @Test func wrongMeasurementIsRefused() async throws {
        let setup = try await Self.setUp(measurementOverride: [UInt8](repeating: 9, count: 48))
        try await Self.expectRefusal(setup, step: "measurement", code: "SOTTO-ATTEST-MEASUREMENT")
    }

    @Test func debugPolicyIsRefused() async throws {
        let setup = try await Self.setUp(policy: DevelopmentSEVSNPProvider.guestPolicy | (1 << 19))
        try await Self.expectRefusal(setup, step: "platform policy", code: "SOTTO-ATTEST-DEBUG")
    }

    @Test func expiredKeyIsRefused() async throws {
        // The server's clock runs two days behind: the key it announces expired long ago.
        let setup = try await Self.setUp(keyClockOffset: -2 * 24 * 3600)
        try await Self.expectRefusal(setup, step: "key freshness", code: "SOTTO-ATTEST-KEY-EXPIRED")
    }

    @Test func staleNonceIsRefused() async throws {
        let replay = ReplayingTransport()
        let setup = try await Self.setUp(transport: replay)
        _ = try await setup.client.verify()  // recorded by the attacker
        replay.replayAttestation = true
        do {
            _ = try await setup.client.verify()
            Issue.record("a replayed attestation was accepted")
        } catch ClientError.verificationFailed(let failure) {
            #expect(failure.code == "SOTTO-ATTEST-KEY-BINDING")
        }
        #expect(setup.server.gateway.metrics.chatRequests == 0)
        await setup.server.stop()
    }

    @Test func tamperedReportIsRefused() async throws {
        let tamper = ReplayingTransport()
        tamper.flipReportByte = 0x90  // inside MEASUREMENT
        let setup = try await Self.setUp(transport: tamper)
        try await Self.expectRefusal(setup, step: "report signature", code: "SOTTO-ATTEST-REPORT-SIGNATURE")
    }

    @Test func untrustedManifestSignerIsRefused() async throws {
        // The device first pins the genuine development server…
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-device-\(UUID().uuidString)")
        let first = try await Self.setUp(clientFolder: folder)
        _ = try await first.client.verify()
        await first.server.stop()
        // …then meets one whose manifest another key signed.
        let rogue = try await Self.setUp(manifestKey: Ed25519.SigningKey.generate(), clientFolder: folder)
        try await Self.expectRefusal(rogue, step: "release manifest", code: "SOTTO-MANIFEST-SIGNER")
    }

    @Test func tamperedOrTruncatedAnswersEndWithAClearError() async throws {
        for mode in [ReplayingTransport.AnswerDamage.truncate, .flip] {
            let damage = ReplayingTransport()
            damage.damageAnswer = mode
            let setup = try await Self.setUp(transport: damage)
            do {
                _ = try await Self.ask(setup.client, "hello")
                Issue.record("a damaged answer was accepted (\(mode))")
            } catch let error as ChannelError {
                #expect(error.code == (mode == .truncate ? .truncated : .decryptFailed))
            }
            await setup.server.stop()
        }
    }

    /// A server (or a network) that keeps the answer's bytes coming, one at a time, never
    /// lets the transport's idle limit fire; the deadline between complete events ends it.
    @Test func aTricklingAnswerEndsAtTheDeadlineBetweenEvents() async throws {
        let trickle = ReplayingTransport()
        trickle.trickleAnswer = .milliseconds(40)
        let setup = try await Self.setUp(
            transport: trickle, chatDeadline: RequestDeadline(total: nil, betweenEvents: 1))
        let started = ContinuousClock.now
        var tokens = 0
        do {
            for try await event in setup.client.chat(ChatRequest(messages: [.init(role: .user, content: "hello")])) {
                if case .token = event { tokens += 1 }
            }
            Issue.record("a trickled answer was read to its end (\(tokens) tokens)")
        } catch let error as NetError {
            #expect(error.code == .stalled, "\(error)")
            #expect(error.description.contains("for 1 s"), "\(error)")
        }
        // The whole answer, hundreds of bytes at 25 a second, would take far longer.
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(tokens == 0)
        await setup.server.stop()
    }
}

/// A man in the middle: replays an old attestation response, flips a report byte, damages
/// the streamed answer, or trickles it one byte at a time.
final class ReplayingTransport: HTTPTransport, @unchecked Sendable {
    enum AnswerDamage { case truncate, flip }

    private let lock = Mutex<[UInt8]?>(nil)
    private let inner = CurlHTTPClient()
    var replayAttestation = false
    var flipReportByte: Int?
    var damageAnswer: AnswerDamage?
    /// Hands the answer's body on one byte per this interval.
    var trickleAnswer: Duration?

    func perform(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPResponsePart, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var parts = [HTTPResponsePart]()
                    for try await part in inner.stream(request) { parts.append(part) }
                    continuation.yield(parts[0])
                    var body = parts.dropFirst().reduce(into: [UInt8]()) { acc, part in
                        if case .body(let b) = part { acc += b }
                    }
                    if request.url.hasSuffix("/v1/attestation") {
                        if replayAttestation, let old = lock.withLock({ $0 }) {
                            body = old
                        } else {
                            lock.withLock { $0 = body }
                        }
                        if let offset = flipReportByte {
                            var response = try JSONDecoder().decode(AttestationResponse.self, from: Data(body))
                            response.evidence.report.bytes[offset] ^= 0x01
                            body = Array(try JSONEncoder().encode(response))
                        }
                    } else if request.url.hasSuffix("/v1/chat") {
                        switch damageAnswer {
                        case .truncate: body.removeLast(40)
                        case .flip: body[body.count - 30] ^= 0x01
                        case nil: break
                        }
                        if let interval = trickleAnswer {
                            for byte in body {
                                try await Task.sleep(for: interval)
                                continuation.yield(.body([byte]))
                            }
                            continuation.finish()
                            return
                        }
                    }
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
