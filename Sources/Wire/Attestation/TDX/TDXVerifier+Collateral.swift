import Crypto
import Foundation

/// A TDX quote judged with Intel's collateral: its signatures verify up to Intel's root, the TCB
/// info and QE identity are signed by Intel's TCB signing key and current, they are for this
/// platform, and every TCB level the platform, its TDX module and its quoting enclave match is
/// UpToDate.
public struct VerifiedTDXEvidence: Sendable {
    /// The quote and its PCK certificate.
    public let quote: VerifiedTDXQuote
    /// What the PCK certificate says about the platform.
    public let pck: PCKCertificateExtensions
    /// The levels matched: platform, TDX module (when the TCB info lists module levels), QE.
    public let tcbLevels: [TDXTCBLevelMatch]
    /// Intel's TCB evaluation data number of the TCB info.
    public let tcbEvaluationDataNumber: Int
    /// The earlier of the TCB info's and the QE identity's nextUpdate: the verdict holds until then.
    public let collateralNextUpdate: Date
}

extension TDXVerifier {
    /// What the TCB signing chain's certificates are, and Intel's names for them.
    static let tcbSigningChainNames = ["TCB signing certificate", "root CA"]
    static let tcbSigningChainCommonNames = [["Intel SGX TCB Signing"], ["Intel SGX Root CA"]]

    /// Verifies `quote` (as `verify(_:at:)`) and judges it with `collateral` at `now`.
    /// - Throws: `TDXError` naming the first check that failed; a TCB that is not UpToDate is
    ///   refused with a code for its status.
    public func verify(
        _ quote: TDXQuote, collateral: TDXCollateral, at now: Date
    ) throws(TDXError) -> VerifiedTDXEvidence {
        let verified = try verify(quote, at: now)
        let pck = try PCKCertificateExtensions(certificate: verified.pckCertificate)
        try checkSigned(
            collateral.tcbInfoText, signature: collateral.tcbInfoSignature, chain: collateral.tcbInfoIssuerChain,
            name: "TCB info", code: .tcbInfoSignature, at: now)
        try checkSigned(
            collateral.qeIdentityText, signature: collateral.qeIdentitySignature,
            chain: collateral.qeIdentityIssuerChain, name: "QE identity", code: .qeIdentitySignature, at: now)
        let tcbInfoNext = try Self.checkCurrent(
            issued: collateral.tcbInfo.issueDate, nextUpdate: collateral.tcbInfo.nextUpdate, name: "TCB info", at: now)
        let qeIdentityNext = try Self.checkCurrent(
            issued: collateral.qeIdentity.issueDate, nextUpdate: collateral.qeIdentity.nextUpdate,
            name: "QE identity", at: now)
        let matches = try TDXTCBEvaluation.match(
            quote: quote, pck: pck, tcbInfo: collateral.tcbInfo, qeIdentity: collateral.qeIdentity)
        try TDXTCBEvaluation.requireUpToDate(matches)
        return VerifiedTDXEvidence(
            quote: verified, pck: pck, tcbLevels: matches,
            tcbEvaluationDataNumber: collateral.tcbInfo.tcbEvaluationDataNumber,
            collateralNextUpdate: min(tcbInfoNext, qeIdentityNext))
    }

    /// `text` must be signed (ECDSA P-256, SHA-256) by the TCB signing certificate of `chain`, and
    /// that chain must end in the trusted root.
    private func checkSigned(
        _ text: String, signature: [UInt8], chain pem: String, name: String, code: TDXErrorCode, at now: Date
    ) throws(TDXError) {
        let role = "\(name) signing chain"
        let chain = try IntelCertificateChain(pem: pem, names: Self.tcbSigningChainNames, role: role)
        try chain.verify(
            names: Self.tcbSigningChainNames, commonNames: Self.tcbSigningChainCommonNames,
            trustedRoot: trustedRootCertificate, at: now, role: role)
        guard let key = P256.Signing.PublicKey(chain.leaf.publicKey),
            let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
            key.isValidSignature(parsed, for: SHA256.hash(data: Array(text.utf8)))
        else {
            throw TDXError(
                code, "the \(name)'s signature does not verify under Intel's TCB signing key; the \(name) was altered")
        }
    }

    /// The collateral must have been issued by `now` and not be past its nextUpdate.
    private static func checkCurrent(
        issued: String, nextUpdate: String, name: String, at now: Date
    ) throws(TDXError) -> Date {
        let format = Date.ISO8601FormatStyle()
        guard let issueDate = try? format.parse(issued), let next = try? format.parse(nextUpdate) else {
            throw TDXError(.collateralParse, "the \(name)'s issueDate or nextUpdate is not an RFC 3339 time")
        }
        if now < issueDate {
            throw TDXError(
                .collateralNotYetValid,
                "the \(name) was issued at \(issued), after the verification time \(now.formatted(format)); "
                    + "check the system clock")
        }
        if now > next {
            throw TDXError(
                .collateralExpired,
                "the \(name) was due to be replaced at \(nextUpdate) (checked at \(now.formatted(format))); "
                    + "the server must fetch current collateral from Intel")
        }
        return next
    }
}
