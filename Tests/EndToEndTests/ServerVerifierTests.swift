import Core
import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// `ServerVerifier`, the client's last word before a prompt leaves the device, step by step:
/// a response built in process from a development authority passes every step in the table's
/// order, and for each step a response broken in that one place fails exactly there, with its
/// code, after every earlier step passed. No server, no network, no clock.
@Suite struct ServerVerifierTests {
    /// One development authority for the suite: creating one makes two RSA-4096 keys.
    static let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("sotto-verifier-\(UUID().uuidString)", isDirectory: true)
    static let authority = Task { () throws -> DevelopmentAuthority in
        atexit { try? FileManager.default.removeItem(at: ServerVerifierTests.folder) }
        return try await DevelopmentAuthority.loadOrCreate(in: folder)
    }

    static let now = Date()
    static let measurement = [UInt8](repeating: 0x5a, count: LaunchMeasurement.byteCount)

    /// What a test changes in an otherwise good response.
    struct Terms {
        var guestPolicy = DevelopmentSEVSNPProvider.guestPolicy
        var manifest: ReleaseManifest?
        var manifestKey: Ed25519.SigningKey?
        var keyClockOffset: TimeInterval = 0
    }

    /// A response as `serve --dev` answers `nonce`, and the trust that accepts it.
    static func response(
        nonce: [UInt8], _ terms: Terms = Terms()
    ) async throws -> (AttestationResponse, TrustSettings) {
        let authority = try await authority.value
        let provider = try DevelopmentSEVSNPProvider(
            authority: authority, measurement: measurement, policy: terms.guestPolicy)
        let releaseKey = try DevelopmentReleaseKey.loadOrCreate(in: folder)
        let key = try ChannelKeyRing(clock: { UInt64(now.timeIntervalSince1970 + terms.keyClockOffset) }).current()
        let configuration = ServerConfiguration.testing
        let manifest = terms.manifest ?? goodManifest
        let signed =
            try terms.manifestKey.map { try SignedReleaseManifest.sign(manifest, with: $0) }
            ?? releaseKey.sign(manifest)
        let evidence = try await provider.evidence(
            reportData: try KeyBinding.reportData(keys: key.announcement, configuration: configuration, nonce: nonce))
        let response = AttestationResponse(
            platform: .sevSNP, evidence: evidence, keys: key.announcement, manifest: signed,
            configuration: configuration)
        let trust = TrustSettings(
            releaseSigners: [], policy: .shipped,
            development: DevelopmentTrust(root: authority.ark, releaseSigner: releaseKey.publicKey),
            maxKeyLifetimeSeconds: 7 * 24 * 3600)
        return (response, trust)
    }

    /// A current manifest naming the measurement and the testing configuration, issued a day ago.
    static var goodManifest: ReleaseManifest {
        var manifest = ReleaseManifest.testing(
            version: "verifier-1", measurement: Hex.encode(measurement), configurations: [.testing])
        manifest.issuedAt = UInt64(now.timeIntervalSince1970) - 86_400
        return manifest
    }

    typealias Step = ServerVerifier.Step

    /// Verifies and expects a refusal at `step` with `code`, every step before it passed, in order.
    static func expectRefusal(
        _ result: Result<VerifiedServer, VerificationFailure>, at step: Step, code: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .failure(let failure) = result else {
            Issue.record("verified a response broken at \(step.rawValue)", sourceLocation: sourceLocation)
            return
        }
        #expect(failure.code == code, "\(failure)", sourceLocation: sourceLocation)
        #expect(failure.steps.last?.name == step.rawValue, sourceLocation: sourceLocation)
        #expect(failure.steps.last?.outcome == .failed, sourceLocation: sourceLocation)
        #expect(failure.steps.dropLast().allSatisfy { $0.outcome == .passed }, sourceLocation: sourceLocation)
        let order = Step.allCases.map(\.rawValue)
        let indices = failure.steps.compactMap { order.firstIndex(of: $0.name) }
        #expect(indices.count == failure.steps.count && indices == indices.sorted(), sourceLocation: sourceLocation)
    }

    @Test func aGoodResponsePassesEveryStepInTheTablesOrder() async throws {
        let nonce = SecureRandom.bytes(32)
        var manifest = Self.goodManifest
        // Raising another product's floor changes the policy: the manifest policy step runs.
        manifest.minimumTCB = ["turin": SEVSNPReport.MinimumTCB(microcode: 0xff)]
        var (response, trust) = try await Self.response(nonce: nonce, Terms(manifest: manifest))
        trust.policy.maxManifestAgeSeconds = PolicyRule(30 * 86_400, from: .policyFile)
        let verified = try ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now).get()
        #expect(verified.steps.map(\.name) == Step.allCases.map(\.rawValue))
        #expect(verified.steps.allSatisfy { $0.outcome == .passed })
        #expect(verified.simulated)
        #expect(verified.measurement == Hex.encode(Self.measurement))
        #expect(verified.policy.minimumTCB[.turin]?.source == .manifest)

        // Without a raised floor or an age limit, those two steps do not run.
        let (plain, plainTrust) = try await Self.response(nonce: nonce)
        let steps = try ServerVerifier(trust: plainTrust).verify(plain, nonce: nonce, now: Self.now).get().steps
        #expect(
            steps.map(\.name) == Step.allCases.filter { ![.manifestPolicy, .manifestAge].contains($0) }.map(\.rawValue))
        _ = response
    }

    @Test func theProtocolStep() async throws {
        let nonce = SecureRandom.bytes(32)
        var (response, trust) = try await Self.response(nonce: nonce)
        response.version = Wire.protocolVersion + 1
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .protocol,
            code: ServerCheckCode.version.rawValue)
    }

    @Test func theEvidenceStep() async throws {
        let nonce = SecureRandom.bytes(32)
        let (good, trust) = try await Self.response(nonce: nonce)
        // SEV-SNP evidence labelled TDX: no collateral, and the report is no TDX quote.
        var tdx = good
        tdx.platform = .tdx
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(tdx, nonce: nonce, now: Self.now), at: .evidence,
            code: TDXErrorCode.collateralParse.rawValue)
        tdx.evidence.collateral = Base64Bytes(Array("{}".utf8))
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(tdx, nonce: nonce, now: Self.now), at: .evidence,
            code: TDXErrorCode.version.rawValue)
        var truncated = good
        truncated.evidence.report.bytes.removeLast(17)
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(truncated, nonce: nonce, now: Self.now), at: .evidence,
            code: AttestationErrorCode.reportSize.rawValue)
    }

    @Test func theCertificateChainStep() async throws {
        let nonce = SecureRandom.bytes(32)
        let (good, trust) = try await Self.response(nonce: nonce)
        var none = good
        none.evidence.certificates = []
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(none, nonce: nonce, now: Self.now), at: .certificateChain,
            code: AttestationErrorCode.certificateParse.rawValue)
        // Without --dev, AMD's pinned roots do not know the development root.
        var production = trust
        production.development = nil
        Self.expectRefusal(
            ServerVerifier(trust: production).verify(good, nonce: nonce, now: Self.now), at: .certificateChain,
            code: AttestationErrorCode.untrustedRoot.rawValue)
    }

    @Test func theReportSignatureStep() async throws {
        let nonce = SecureRandom.bytes(32)
        var (response, trust) = try await Self.response(nonce: nonce)
        // A byte of MEASUREMENT (offset 0x90), which the signature covers.
        response.evidence.report.bytes[0x90] ^= 1
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .reportSignature,
            code: AttestationErrorCode.reportSignature.rawValue)
    }

    @Test func thePlatformPolicyStep() async throws {
        let nonce = SecureRandom.bytes(32)
        let debug = DevelopmentSEVSNPProvider.guestPolicy | (1 << 19)
        let (response, trust) = try await Self.response(nonce: nonce, Terms(guestPolicy: debug))
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .platformPolicy,
            code: AttestationErrorCode.debugEnabled.rawValue)
    }

    @Test func theReleaseManifestStep() async throws {
        let nonce = SecureRandom.bytes(32)
        let (rogue, trust) = try await Self.response(
            nonce: nonce, Terms(manifestKey: try Ed25519.SigningKey(seed: SecureBytes(copying: SecureRandom.bytes(32))))
        )
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(rogue, nonce: nonce, now: Self.now), at: .releaseManifest,
            code: ManifestErrorCode.untrustedSigner.rawValue)
        var expired = Self.goodManifest
        expired.expiresAt = UInt64(Self.now.timeIntervalSince1970) - 1
        let (old, _) = try await Self.response(nonce: nonce, Terms(manifest: expired))
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(old, nonce: nonce, now: Self.now), at: .releaseManifest,
            code: ManifestErrorCode.expired.rawValue)
        let (good, _) = try await Self.response(nonce: nonce)
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(good, nonce: nonce, now: Self.now, minimumSecurityVersion: 2),
            at: .releaseManifest, code: ManifestErrorCode.rollback.rawValue)
    }

    @Test func theManifestPolicyStep() async throws {
        let nonce = SecureRandom.bytes(32)
        let authority = try await Self.authority.value
        var manifest = Self.goodManifest
        manifest.minimumTCB = [
            authority.product.rawValue.lowercased(): SEVSNPReport.MinimumTCB(microcode: authority.tcb.microcode + 1)
        ]
        let (response, trust) = try await Self.response(nonce: nonce, Terms(manifest: manifest))
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .manifestPolicy,
            code: AttestationErrorCode.tcbTooLow.rawValue)
    }

    @Test func theManifestAgeStep() async throws {
        let nonce = SecureRandom.bytes(32)
        var manifest = Self.goodManifest
        manifest.issuedAt = UInt64(Self.now.timeIntervalSince1970) - 31 * 86_400
        var (response, trust) = try await Self.response(nonce: nonce, Terms(manifest: manifest))
        trust.policy.maxManifestAgeSeconds = PolicyRule(30 * 86_400, from: .policyFile)
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .manifestAge,
            code: ServerCheckCode.manifestAge.rawValue)
        _ = response
    }

    @Test func theMeasurementStep() async throws {
        let nonce = SecureRandom.bytes(32)
        var manifest = Self.goodManifest
        manifest.measurement = Hex.encode([UInt8](repeating: 0x5b, count: LaunchMeasurement.byteCount))
        let (response, trust) = try await Self.response(nonce: nonce, Terms(manifest: manifest))
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .measurement,
            code: ServerCheckCode.measurement.rawValue)
    }

    @Test func theConfigurationStep() async throws {
        let nonce = SecureRandom.bytes(32)
        var manifest = Self.goodManifest
        manifest.configurations = [String(repeating: "ab", count: 32)]
        let (response, trust) = try await Self.response(nonce: nonce, Terms(manifest: manifest))
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .configuration,
            code: ServerCheckCode.configuration.rawValue)
    }

    @Test func theKeyBindingStep() async throws {
        let nonce = SecureRandom.bytes(32)
        let (response, trust) = try await Self.response(nonce: nonce)
        // Another request's nonce: a replayed report.
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: SecureRandom.bytes(32), now: Self.now),
            at: .keyBinding, code: ServerCheckCode.keyBinding.rawValue)
    }

    @Test func theKeyFreshnessStep() async throws {
        let nonce = SecureRandom.bytes(32)
        var (response, trust) = try await Self.response(nonce: nonce)
        let expiry = Date(timeIntervalSince1970: TimeInterval(response.keys.notAfter))
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: expiry), at: .keyFreshness,
            code: ServerCheckCode.keyExpired.rawValue)
        trust.maxKeyLifetimeSeconds = 60
        Self.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .keyFreshness,
            code: ServerCheckCode.keyLifetime.rawValue)
        _ = response
    }
}
