import Foundation
import Wire

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

/// The development root of trust: a development ARK (standing in for AMD's) and a
/// development release key, both made by a `sotto-server serve --dev`.
public struct DevelopmentTrust: Sendable, Hashable {
    public var root: AMDCertificate
    public var releaseSigner: [UInt8]

    public init(root: AMDCertificate, releaseSigner: [UInt8]) {
        self.root = root
        self.releaseSigner = releaseSigner
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
}

/// Verification failed; `steps` shows how far it got, `error` why it stopped.
public struct VerificationFailure: Error, Sendable, CustomStringConvertible {
    public let steps: [VerificationStep]
    /// Stable code of the failing check (`SOTTO-ATTEST-…`, `SOTTO-MANIFEST-…`).
    public let code: String
    public let message: String

    public var description: String { "\(code): \(message)" }
}

/// Decides whether an attestation response proves what the client needs before it sends a
/// single byte of user content (docs/PROTOCOL.md §1). Pure: no network, no clock.
public struct ServerVerifier: Sendable {
    public let trust: TrustSettings

    public init(trust: TrustSettings) {
        self.trust = trust
    }

    /// Runs every check in order and stops at the first failure.
    /// - Parameter minimumSecurityVersion: the highest release security version this device
    ///   accepted from the server before; a lower one is a rollback.
    public func verify(
        _ response: AttestationResponse, nonce: [UInt8], now: Date, minimumSecurityVersion: UInt64 = 0
    ) -> Result<VerifiedServer, VerificationFailure> {
        var steps = [VerificationStep]()
        func fail(_ name: String, _ code: String, _ message: String) -> Result<VerifiedServer, VerificationFailure> {
            steps.append(VerificationStep(name: name, outcome: .failed, detail: message))
            return .failure(VerificationFailure(steps: steps, code: code, message: message))
        }
        func pass(_ name: String, _ detail: String) {
            steps.append(VerificationStep(name: name, outcome: .passed, detail: detail))
        }

        guard response.version == Wire.protocolVersion else {
            return fail(
                "protocol", "SOTTO-ATTEST-VERSION",
                "the server speaks protocol \(response.version); this client speaks \(Wire.protocolVersion)")
        }
        guard response.platform == .sevSNP else {
            return fail(
                "evidence", "SOTTO-ATTEST-PLATFORM",
                "\(response.platform.rawValue) evidence is not verified by this build yet; only AMD SEV-SNP")
        }
        let report: SEVSNPReport
        do {
            report = try SEVSNPReport(bytes: response.evidence.report.bytes)
        } catch {
            return fail("evidence", error.code.rawValue, error.message)
        }
        pass("evidence", "SEV-SNP report version \(report.version)")

        // Chain: AMD's pinned roots, or in development mode only the development root.
        let simulated = trust.development != nil
        let verifier: SEVSNPVerifier
        if let development = trust.development {
            verifier = SEVSNPVerifier(
                trustedRoots: Dictionary(uniqueKeysWithValues: SEVSNPProduct.allCases.map { ($0, development.root) }))
        } else {
            verifier = SEVSNPVerifier()
        }
        let certificates = response.evidence.certificates.map(\.bytes)
        guard let leafBytes = certificates.first else {
            return fail(
                "certificate chain", AttestationErrorCode.certificateParse.rawValue,
                "the server sent no VCEK certificate")
        }
        let revocations: AMDRevocationList?
        do {
            revocations = try response.evidence.crl.map { list throws(AttestationError) in
                try AMDRevocationList(derOrPEM: list.bytes)
            }
        } catch {
            return fail("certificate chain", error.code.rawValue, error.message)
        }
        let endorsement: VerifiedEndorsementKey
        do {
            let leaf = try AMDCertificate(derEncoded: leafBytes, role: "VCEK")
            var chain: AMDCertificates.Chain?
            if certificates.count >= 3 {
                chain = AMDCertificates.Chain(
                    intermediate: try AMDCertificate(derEncoded: certificates[1], role: "ASK"),
                    root: try AMDCertificate(derEncoded: certificates[2], role: "ARK"))
            }
            if simulated, chain == nil {
                return fail(
                    "certificate chain", AttestationErrorCode.certificateParse.rawValue,
                    "a development server must send its whole chain")
            }
            endorsement = try verifier.verifyEndorsementKey(leaf, chain: chain, at: now, revocations: revocations)
        } catch {
            return fail("certificate chain", error.code.rawValue, error.message)
        }
        pass(
            "certificate chain",
            (simulated
                ? "chains to the development root (simulated attestation)"
                : "chains to AMD's \(endorsement.product.name) root")
                + (revocations == nil ? "" : "; not revoked by the ARK's revocation list"))

        let verified: VerifiedSEVSNPReport
        do {
            verified = try verifier.verify(report, endorsedBy: endorsement, policy: trust.policy.snp)
        } catch {
            let policyCodes: Set<AttestationErrorCode> = [
                .debugEnabled, .smtEnabled, .tcbTooLow, .vmplNotAllowed, .migrationAgent, .productRefused,
            ]
            if policyCodes.contains(error.code) {
                pass("report signature", "signed by the \(endorsement.kind.rawValue)")
                return fail("platform policy", error.code.rawValue, error.message)
            }
            return fail("report signature", error.code.rawValue, error.message)
        }
        pass("report signature", "signed by the \(endorsement.kind.rawValue)")
        pass(
            "platform policy",
            "debug \(verified.report.policy.debug ? "on (allowed)" : "off"), VMPL \(verified.report.vmpl), TCB \(verified.report.reportedTCB)"
        )

        let signers = trust.development.map { [$0.releaseSigner] } ?? trust.releaseSigners
        let manifest: ReleaseManifest
        do {
            manifest = try response.manifest.verify(trustedSigners: signers)
        } catch let error as ManifestError {
            return fail("release manifest", error.code.rawValue, error.message)
        } catch {
            return fail(
                "release manifest", ManifestErrorCode.malformed.rawValue, "the release manifest could not be checked")
        }
        let nowSeconds = UInt64(max(0, now.timeIntervalSince1970))
        do {
            try manifest.checkCurrent(now: nowSeconds, minimumSecurityVersion: minimumSecurityVersion)
        } catch {
            return fail("release manifest", error.code.rawValue, error.message)
        }
        pass(
            "release manifest",
            "version \(manifest.version), security version \(manifest.securityVersion), signed by a trusted release key, valid until \(Date(timeIntervalSince1970: TimeInterval(manifest.expiresAt)).formatted(.iso8601))"
        )

        // The manifest can only raise floors; the raised policy is checked again in full.
        let policy = trust.policy.raised(by: manifest)
        if policy != trust.policy {
            do {
                try policy.snp.check(verified.report, product: verified.product)
            } catch {
                return fail("manifest policy", error.code.rawValue, error.message)
            }
            pass("manifest policy", "the platform meets the minimum TCB release \(manifest.version) raises")
        }
        if let maxAge = policy.maxManifestAgeSeconds.value {
            let nowSeconds = UInt64(max(0, now.timeIntervalSince1970))
            let age = nowSeconds > manifest.issuedAt ? nowSeconds - manifest.issuedAt : 0
            guard age <= maxAge else {
                return fail(
                    "manifest age", "SOTTO-ATTEST-MANIFEST-AGE",
                    "release \(manifest.version) was issued \(age / 86_400) days ago; the attestation policy "
                        + "(\(policy.maxManifestAgeSeconds.source.rawValue)) accepts manifests up to "
                        + "\(maxAge / 86_400) days old; the operator must deploy a current release")
            }
            pass("manifest age", "issued \(age / 86_400) days ago, within \(maxAge / 86_400) days")
        }

        let measurement = Hex.encode(verified.report.measurement)
        guard ConstantTime.equals(Array(measurement.utf8), Array(manifest.measurement.lowercased().utf8)) else {
            return fail(
                "measurement", "SOTTO-ATTEST-MEASUREMENT",
                "the server runs code measured \(measurement.prefix(16))…, which release \(manifest.version) does not name; it is not a build you trust"
            )
        }
        pass("measurement", "\(measurement.prefix(16))… matches release \(manifest.version)")

        let configuration = response.configuration
        guard manifest.allows(configuration) else {
            return fail(
                "configuration", "SOTTO-ATTEST-CONFIGURATION",
                "the server runs a configuration (\(configuration.summary); digest \(configuration.digestHex.prefix(16))…) that release \(manifest.version) does not allow: it may send prompts somewhere the release did not intend"
            )
        }
        pass(
            "configuration",
            "digest \(configuration.digestHex.prefix(16))… allowed by the release: \(configuration.summary)")

        let expected: [UInt8]
        do {
            expected = try KeyBinding.reportData(keys: response.keys, configuration: configuration, nonce: nonce)
        } catch {
            return fail("key binding", "SOTTO-ATTEST-KEY-BINDING", "the announced keys are malformed")
        }
        guard response.keys.mlkem768.bytes.count == ChatChannel.mlkemPublicKeyByteCount,
            ConstantTime.equals(expected, verified.report.reportData)
        else {
            return fail(
                "key binding", "SOTTO-ATTEST-KEY-BINDING",
                "the report does not bind these keys, this configuration and this request's nonce: a replayed or substituted report"
            )
        }
        pass("key binding", "report data binds the channel keys, the configuration and this request's fresh nonce")

        guard response.keys.notAfter > nowSeconds else {
            return fail(
                "key freshness", "SOTTO-ATTEST-KEY-EXPIRED", "the server announced a key that has already expired")
        }
        guard response.keys.notAfter - nowSeconds <= trust.maxKeyLifetimeSeconds else {
            return fail(
                "key freshness", "SOTTO-ATTEST-KEY-LIFETIME",
                "the server's key is valid for longer than \(trust.maxKeyLifetimeSeconds / 3600) hours; keys must rotate"
            )
        }
        pass(
            "key freshness",
            "key valid until \(Date(timeIntervalSince1970: TimeInterval(response.keys.notAfter)).formatted(.iso8601))")

        return .success(
            VerifiedServer(
                key: AttestedChannelKey(response.keys), platform: response.platform, simulated: simulated,
                measurement: measurement, manifest: manifest, configuration: configuration,
                product: endorsement.product.name, steps: steps, policy: policy, warnings: verified.warnings))
    }
}
