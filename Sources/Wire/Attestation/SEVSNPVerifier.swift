import Crypto
import Foundation

/// A VCEK or VLEK whose certificate chains to a trusted AMD root. Only `SEVSNPVerifier` makes
/// these, so a report can only be checked against a key whose chain was verified.
public struct VerifiedEndorsementKey: Sendable {
    /// The certificate.
    public let certificate: AMDCertificate
    /// VCEK or VLEK.
    public let kind: SEVSNPEndorsementKey
    /// The product the chain proves.
    public let product: SEVSNPProduct
    /// The TCB, chip id or cloud provider the key was issued for.
    public let extensions: AMDEndorsementExtensions
    let publicKey: P384.Signing.PublicKey
}

/// A report that passed every check: its signature, its endorsement key's chain to AMD's root,
/// the match between the report and the key, and the verification policy.
public struct VerifiedSEVSNPReport: Sendable {
    /// The report, its TCB fields read in the layout of the proven product.
    public let report: SEVSNPReport
    /// The processor product line the chain proves.
    public let product: SEVSNPProduct
    /// Which key signed the report.
    public let signingKey: SEVSNPEndorsementKey
    /// The endorsement key and its certificate.
    public let endorsementKey: VerifiedEndorsementKey
    /// What the verdict must be shown with: a product the policy allows despite a known break.
    public let warnings: [String]
}

/// Verifies AMD SEV-SNP attestation reports: AMD's certificate chain, the report signature, the
/// report's agreement with its key, and a policy. Every failure throws a distinct
/// `AttestationError`; nothing is accepted by default.
public struct SEVSNPVerifier: Sendable {
    private let trustedRoots: [SEVSNPProduct: AMDCertificate]

    /// A verifier that trusts AMD's pinned roots (`AMDCertificates`).
    public init() {
        self.trustedRoots = Dictionary(
            uniqueKeysWithValues: SEVSNPProduct.allCases.map { ($0, AMDCertificates.pinnedRoot(for: $0)) })
    }

    /// A verifier that trusts other roots instead, e.g. a test PKI. Production code uses `init()`.
    public init(trustedRoots: [SEVSNPProduct: AMDCertificate]) {
        self.trustedRoots = trustedRoots
    }

    /// Verifies `report` as signed by the VCEK or VLEK `endorsementKey` (DER or PEM).
    /// - Parameters:
    ///   - chain: the ASK (or ASVK) and ARK to check the key against; the pinned chain for the
    ///     key's product when nil. A given ARK must still be the pinned root.
    ///   - now: the time to check validity periods at (injected, so verification is reproducible).
    ///   - revocations: AMD's CRL for the product, checked when given (see `verifyEndorsementKey`).
    /// - Throws: `AttestationError` naming the first check that failed.
    public func verify(
        report: SEVSNPReport, endorsementKey: some Collection<UInt8>, chain: AMDCertificates.Chain? = nil,
        at now: Date, policy: SEVSNPPolicy = SEVSNPPolicy(), revocations: AMDRevocationList? = nil
    ) throws(AttestationError) -> VerifiedSEVSNPReport {
        let leaf = try AMDCertificate(derOrPEM: endorsementKey, role: "VCEK/VLEK certificate")
        let key = try verifyEndorsementKey(leaf, chain: chain, at: now, revocations: revocations)
        return try verify(report, endorsedBy: key, policy: policy)
    }

    /// Checks an endorsement key's chain once, so several reports can be checked against it. The
    /// validity periods are checked at `now` only: a caller that keeps the result must check again
    /// when its time has moved on. When `revocations` is given it must be signed by the chain's
    /// ARK and current, and name neither the key nor its ASK/ASVK.
    public func verifyEndorsementKey(
        _ leaf: AMDCertificate, chain: AMDCertificates.Chain? = nil, at now: Date,
        revocations: AMDRevocationList? = nil
    ) throws(AttestationError) -> VerifiedEndorsementKey {
        let extensions = try AMDEndorsementExtensions(certificate: leaf, role: "VCEK/VLEK certificate")
        let kind = extensions.kind
        guard let product = SEVSNPProduct(productName: extensions.productName) else {
            throw AttestationError(
                .wrongProduct,
                "the \(kind.rawValue) is for product \"\(extensions.productName)\", which this build does not know "
                    + "(it knows Milan, Genoa and Turin)")
        }
        guard let publicKey = leaf.p384PublicKey else {
            throw AttestationError(.certificateAlgorithm, "the \(kind.rawValue)'s key is not an ECDSA P-384 key")
        }
        let chain = chain ?? AMDCertificates.pinnedChain(for: product, key: kind)
        let intermediateName = kind == .vcek ? "ASK" : "ASVK"
        try checkRoot(chain.root, expected: product)
        try checkIssued(chain.intermediate, name: intermediateName, by: chain.root, issuerName: "ARK")
        try checkIssued(leaf, name: kind.rawValue, by: chain.intermediate, issuerName: intermediateName)
        for (certificate, name) in [(chain.root, "ARK"), (chain.intermediate, intermediateName), (leaf, kind.rawValue)]
        {
            try checkValidity(certificate, name: name, at: now)
        }
        if let revocations {
            try revocations.check(issuedBy: chain.root, at: now)
            for (certificate, name) in [(chain.intermediate, intermediateName), (leaf, kind.rawValue)]
            where revocations.revokes(certificate) {
                throw AttestationError(
                    .revoked,
                    "AMD's revocation list names the \(name) (serial \(Hex.encode(certificate.serialNumber))); "
                        + "evidence it endorses is not trusted")
            }
        }
        return VerifiedEndorsementKey(
            certificate: leaf, kind: kind, product: product, extensions: extensions, publicKey: publicKey)
    }

    /// Checks a report against an already verified endorsement key, then against `policy`.
    public func verify(
        _ report: SEVSNPReport, endorsedBy key: VerifiedEndorsementKey, policy: SEVSNPPolicy = SEVSNPPolicy()
    ) throws(AttestationError) -> VerifiedSEVSNPReport {
        try checkSignature(report, key: key)
        // Only now that the firmware's signature vouches for the bytes do their claims count.
        let report = report.interpreted(as: key.product)
        try key.extensions.checkMatches(reportedTCB: report.reportedTCB, chipID: report.chipID, product: key.product)
        try policy.check(report, product: key.product)
        return VerifiedSEVSNPReport(
            report: report, product: key.product, signingKey: key.kind, endorsementKey: key,
            warnings: policy.warnings(for: key.product))
    }

    // MARK: The report

    private func checkSignature(_ report: SEVSNPReport, key: VerifiedEndorsementKey) throws(AttestationError) {
        let reportKind: SEVSNPEndorsementKey
        switch report.signingKey {
        case .vcek: reportKind = .vcek
        case .vlek: reportKind = .vlek
        case .none, .reserved:
            throw AttestationError(
                .unsupportedSigningKey,
                "the report's SIGNING_KEY is \(report.signingKey); only VCEK- or VLEK-signed reports can be verified")
        }
        guard reportKind == key.kind else {
            throw AttestationError(
                .signingKeyMismatch,
                "the report says a \(reportKind.rawValue) signed it, but the certificate is a \(key.kind.rawValue); "
                    + "supply the \(reportKind.rawValue) certificate")
        }
        guard report.signatureAlgorithm == SEVSNPReport.ecdsaP384SHA384 else {
            throw AttestationError(
                .signatureAlgorithm,
                "the report's SIGNATURE_ALGO is \(report.signatureAlgorithm); only 1 (ECDSA P-384 with SHA-384) "
                    + "is defined")
        }
        if let cpuid = report.cpuid, let stated = cpuid.product, stated != key.product {
            throw AttestationError(
                .wrongProduct,
                "the report comes from a \(stated.name) CPU but its \(key.kind.rawValue) is for \(key.product.name)")
        }
        guard
            let signature = try? P384.Signing.ECDSASignature(rawRepresentation: report.signatureR + report.signatureS),
            key.publicKey.isValidSignature(signature, for: SHA384.hash(data: report.signedBytes))
        else {
            throw AttestationError(
                .reportSignature,
                "the report's signature does not verify under its \(key.kind.rawValue); the report was altered, "
                    + "or the \(key.kind.rawValue) is for another chip or TCB")
        }
    }

    // MARK: The chain

    private func checkRoot(_ root: AMDCertificate, expected product: SEVSNPProduct) throws(AttestationError) {
        // Look up the root trusted for this product first: one root may be trusted for several
        // products (a development root), and dictionary order must not decide which is meant.
        if let trusted = trustedRoots[product], trusted.isSameAuthority(as: root) {
            // Trusted for the product the endorsement key names.
        } else if let other = trustedRoots.filter({ $0.value.isSameAuthority(as: root) }).keys.sorted(by: {
            $0.rawValue < $1.rawValue
        }).first {
            throw AttestationError(
                .wrongProduct,
                "the root is the trusted \(other.name) root, but the endorsement key is for \(product.name); "
                    + "use the \(product.name) certificate chain")
        } else {
            throw AttestationError(
                .untrustedRoot,
                "the root certificate \"\(root.subjectCommonName)\" is not one of the trusted SEV-SNP roots "
                    + "(AMD's pinned ARKs); use AMD's ARK (KDS cert_chain) or omit the chain to use the pinned one")
        }
        guard root.isNamed(by: root), root.isSigned(by: root) else {
            throw AttestationError(
                .certificateSignature, "the ARK's self-signature does not verify; the root certificate was altered")
        }
        guard root.isCertificateAuthority else {
            throw AttestationError(.chainMismatch, "the ARK is not marked as a certificate authority")
        }
    }

    private func checkIssued(
        _ certificate: AMDCertificate, name: String, by issuer: AMDCertificate, issuerName: String
    ) throws(AttestationError) {
        guard certificate.isNamed(by: issuer) else {
            throw AttestationError(
                .chainMismatch,
                "the \(name) (\"\(certificate.subjectCommonName)\") was issued by \"\(certificate.issuerCommonName)\", "
                    + "not by the \(issuerName) given (\"\(issuer.subjectCommonName)\"); "
                    + "use the chain for this product and key kind")
        }
        guard issuer.isCertificateAuthority else {
            throw AttestationError(
                .chainMismatch, "the \(issuerName) (\"\(issuer.subjectCommonName)\") is not a certificate authority")
        }
        guard certificate.isSigned(by: issuer) else {
            throw AttestationError(
                .certificateSignature,
                "the \(name)'s signature does not verify under the \(issuerName)'s key; the certificate was altered")
        }
    }

    private func checkValidity(_ certificate: AMDCertificate, name: String, at now: Date) throws(AttestationError) {
        let format = Date.ISO8601FormatStyle()
        if now < certificate.notValidBefore {
            throw AttestationError(
                .certificateNotYetValid,
                "the \(name) is not valid until \(certificate.notValidBefore.formatted(format)) "
                    + "(checked at \(now.formatted(format))); check the system clock")
        }
        if now > certificate.notValidAfter {
            throw AttestationError(
                .certificateExpired,
                "the \(name) expired at \(certificate.notValidAfter.formatted(format)) "
                    + "(checked at \(now.formatted(format))); fetch a current one from AMD KDS")
        }
    }
}
