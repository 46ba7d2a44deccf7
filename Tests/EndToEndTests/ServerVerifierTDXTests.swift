import Core
import DevelopmentPKI
import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// `ServerVerifier` on Intel TDX evidence: the same step table as SEV-SNP, with a quote and
/// collateral made by a development Intel-style hierarchy that only the development trust names.
/// A good response passes every step in order; each broken one fails at its step with its code.
@Suite struct ServerVerifierTDXTests {
    typealias Step = ServerVerifier.Step

    static let now = ServerVerifierTests.now
    static let builder = Result {
        try TDXEvidenceBuilder(
            keys: .random(), organization: "Sotto tests (NOT INTEL)",
            validity: now.addingTimeInterval(-86_400)...now.addingTimeInterval(365 * 86_400))
    }
    static let mrTD = [UInt8](repeating: 0x7D, count: 48)
    static let rtmrs = (0..<4).map { [UInt8](repeating: 0xA0 + UInt8($0), count: 48) }

    /// What a test changes in an otherwise good response.
    struct Terms {
        var status = "UpToDate"
        var advisories: [String] = []
        var debug = false
        var revokePCK = false
        var rtmrs = ServerVerifierTDXTests.rtmrs
        var manifestTDX: TDXMeasurement? = TDXMeasurement(mrtd: mrTD, rtmrs: ServerVerifierTDXTests.rtmrs)
        var collateral = true
    }

    static func response(nonce: [UInt8], _ terms: Terms = Terms()) async throws -> (AttestationResponse, TrustSettings)
    {
        let builder = try builder.get()
        let authority = try await ServerVerifierTests.authority.value
        let releaseKey = try DevelopmentReleaseKey.loadOrCreate(in: ServerVerifierTests.folder)
        let key = try ChannelKeyRing(clock: { UInt64(now.timeIntervalSince1970) }).current()
        let configuration = ServerConfiguration.testing
        var manifest = ServerVerifierTests.goodManifest
        manifest.tdx = terms.manifestTDX
        let reportData = try KeyBinding.reportData(keys: key.announcement, configuration: configuration, nonce: nonce)
        let quote = try builder.quote(
            TDXEvidenceBuilder.TDFields(
                mrTD: mrTD, rtmrs: terms.rtmrs, reportData: reportData,
                tdAttributes: terms.debug ? 0x1000_0001 : 0x1000_0000))
        var collateralTerms = TDXEvidenceBuilder.CollateralTerms(
            issueDate: now.addingTimeInterval(-3600), nextUpdate: now.addingTimeInterval(30 * 86_400))
        collateralTerms.tcbStatus = terms.status
        collateralTerms.advisoryIDs = terms.advisories
        if terms.revokePCK { collateralTerms.revokedByPCKCA = [builder.pck] }
        let evidence = AttestationEvidence(
            report: quote, certificates: [],
            collateral: terms.collateral ? try builder.collateral(collateralTerms) : nil)
        let response = AttestationResponse(
            platform: .tdx, evidence: evidence, keys: key.announcement, manifest: try releaseKey.sign(manifest),
            configuration: configuration)
        let trust = TrustSettings(
            releaseSigners: [], policy: .shipped,
            development: DevelopmentTrust(
                root: authority.ark, releaseSigner: releaseKey.publicKey, tdxRoot: builder.root),
            maxKeyLifetimeSeconds: 7 * 24 * 3600)
        return (response, trust)
    }

    static func verify(
        _ terms: Terms = Terms(), trust edit: (inout TrustSettings) -> Void = { _ in }
    ) async throws
        -> Result<VerifiedServer, VerificationFailure>
    {
        let nonce = SecureRandom.bytes(32)
        var (response, trust) = try await response(nonce: nonce, terms)
        edit(&trust)
        return ServerVerifier(trust: trust).verify(response, nonce: nonce, now: now)
    }

    @Test func aGoodTDXResponsePassesEveryStepInTheTablesOrder() async throws {
        let verified = try await Self.verify().get()
        #expect(
            verified.steps.map(\.name)
                == Step.allCases.filter { ![.manifestPolicy, .manifestAge].contains($0) }.map(\.rawValue))
        #expect(verified.steps.allSatisfy { $0.outcome == .passed })
        #expect(verified.platform == .tdx)
        #expect(verified.simulated)
        #expect(verified.measurement == Hex.encode(Self.mrTD))
        #expect(verified.warnings.isEmpty)
        let chain = try #require(verified.steps.first { $0.name == Step.certificateChain.rawValue })
        #expect(chain.detail.contains("simulated attestation"))
        let platform = try #require(verified.steps.first { $0.name == Step.platformPolicy.rawValue })
        #expect(platform.detail.contains("TCB UpToDate, debug off, root CA CRL and PCK CRL checked"))
    }

    @Test func theEvidenceAndChainSteps() async throws {
        ServerVerifierTests.expectRefusal(
            try await Self.verify(Terms(collateral: false)), at: .evidence,
            code: TDXErrorCode.collateralParse.rawValue)
        // A development trust that pinned no Intel-style root, or another one, and Intel's own root.
        ServerVerifierTests.expectRefusal(
            try await Self.verify(trust: { $0.development?.tdxRoot = nil }), at: .certificateChain,
            code: TDXErrorCode.untrustedRoot.rawValue)
        let other = try TDXEvidenceBuilder(
            keys: .random(), organization: "other", validity: Self.now...Self.now.addingTimeInterval(86_400))
        ServerVerifierTests.expectRefusal(
            try await Self.verify(trust: { $0.development?.tdxRoot = other.root }), at: .certificateChain,
            code: TDXErrorCode.untrustedRoot.rawValue)
        ServerVerifierTests.expectRefusal(
            try await Self.verify(trust: { $0.development = nil }), at: .certificateChain,
            code: TDXErrorCode.untrustedRoot.rawValue)
    }

    @Test func theReportSignatureStep() async throws {
        let nonce = SecureRandom.bytes(32)
        var (response, trust) = try await Self.response(nonce: nonce)
        response.evidence.report.bytes[TDXQuote.headerSize + 136] ^= 0x01  // MRTD
        ServerVerifierTests.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: nonce, now: Self.now), at: .reportSignature,
            code: TDXErrorCode.quoteSignature.rawValue)
    }

    @Test func thePlatformPolicyStep() async throws {
        let refusals: [(Terms, TDXErrorCode)] = [
            (Terms(status: "OutOfDate"), .tcbOutOfDate), (Terms(status: "Revoked"), .tcbRevoked),
            (Terms(status: "Unheard"), .tcbStatusUnknown), (Terms(status: "SWHardeningNeeded"), .tcbActionNeeded),
            (Terms(debug: true), .debugTD), (Terms(revokePCK: true), .pckRevoked),
        ]
        for (terms, code) in refusals {
            ServerVerifierTests.expectRefusal(try await Self.verify(terms), at: .platformPolicy, code: code.rawValue)
        }
        // Accepted where policy.toml lists the status, with its advisories in the verdict's warnings.
        let accepted = try await Self.verify(
            Terms(status: "SWHardeningNeeded", advisories: ["INTEL-SA-00837"]),
            trust: { $0.policy.tdxAcceptedStatuses = PolicyRule([.swHardeningNeeded], from: .policyFile) }
        ).get()
        #expect(
            accepted.warnings == [
                "the platform TCB is SWHardeningNeeded (INTEL-SA-00837), accepted by the attestation policy"
            ])
        let platform = try #require(accepted.steps.first { $0.name == Step.platformPolicy.rawValue })
        #expect(platform.detail.hasPrefix("TCB SWHardeningNeeded (INTEL-SA-00837)"))
    }

    @Test func theMeasurementAndBindingSteps() async throws {
        ServerVerifierTests.expectRefusal(
            try await Self.verify(Terms(manifestTDX: nil)), at: .measurement,
            code: ServerCheckCode.measurement.rawValue)
        var rtmrs = Self.rtmrs
        rtmrs[3][47] ^= 1
        ServerVerifierTests.expectRefusal(
            try await Self.verify(Terms(rtmrs: rtmrs)), at: .measurement, code: ServerCheckCode.measurement.rawValue)
        // The quote answers another nonce.
        let (response, trust) = try await Self.response(nonce: SecureRandom.bytes(32))
        ServerVerifierTests.expectRefusal(
            ServerVerifier(trust: trust).verify(response, nonce: SecureRandom.bytes(32), now: Self.now),
            at: .keyBinding, code: ServerCheckCode.keyBinding.rawValue)
    }
}
