import Foundation
import Wire

/// The same step table for Intel TDX evidence: the quote and Intel's collateral that the server
/// serves with it, judged by Wire's `TDXVerifier` under Intel's pinned root (or, in development
/// mode only, the development Intel-style root), then the release, measurements and binding as
/// on SEV-SNP.
extension ServerVerifier {
    /// What the `evidence` step read: the quote and its collateral.
    struct TDXEvidence {
        let quote: TDXQuote
        let collateral: TDXCollateral
    }

    func verifyTDX(
        _ response: AttestationResponse, nonce: [UInt8], now: Date, minimumSecurityVersion: UInt64,
        recorder: StepRecorder
    ) throws(VerificationFailure) -> VerifiedServer {
        let nowSeconds = UInt64(max(0, now.timeIntervalSince1970))
        let evidence = try recorder.run(.evidence) { () throws(StepFailure) in try parseTDXEvidence(response) }
        let (verifier, chain) = try recorder.run(.certificateChain) { () throws(StepFailure) in
            let verifier = try tdxVerifier()
            let (chain, detail) = try checkPCKChain(evidence.quote, verifier: verifier, now: now)
            return ((verifier, chain), detail)
        }
        let quote = try recorder.run(.reportSignature) { () throws(StepFailure) in
            do throws(TDXError) {
                return (
                    try verifier.verify(evidence.quote, pckChain: chain),
                    "the quoting enclave's report is signed by the PCK key and binds the attestation key, which "
                        + "signed the quote"
                )
            } catch {
                throw StepFailure(error)
            }
        }
        let verified = try recorder.run(.platformPolicy) { () throws(StepFailure) in
            try checkTDXPlatform(quote, collateral: evidence.collateral, verifier: verifier, now: now)
        }
        let manifest = try recorder.run(.releaseManifest) { () throws(StepFailure) in
            try checkManifest(response, now: nowSeconds, minimumSecurityVersion: minimumSecurityVersion)
        }
        // A manifest's raised floors are SEV-SNP TCB components; TDX has none to raise.
        let policy = trust.policy
        try checkManifestAge(manifest, policy: policy, now: nowSeconds, recorder: recorder)
        let measurement = try recorder.run(.measurement) { () throws(StepFailure) in
            try checkTDXMeasurement(evidence.quote.body, manifest: manifest)
        }
        try checkReleaseBinding(
            response, reportData: evidence.quote.body.reportData, manifest: manifest, nonce: nonce, now: nowSeconds,
            recorder: recorder)
        return VerifiedServer(
            key: AttestedChannelKey(response.keys), platform: .tdx, simulated: trust.development != nil,
            measurement: measurement, manifest: manifest, configuration: response.configuration,
            product: "Intel TDX (FMSPC \(Hex.encode(verified.pck.fmspc)))", steps: recorder.steps, policy: policy,
            warnings: Self.warnings(of: verified))
    }

    /// To show with every verdict: statuses accepted by the policy and lists not checked.
    static func warnings(of evidence: VerifiedTDXEvidence) -> [String] {
        var warnings = evidence.warnings
        if evidence.revocationListsChecked.count < 2 {
            warnings.append("the server's collateral lacks Intel's revocation lists; revocation was not fully checked")
        }
        return warnings
    }

    /// `evidence`: a TDX quote that parses, and the collateral the server sent with it.
    func parseTDXEvidence(_ response: AttestationResponse) throws(StepFailure) -> (TDXEvidence, String) {
        guard let collateral = response.evidence.collateral else {
            throw StepFailure(
                TDXErrorCode.collateralParse.rawValue,
                "the server sent a TDX quote without Intel's collateral (TCB info and QE identity); it cannot be judged"
            )
        }
        do throws(TDXError) {
            let quote = try TDXQuote(bytes: response.evidence.report.bytes)
            let parsed = try TDXCollateral(json: collateral.bytes)
            return (
                TDXEvidence(quote: quote, collateral: parsed),
                "TDX quote version \(quote.version) (\(quote.body.kind)) with Intel's collateral"
            )
        } catch {
            throw StepFailure(error)
        }
    }

    /// The quote verifier: Intel's pinned root, or in development mode only the development
    /// Intel-style root the device pinned (none pinned: simulated TDX is refused).
    func tdxVerifier() throws(StepFailure) -> TDXVerifier {
        guard let development = trust.development else { return TDXVerifier() }
        guard let root = development.tdxRoot else {
            throw StepFailure(
                TDXErrorCode.untrustedRoot.rawValue,
                "this device trusts no development Intel-style root; simulated TDX evidence is refused")
        }
        return TDXVerifier(trustedRoot: root)
    }

    /// `certificate chain`: the quote's PCK chain leads to the trusted root at `now`.
    func checkPCKChain(
        _ quote: TDXQuote, verifier: TDXVerifier, now: Date
    ) throws(StepFailure) -> (VerifiedPCKChain, String) {
        do throws(TDXError) {
            let chain = try verifier.verifyPCKChain(of: quote, at: now)
            return (
                chain,
                trust.development != nil
                    ? "the PCK certificate chains to the development Intel-style root (simulated attestation)"
                    : "the PCK certificate chains to Intel's SGX Root CA"
            )
        } catch {
            throw StepFailure(error)
        }
    }

    /// `platform policy`: the collateral is Intel's, current and for this platform; no
    /// certificate is revoked; the TCB status is accepted by the policy; the TD is not a debug TD.
    func checkTDXPlatform(
        _ quote: VerifiedTDXQuote, collateral: TDXCollateral, verifier: TDXVerifier, now: Date
    ) throws(StepFailure) -> (VerifiedTDXEvidence, String) {
        do throws(TDXError) {
            let evidence = try verifier.judge(quote, collateral: collateral, policy: trust.policy.tdx, at: now)
            let advisories = evidence.advisoryIDs.isEmpty ? "" : " (\(evidence.advisoryIDs.joined(separator: ", ")))"
            let lists =
                evidence.revocationListsChecked.isEmpty
                ? "no revocation lists given"
                : evidence.revocationListsChecked.joined(separator: " and ") + " checked"
            return (
                evidence,
                "TCB \(evidence.tcbStatus)\(advisories), debug off, \(lists), TD attributes "
                    + "0x\(String(quote.quote.body.tdAttributes, radix: 16)), SEAM attributes "
                    + "0x\(String(quote.quote.body.seamAttributes, radix: 16))"
            )
        } catch {
            throw StepFailure(error)
        }
    }

    /// `measurement`: MRTD and RTMR0–3 are the ones the release names for TDX.
    func checkTDXMeasurement(_ body: TDReportBody, manifest: ReleaseManifest) throws(StepFailure) -> (String, String) {
        let mrtd = Hex.encode(body.mrTD)
        guard let expected = manifest.tdx else {
            throw StepFailure(
                .measurement, "release \(manifest.version) names no TDX measurement; it does not run on Intel TDX")
        }
        let registers =
            [("MRTD", mrtd, expected.mrtd)]
            + body.rtmrs.enumerated().map { index, value in
                ("RTMR\(index)", Hex.encode(value), index < expected.rtmrs.count ? expected.rtmrs[index] : "")
            }
        guard expected.rtmrs.count == 4 else {
            throw StepFailure(.measurement, "release \(manifest.version)'s TDX measurement does not list 4 RTMRs")
        }
        for (name, actual, wanted) in registers
        where !ConstantTime.equals(Array(actual.utf8), Array(wanted.lowercased().utf8)) {
            throw StepFailure(
                .measurement,
                "the server's \(name) is \(actual.prefix(16))…, which release \(manifest.version) does not name; "
                    + "it is not a build you trust")
        }
        return (mrtd, "MRTD \(mrtd.prefix(16))… and RTMR0–3 match release \(manifest.version)")
    }
}

extension ServerVerifier.StepFailure {
    init(_ error: TDXError) { self.init(error.code.rawValue, error.message) }
}
