import Foundation
import Wire
import X509

/// What the client trusts: AMD's pinned roots and the pinned release keys, or — only in
/// development mode — the development root and release key recorded in the trust store.
public struct TrustSettings: Sendable {
    /// Release keys (Ed25519) whose manifests name measurements the client accepts.
    public var releaseSigners: [[UInt8]]
    /// The attestation policy: shipped, tightened by policy.toml (a manifest may raise it further).
    public var policy: VerificationPolicy
    /// Development mode: trust the simulated attestation root instead of AMD's.
    public var development: DevelopmentTrust?
    /// Keys announced with a not-after further away than this are refused (a key must rotate).
    public var maxKeyLifetimeSeconds: UInt64

    /// The production settings: AMD roots, Sotto's release keys.
    public static let production = TrustSettings(
        releaseSigners: ReleaseKeys.production, policy: .shipped, development: nil,
        maxKeyLifetimeSeconds: 7 * 24 * 3600)

    public init(
        releaseSigners: [[UInt8]], policy: VerificationPolicy, development: DevelopmentTrust?,
        maxKeyLifetimeSeconds: UInt64
    ) {
        self.releaseSigners = releaseSigners
        self.policy = policy
        self.development = development
        self.maxKeyLifetimeSeconds = maxKeyLifetimeSeconds
    }
}

/// Sotto's release signing keys, pinned in the client.
public enum ReleaseKeys {
    /// No production release has been signed yet; until one is, only development servers verify.
    public static let production: [[UInt8]] = []
}

/// The development root of trust: a development ARK (standing in for AMD's) or a development
/// Intel-style root (standing in for Intel's SGX Root CA), and a development release key, all
/// made by a `sotto-server serve --dev`. A root that is nil is not trusted: simulated evidence
/// of its platform is refused.
public struct DevelopmentTrust: Sendable, Hashable {
    public var root: AMDCertificate?
    public var releaseSigner: [UInt8]
    /// The development Intel-style root of a server that simulates TDX.
    public var tdxRoot: Certificate?

    public init(root: AMDCertificate?, releaseSigner: [UInt8], tdxRoot: Certificate? = nil) {
        self.root = root
        self.releaseSigner = releaseSigner
        self.tdxRoot = tdxRoot
    }
}

/// One check of a verification, for `sotto verify` and the TUI's attestation details.
public struct VerificationStep: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Codable { case passed, failed }
    public var name: String
    public var outcome: Outcome
    public var detail: String
}

/// A server the client verified: the key it may encrypt to and what was proven.
public struct VerifiedServer: Sendable {
    public let key: AttestedChannelKey
    public let platform: AttestationPlatform
    /// True when the evidence came from the development root (simulated attestation).
    public let simulated: Bool
    /// Launch measurement, hex.
    public let measurement: String
    public let manifest: ReleaseManifest
    /// Where the server sends decrypted prompts, as the report binds it.
    public let configuration: ServerConfiguration
    public let product: String
    public let steps: [VerificationStep]
    /// The attestation policy the server was checked against, with each rule's source.
    public let policy: VerificationPolicy
    /// To show with every verdict: a product accepted despite a known break.
    public let warnings: [String]
    /// What the server announced of its model's context and default answer length (advice
    /// for judging what fits, not verified: `AttestationResponse.modelContextTokens`).
    public var modelContextTokens: Int? = nil
    public var defaultMaxTokens: Int? = nil
}

/// Verification failed; `steps` shows how far it got, `error` why it stopped.
public struct VerificationFailure: Error, Sendable, CustomStringConvertible {
    public let steps: [VerificationStep]
    /// Stable code of the failing check (`SOTTO-ATTEST-…`, `SOTTO-MANIFEST-…`): the raw value of
    /// an `AttestationErrorCode`, `ManifestErrorCode` or `ServerCheckCode`.
    public let code: String
    public let message: String

    public var description: String { "\(code): \(message)" }
}

/// Codes of the checks `ServerVerifier` makes itself (the others come from Wire's attestation
/// and manifest verifiers).
public enum ServerCheckCode: String, StableErrorCode {
    /// The server's attestation response is not the documented JSON.
    case malformed = "SOTTO-ATTEST-MALFORMED"
    /// The server speaks another protocol version.
    case version = "SOTTO-ATTEST-VERSION"
    /// Evidence of a platform this build does not verify.
    case platform = "SOTTO-ATTEST-PLATFORM"
    /// The release manifest is older than the policy's maximum age.
    case manifestAge = "SOTTO-ATTEST-MANIFEST-AGE"
    /// The launch measurement is not the one the release names.
    case measurement = "SOTTO-ATTEST-MEASUREMENT"
    /// The server's configuration is not one the release allows.
    case configuration = "SOTTO-ATTEST-CONFIGURATION"
    /// REPORT_DATA does not bind these keys, this configuration and this nonce.
    case keyBinding = "SOTTO-ATTEST-KEY-BINDING"
    /// The announced key has expired.
    case keyExpired = "SOTTO-ATTEST-KEY-EXPIRED"
    /// The announced key lives longer than keys may.
    case keyLifetime = "SOTTO-ATTEST-KEY-LIFETIME"
}

/// Decides whether an attestation response proves what the client needs before it sends a
/// single byte of user content (docs/PROTOCOL.md §1). Pure: no network, no clock.
///
/// The checks are the named steps of `Step`, run in that order; each is a method of its own
/// that either returns what it proved (and what the next steps need) or a `StepFailure`, so
/// each can be reasoned about, and tested, on its own. The first failure stops the verification.
public struct ServerVerifier: Sendable {
    public let trust: TrustSettings

    public init(trust: TrustSettings) {
        self.trust = trust
    }

    /// The steps of a verification, in the order they run; `rawValue` is the name `sotto verify`
    /// and the full screen show. `manifest policy` runs only when the manifest raises the policy,
    /// `manifest age` only when the policy limits it.
    public enum Step: String, Sendable, CaseIterable {
        case `protocol` = "protocol"
        case evidence = "evidence"
        case certificateChain = "certificate chain"
        case reportSignature = "report signature"
        case platformPolicy = "platform policy"
        case releaseManifest = "release manifest"
        case manifestPolicy = "manifest policy"
        case manifestAge = "manifest age"
        case measurement = "measurement"
        case configuration = "configuration"
        case keyBinding = "key binding"
        case keyFreshness = "key freshness"
    }

    /// Why a step failed: a stable code and a message that says what it means for the user.
    struct StepFailure: Error {
        let code: String
        let message: String

        init(_ code: String, _ message: String) {
            self.code = code
            self.message = message
        }

        init(_ code: ServerCheckCode, _ message: String) { self.init(code.rawValue, message) }
        init(_ error: AttestationError) { self.init(error.code.rawValue, error.message) }
    }

    /// Records each step's outcome as the steps run; the first failure stops the verification.
    final class StepRecorder {
        private(set) var steps = [VerificationStep]()

        func run<T>(_ step: Step, _ body: () throws(StepFailure) -> (T, String)) throws(VerificationFailure) -> T {
            do {
                let (value, detail) = try body()
                steps.append(VerificationStep(name: step.rawValue, outcome: .passed, detail: detail))
                return value
            } catch {
                steps.append(VerificationStep(name: step.rawValue, outcome: .failed, detail: error.message))
                throw VerificationFailure(steps: steps, code: error.code, message: error.message)
            }
        }
    }

    /// Runs every step in order and stops at the first failure.
    /// - Parameter minimumSecurityVersion: the highest release security version this device
    ///   accepted from the server before; a lower one is a rollback.
    public func verify(
        _ response: AttestationResponse, nonce: [UInt8], now: Date, minimumSecurityVersion: UInt64 = 0
    ) -> Result<VerifiedServer, VerificationFailure> {
        let recorder = StepRecorder()
        let nowSeconds = UInt64(max(0, now.timeIntervalSince1970))
        do throws(VerificationFailure) {
            try recorder.run(.protocol) { () throws(StepFailure) in ((), try checkProtocol(response)) }
            if response.platform == .tdx {
                return .success(
                    try verifyTDX(
                        response, nonce: nonce, now: now, minimumSecurityVersion: minimumSecurityVersion,
                        recorder: recorder))
            }
            let report = try recorder.run(.evidence) { () throws(StepFailure) in try parseEvidence(response) }
            let verifier = self.reportVerifier
            let endorsement = try recorder.run(.certificateChain) { () throws(StepFailure) in
                try checkChain(response, verifier: verifier, now: now)
            }
            let signed = try recorder.run(.reportSignature) { () throws(StepFailure) in
                try checkSignature(report, endorsement: endorsement, verifier: verifier)
            }
            let verified = try recorder.run(.platformPolicy) { () throws(StepFailure) in
                try checkPlatformPolicy(signed)
            }
            let manifest = try recorder.run(.releaseManifest) { () throws(StepFailure) in
                try checkManifest(response, now: nowSeconds, minimumSecurityVersion: minimumSecurityVersion)
            }
            let policy = trust.policy.raised(by: manifest)
            if policy != trust.policy {
                try recorder.run(.manifestPolicy) { () throws(StepFailure) in
                    ((), try checkRaisedPolicy(policy, verified, manifest: manifest))
                }
            }
            try checkManifestAge(manifest, policy: policy, now: nowSeconds, recorder: recorder)
            let measurement = try recorder.run(.measurement) { () throws(StepFailure) in
                try checkMeasurement(verified.report, manifest: manifest)
            }
            try checkReleaseBinding(
                response, reportData: verified.report.reportData, manifest: manifest, nonce: nonce, now: nowSeconds,
                recorder: recorder)
            return .success(
                VerifiedServer(
                    key: AttestedChannelKey(response.keys), platform: response.platform,
                    simulated: trust.development != nil, measurement: measurement, manifest: manifest,
                    configuration: response.configuration, product: endorsement.product.name, steps: recorder.steps,
                    policy: policy, warnings: verified.warnings, modelContextTokens: response.modelContextTokens,
                    defaultMaxTokens: response.defaultMaxTokens))
        } catch {
            return .failure(error)
        }
    }

    /// `manifest age`, when the policy limits it.
    func checkManifestAge(
        _ manifest: ReleaseManifest, policy: VerificationPolicy, now: UInt64, recorder: StepRecorder
    ) throws(VerificationFailure) {
        guard let maxAge = policy.maxManifestAgeSeconds.value else { return }
        try recorder.run(.manifestAge) { () throws(StepFailure) in
            ((), try checkManifestAge(manifest, maxAge: maxAge, source: policy.maxManifestAgeSeconds.source, now: now))
        }
    }

    /// The steps after the measurement, the same on every platform: `configuration`, `key
    /// binding` (of the report's 64 bytes of report data) and `key freshness`.
    func checkReleaseBinding(
        _ response: AttestationResponse, reportData: [UInt8], manifest: ReleaseManifest, nonce: [UInt8], now: UInt64,
        recorder: StepRecorder
    ) throws(VerificationFailure) {
        try recorder.run(.configuration) { () throws(StepFailure) in
            ((), try checkConfiguration(response.configuration, manifest: manifest))
        }
        try recorder.run(.keyBinding) { () throws(StepFailure) in
            ((), try checkKeyBinding(response, reportData: reportData, nonce: nonce))
        }
        try recorder.run(.keyFreshness) { () throws(StepFailure) in
            ((), try checkKeyFreshness(response.keys, now: now))
        }
    }

    // MARK: The steps

    /// `protocol`: the response speaks this client's protocol version.
    func checkProtocol(_ response: AttestationResponse) throws(StepFailure) -> String {
        guard response.version == Wire.protocolVersion else {
            throw StepFailure(
                .version, "the server speaks protocol \(response.version); this client speaks \(Wire.protocolVersion)")
        }
        return "version \(response.version)"
    }

    /// `evidence`: SEV-SNP evidence whose report parses.
    func parseEvidence(_ response: AttestationResponse) throws(StepFailure) -> (SEVSNPReport, String) {
        guard response.platform == .sevSNP else {
            throw StepFailure(
                .platform,
                "\(response.platform.rawValue) evidence is not verified by this build; only AMD SEV-SNP and Intel TDX")
        }
        do {
            let report = try SEVSNPReport(bytes: response.evidence.report.bytes)
            return (report, "SEV-SNP report version \(report.version)")
        } catch {
            throw StepFailure(error)
        }
    }

    /// The report verifier: AMD's pinned roots, or in development mode only the development root.
    var reportVerifier: SEVSNPVerifier {
        guard let development = trust.development else { return SEVSNPVerifier() }
        // No development ARK pinned: no root at all, so simulated SEV-SNP evidence is refused.
        guard let root = development.root else { return SEVSNPVerifier(trustedRoots: [:]) }
        return SEVSNPVerifier(
            trustedRoots: Dictionary(uniqueKeysWithValues: SEVSNPProduct.allCases.map { ($0, root) }))
    }

    /// `certificate chain`: the VCEK (or VLEK) chains to a trusted root at `now` and is not
    /// revoked by the revocation list the evidence carries.
    func checkChain(
        _ response: AttestationResponse, verifier: SEVSNPVerifier, now: Date
    ) throws(StepFailure) -> (VerifiedEndorsementKey, String) {
        let simulated = trust.development != nil
        let certificates = response.evidence.certificates.map(\.bytes)
        guard let leafBytes = certificates.first else {
            throw StepFailure(AttestationError(.certificateParse, "the server sent no VCEK certificate"))
        }
        do throws(AttestationError) {
            var revocations: AMDRevocationList?
            if let list = response.evidence.crl { revocations = try AMDRevocationList(derOrPEM: list.bytes) }
            let leaf = try AMDCertificate(derEncoded: leafBytes, role: "VCEK")
            var chain: AMDCertificates.Chain?
            if certificates.count >= 3 {
                chain = AMDCertificates.Chain(
                    intermediate: try AMDCertificate(derEncoded: certificates[1], role: "ASK"),
                    root: try AMDCertificate(derEncoded: certificates[2], role: "ARK"))
            }
            if simulated, chain == nil {
                throw AttestationError(.certificateParse, "a development server must send its whole chain")
            }
            let endorsement = try verifier.verifyEndorsementKey(leaf, chain: chain, at: now, revocations: revocations)
            let detail =
                (simulated
                    ? "chains to the development root (simulated attestation)"
                    : "chains to AMD's \(endorsement.product.name) root")
                + (revocations == nil ? "" : "; not revoked by the ARK's revocation list")
            return (endorsement, detail)
        } catch {
            throw StepFailure(error)
        }
    }

    /// `report signature`: the report is signed by the endorsed key, and its TCB and chip id
    /// are the ones the key was issued for. Wire checks the policy in the same call; a policy
    /// refusal is carried to the next step, which reports it.
    func checkSignature(
        _ report: SEVSNPReport, endorsement: VerifiedEndorsementKey, verifier: SEVSNPVerifier
    ) throws(StepFailure) -> (Result<VerifiedSEVSNPReport, AttestationError>, String) {
        let detail = "signed by the \(endorsement.kind.rawValue)"
        do {
            return (.success(try verifier.verify(report, endorsedBy: endorsement, policy: trust.policy.snp)), detail)
        } catch  where Self.policyCodes.contains(error.code) {
            return (.failure(error), detail)
        } catch {
            throw StepFailure(error)
        }
    }

    /// The refusals of `SEVSNPPolicy.check`, which come after the signature verified.
    static let policyCodes: Set<AttestationErrorCode> = [
        .debugEnabled, .smtEnabled, .tcbTooLow, .vmplNotAllowed, .migrationAgent, .productRefused,
    ]

    /// `platform policy`: product, debug, SMT, migration agent, VMPL and minimum TCB under the
    /// policy in force before the manifest is read.
    func checkPlatformPolicy(
        _ outcome: Result<VerifiedSEVSNPReport, AttestationError>
    ) throws(StepFailure) -> (VerifiedSEVSNPReport, String) {
        switch outcome {
        case .failure(let error):
            throw StepFailure(error)
        case .success(let verified):
            let report = verified.report
            return (
                verified,
                "debug \(report.policy.debug ? "on (allowed)" : "off"), VMPL \(report.vmpl), TCB \(report.reportedTCB)"
            )
        }
    }

    /// `release manifest`: signed by a trusted release key, not expired, not a rollback.
    func checkManifest(
        _ response: AttestationResponse, now: UInt64, minimumSecurityVersion: UInt64
    ) throws(StepFailure) -> (ReleaseManifest, String) {
        let signers = trust.development.map { [$0.releaseSigner] } ?? trust.releaseSigners
        let manifest: ReleaseManifest
        do {
            manifest = try response.manifest.verify(trustedSigners: signers)
        } catch let error as ManifestError {
            throw StepFailure(error.code.rawValue, error.message)
        } catch {
            throw StepFailure(ManifestErrorCode.malformed.rawValue, "the release manifest could not be checked")
        }
        do {
            try manifest.checkCurrent(now: now, minimumSecurityVersion: minimumSecurityVersion)
        } catch {
            throw StepFailure(error.code.rawValue, error.message)
        }
        let expiry = Date(timeIntervalSince1970: TimeInterval(manifest.expiresAt)).formatted(.iso8601)
        return (
            manifest,
            "version \(manifest.version), security version \(manifest.securityVersion), signed by a trusted release key, valid until \(expiry)"
        )
    }

    /// `manifest policy`: the manifest can only raise floors; the raised policy is checked again
    /// in full.
    func checkRaisedPolicy(
        _ policy: VerificationPolicy, _ verified: VerifiedSEVSNPReport, manifest: ReleaseManifest
    ) throws(StepFailure) -> String {
        do {
            try policy.snp.check(verified.report, product: verified.product)
        } catch {
            throw StepFailure(error)
        }
        return "the platform meets the minimum TCB release \(manifest.version) raises"
    }

    /// `manifest age`: the manifest is no older than the policy allows.
    func checkManifestAge(
        _ manifest: ReleaseManifest, maxAge: UInt64, source: PolicySource, now: UInt64
    ) throws(StepFailure) -> String {
        let age = now > manifest.issuedAt ? now - manifest.issuedAt : 0
        guard age <= maxAge else {
            throw StepFailure(
                .manifestAge,
                "release \(manifest.version) was issued \(age / 86_400) days ago; the attestation policy "
                    + "(\(source.rawValue)) accepts manifests up to \(maxAge / 86_400) days old; the operator must "
                    + "deploy a current release")
        }
        return "issued \(age / 86_400) days ago, within \(maxAge / 86_400) days"
    }

    /// `measurement`: the launch measurement is the one the release names.
    func checkMeasurement(_ report: SEVSNPReport, manifest: ReleaseManifest) throws(StepFailure) -> (String, String) {
        let measurement = Hex.encode(report.measurement)
        guard ConstantTime.equals(Array(measurement.utf8), Array(manifest.measurement.lowercased().utf8)) else {
            throw StepFailure(
                .measurement,
                "the server runs code measured \(measurement.prefix(16))…, which release \(manifest.version) does not name; it is not a build you trust"
            )
        }
        return (measurement, "\(measurement.prefix(16))… matches release \(manifest.version)")
    }

    /// `configuration`: where the server sends decrypted prompts is a configuration the release
    /// allows.
    func checkConfiguration(
        _ configuration: ServerConfiguration, manifest: ReleaseManifest
    ) throws(StepFailure) -> String {
        guard manifest.allows(configuration) else {
            throw StepFailure(
                .configuration,
                "the server runs a configuration (\(configuration.summary); digest \(configuration.digestHex.prefix(16))…) that release \(manifest.version) does not allow: it may send prompts somewhere the release did not intend"
            )
        }
        return "digest \(configuration.digestHex.prefix(16))… allowed by the release: \(configuration.summary)"
    }

    /// `key binding`: REPORT_DATA binds the announced keys, the configuration and this
    /// request's nonce.
    func checkKeyBinding(
        _ response: AttestationResponse, reportData: [UInt8], nonce: [UInt8]
    ) throws(StepFailure) -> String {
        let expected: [UInt8]
        do {
            expected = try KeyBinding.reportData(
                keys: response.keys, configuration: response.configuration, nonce: nonce)
        } catch {
            throw StepFailure(.keyBinding, "the announced keys are malformed")
        }
        guard response.keys.mlkem768.bytes.count == ChatChannel.mlkemPublicKeyByteCount,
            ConstantTime.equals(expected, reportData)
        else {
            throw StepFailure(
                .keyBinding,
                "the report does not bind these keys, this configuration and this request's nonce: a replayed or substituted report"
            )
        }
        return "report data binds the channel keys, the configuration and this request's fresh nonce"
    }

    /// `key freshness`: the announced key has not expired and does not outlive the rotation
    /// the client requires.
    func checkKeyFreshness(_ keys: ServerKeyAnnouncement, now: UInt64) throws(StepFailure) -> String {
        guard keys.notAfter > now else {
            throw StepFailure(.keyExpired, "the server announced a key that has already expired")
        }
        guard keys.notAfter - now <= trust.maxKeyLifetimeSeconds else {
            throw StepFailure(
                .keyLifetime,
                "the server's key is valid for longer than \(trust.maxKeyLifetimeSeconds / 3600) hours; keys must rotate"
            )
        }
        return "key valid until \(Date(timeIntervalSince1970: TimeInterval(keys.notAfter)).formatted(.iso8601))"
    }
}
