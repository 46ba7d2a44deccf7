import Crypto
import Foundation
import X509

/// A TDX quote judged with Intel's collateral: its signatures verify up to Intel's root, the TCB
/// info and QE identity are signed by Intel's TCB signing key and current, they are for this
/// platform, no certificate is on a revocation list the collateral carries, the TD is not a debug
/// TD, and every TCB level the platform, its TDX module and its quoting enclave match is UpToDate
/// or a status the policy accepts.
public struct VerifiedTDXEvidence: Sendable {
    /// The quote and its PCK certificate.
    public let quote: VerifiedTDXQuote
    /// What the PCK certificate says about the platform.
    public let pck: PCKCertificateExtensions
    /// The levels matched: platform, TDX module (when the TCB info lists module levels), QE.
    public let tcbLevels: [TDXTCBLevelMatch]
    /// Intel's TCB evaluation data number of the TCB info.
    public let tcbEvaluationDataNumber: Int
    /// The earliest nextUpdate of the TCB info, the QE identity and the revocation lists checked:
    /// the verdict holds until then.
    public let collateralNextUpdate: Date
    /// Which revocation lists were checked: "root CA CRL", "PCK CRL" (empty when the collateral
    /// carried none).
    public let revocationListsChecked: [String]

    /// The least favourable status of the levels matched (UpToDate when every level is).
    public var tcbStatus: TDXTCBStatus {
        tcbLevels.map(\.status).first { $0 != .upToDate } ?? .upToDate
    }

    /// The Intel security advisories of every level matched, each once, in order.
    public var advisoryIDs: [String] {
        var seen = Set<String>()
        return tcbLevels.flatMap(\.advisoryIDs).filter { seen.insert($0).inserted }
    }

    /// To show with every verdict: a status accepted only because the policy lists it.
    public var warnings: [String] {
        tcbLevels.filter { $0.status != .upToDate }.map { level in
            "the \(level.component) TCB is \(level.status)"
                + (level.advisoryIDs.isEmpty ? "" : " (\(level.advisoryIDs.joined(separator: ", ")))")
                + ", accepted by the attestation policy"
        }
    }
}

extension TDXVerifier {
    /// What the TCB signing chain's certificates are, and Intel's names for them.
    static let tcbSigningChainNames = ["TCB signing certificate", "root CA"]
    static let tcbSigningChainCommonNames = [["Intel SGX TCB Signing"], ["Intel SGX Root CA"]]

    /// Verifies `quote` (as `verify(_:at:)`) and judges it with `collateral` at `now`.
    /// - Throws: `TDXError` naming the first check that failed; a TCB status `policy` does not
    ///   accept is refused with a code for its status, a debug TD with `.debugTD`.
    public func verify(
        _ quote: TDXQuote, collateral: TDXCollateral, policy: TDXPolicy = .shipped, at now: Date
    ) throws(TDXError) -> VerifiedTDXEvidence {
        try judge(verify(quote, at: now), collateral: collateral, policy: policy, at: now)
    }

    /// Judges a quote whose signatures verified with `collateral` at `now`: the collateral's
    /// signatures and dates, the revocation lists, the TCB levels under `policy`, and DEBUG.
    /// - Throws: `TDXError` naming the first check that failed.
    public func judge(
        _ verified: VerifiedTDXQuote, collateral: TDXCollateral, policy: TDXPolicy = .shipped, at now: Date
    ) throws(TDXError) -> VerifiedTDXEvidence {
        let quote = verified.quote
        let pck = try PCKCertificateExtensions(certificate: verified.pckCertificate)
        let tcbSigning = try checkSigned(
            collateral.tcbInfoText, signature: collateral.tcbInfoSignature, chain: collateral.tcbInfoIssuerChain,
            name: "TCB info", code: .tcbInfoSignature, at: now)
        let qeSigning = try checkSigned(
            collateral.qeIdentityText, signature: collateral.qeIdentitySignature,
            chain: collateral.qeIdentityIssuerChain, name: "QE identity", code: .qeIdentitySignature, at: now)
        let revocation = try checkRevocation(
            verified, collateral: collateral, signingCertificates: [tcbSigning, qeSigning], at: now)
        let tcbInfoNext = try Self.checkCurrent(
            issued: collateral.tcbInfo.issueDate, nextUpdate: collateral.tcbInfo.nextUpdate, name: "TCB info", at: now)
        let qeIdentityNext = try Self.checkCurrent(
            issued: collateral.qeIdentity.issueDate, nextUpdate: collateral.qeIdentity.nextUpdate,
            name: "QE identity", at: now)
        let matches = try TDXTCBEvaluation.match(
            quote: quote, pck: pck, tcbInfo: collateral.tcbInfo, qeIdentity: collateral.qeIdentity)
        try TDXTCBEvaluation.judge(matches, policy: policy)
        try Self.checkNotDebug(quote.body)
        return VerifiedTDXEvidence(
            quote: verified, pck: pck, tcbLevels: matches,
            tcbEvaluationDataNumber: collateral.tcbInfo.tcbEvaluationDataNumber,
            collateralNextUpdate: ([tcbInfoNext, qeIdentityNext] + revocation.nextUpdates).min() ?? tcbInfoNext,
            revocationListsChecked: revocation.checked)
    }

    /// A TD whose DEBUG attribute (TDATTRIBUTES bit 0) is set lets the host read and change its
    /// memory and registers: nothing it attests is confidential.
    public static func checkNotDebug(_ body: TDReportBody) throws(TDXError) {
        guard body.tdAttributes & 1 == 0 else {
            throw TDXError(
                .debugTD,
                "the TD runs with DEBUG set (TD attributes 0x\(String(body.tdAttributes, radix: 16))): its host can "
                    + "read its memory, so it is refused")
        }
    }

    /// The revocation lists the collateral carries, each checked under its CA at `now`: the root
    /// CA's list must not name the quote's PCK CA or the TCB signing certificates, and the PCK
    /// CA's list must not name the PCK certificate. A list that is absent is not checked (the
    /// verdict says so); one that is present and fails any check refuses the quote.
    /// - Returns: the names of the lists checked and their nextUpdates.
    public func checkRevocation(
        _ quote: VerifiedTDXQuote, collateral: TDXCollateral, signingCertificates: [Certificate] = [], at now: Date
    ) throws(TDXError) -> (checked: [String], nextUpdates: [Date]) {
        var checked = [String]()
        var nextUpdates = [Date]()
        if let list = collateral.rootCACRL {
            let name = "root CA CRL"
            try list.check(issuedBy: trustedRootCertificate, name: name, at: now)
            if list.revokes(quote.pckIssuer) {
                throw TDXError(
                    .issuerRevoked,
                    "Intel's root CA has revoked the quote's \"\(IntelCertificateChain.commonName(quote.pckIssuer))\" "
                        + "(serial \(Hex.encode(Array(quote.pckIssuer.serialNumber.bytes)))); its PCK certificates "
                        + "vouch for nothing")
            }
            if let revoked = signingCertificates.first(where: list.revokes) {
                throw TDXError(
                    .issuerRevoked,
                    "Intel's root CA has revoked the TCB signing certificate (serial "
                        + "\(Hex.encode(Array(revoked.serialNumber.bytes)))) that signed the collateral")
            }
            checked.append(name)
            if let next = list.nextUpdate { nextUpdates.append(next) }
        }
        if let chain = collateral.pckCRLIssuerChain {
            let role = "PCK CRL issuer chain"
            let names = Array(Self.pckChainNames.dropFirst())
            let parsed = try IntelCertificateChain(pem: chain, names: names, role: role)
            try parsed.verify(
                names: names, commonNames: Array(Self.pckChainCommonNames.dropFirst()),
                trustedRoot: trustedRootCertificate, at: now, role: role)
        }
        if let list = collateral.pckCRL {
            let name = "PCK CRL"
            try list.check(issuedBy: quote.pckIssuer, name: name, at: now)
            if list.revokes(quote.pckCertificate) {
                throw TDXError(
                    .pckRevoked,
                    "Intel has revoked the quote's PCK certificate (serial "
                        + "\(Hex.encode(Array(quote.pckCertificate.serialNumber.bytes)))); the platform's key "
                        + "is not to be trusted")
            }
            checked.append(name)
            if let next = list.nextUpdate { nextUpdates.append(next) }
        }
        return (checked, nextUpdates)
    }

    /// `text` must be signed (ECDSA P-256, SHA-256) by the TCB signing certificate of `chain`, and
    /// that chain must end in the trusted root.
    private func checkSigned(
        _ text: String, signature: [UInt8], chain pem: String, name: String, code: TDXErrorCode, at now: Date
    ) throws(TDXError) -> Certificate {
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
        return chain.leaf
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
