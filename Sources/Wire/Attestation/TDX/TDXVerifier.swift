import Crypto
import Foundation
import X509

/// A PCK certificate chain checked up to the trusted root at one time. Only `TDXVerifier` makes
/// these, so a quote can only be checked against a chain that was verified.
public struct VerifiedPCKChain: Sendable {
    /// The chain's PEM text exactly as the quote carried it.
    public let pem: String
    /// The PCK certificate, whose key signs the QE report.
    public let pckCertificate: Certificate
    /// The PCK CA that issued it (Platform or Processor CA).
    public let pckIssuer: Certificate
    /// The time the validity periods were checked at.
    public let checkedAt: Date
}

/// A TDX quote whose signatures all verify up to Intel's root: the PCK chain, the QE report
/// signed by the PCK key and binding the attestation key, and the quote signed by that key. Only
/// `TDXVerifier` makes these.
public struct VerifiedTDXQuote: Sendable {
    /// The quote; its body (MRTD, RTMRs, REPORT_DATA, attributes) is now vouched for by the
    /// platform, but its TCB is not judged until the collateral is checked.
    public let quote: TDXQuote
    /// The PCK certificate that signed the QE report.
    public let pckCertificate: Certificate
    /// The PCK CA that issued it (Platform or Processor CA).
    public let pckIssuer: Certificate
}

/// Verifies Intel TDX quotes (DCAP, ECDSA P-256): the PCK certificate chain to the pinned Intel
/// SGX Root CA, the QE report's signature by the PCK key, the QE report's binding of the
/// attestation key, and the quote's signature by the attestation key. Every failure throws a
/// distinct `TDXError`; nothing is accepted by default.
public struct TDXVerifier: Sendable {
    /// What the PCK chain's certificates are, leaf first.
    static let pckChainNames = ["PCK certificate", "PCK CA", "root CA"]
    /// Intel's common names for them.
    static let pckChainCommonNames = [
        ["Intel SGX PCK Certificate"], ["Intel SGX PCK Platform CA", "Intel SGX PCK Processor CA"],
        ["Intel SGX Root CA"],
    ]

    let trustedRootCertificate: Certificate

    /// A verifier that trusts Intel's pinned SGX Root CA (`IntelRootCertificate`).
    public init() {
        self.trustedRootCertificate = IntelRootCertificate.certificate
    }

    /// A verifier that trusts another root instead, e.g. a test PKI. Production code uses `init()`.
    public init(trustedRoot: Certificate) {
        self.trustedRootCertificate = trustedRoot
    }

    /// Verifies every signature of `quote`, with certificate validity checked at `now`.
    /// - Throws: `TDXError` naming the first check that failed.
    public func verify(_ quote: TDXQuote, at now: Date) throws(TDXError) -> VerifiedTDXQuote {
        try verify(quote, pckChain: verifyPCKChain(of: quote, at: now))
    }

    /// Checks the PCK chain a quote carries once, so several quotes of one platform can be checked
    /// against it. The validity periods are checked at `now` only: a caller that keeps the result
    /// must check again when its time has moved on.
    public func verifyPCKChain(of quote: TDXQuote, at now: Date) throws(TDXError) -> VerifiedPCKChain {
        let role = "quote's PCK certificate chain"
        let chain = try IntelCertificateChain(pem: quote.pckChainPEM, names: Self.pckChainNames, role: role)
        try chain.verify(
            names: Self.pckChainNames, commonNames: Self.pckChainCommonNames, trustedRoot: trustedRootCertificate,
            at: now,
            role: role)
        return VerifiedPCKChain(
            pem: quote.pckChainPEM, pckCertificate: chain.leaf, pckIssuer: chain.certificates[1], checkedAt: now)
    }

    /// Checks a quote's QE report and signature against an already verified PCK chain, which must
    /// be the very chain the quote carries.
    public func verify(_ quote: TDXQuote, pckChain: VerifiedPCKChain) throws(TDXError) -> VerifiedTDXQuote {
        guard quote.pckChainPEM == pckChain.pem else {
            throw TDXError(
                .chainMismatch, "the quote carries another PCK certificate chain than the one verified for it")
        }
        try checkQEReport(quote, pck: pckChain.pckCertificate)
        try checkQuoteSignature(quote)
        return VerifiedTDXQuote(
            quote: quote, pckCertificate: pckChain.pckCertificate, pckIssuer: pckChain.pckIssuer)
    }

    /// The QE report must be signed by the PCK key and must bind the attestation key: its
    /// REPORT_DATA is SHA-256(attestation key ‖ QE auth data) followed by 32 zero bytes.
    private func checkQEReport(_ quote: TDXQuote, pck: Certificate) throws(TDXError) {
        guard let pckKey = P256.Signing.PublicKey(pck.publicKey),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: quote.qeReportSignature),
            pckKey.isValidSignature(signature, for: SHA256.hash(data: quote.qeReport.bytes))
        else {
            throw TDXError(
                .qeReportSignature,
                "the quoting enclave's report does not verify under the PCK certificate's key; the quote was "
                    + "altered, or its PCK certificate is for another platform")
        }
        let expected =
            Array(SHA256.hash(data: quote.attestationKey + quote.qeAuthData)) + [UInt8](repeating: 0, count: 32)
        guard quote.qeReport.reportData == expected else {
            throw TDXError(
                .qeReportData,
                "the quoting enclave's report does not bind the quote's attestation key (REPORT_DATA is not "
                    + "SHA-256 of the key and the QE auth data, then zeros); the quote was altered")
        }
    }

    private func checkQuoteSignature(_ quote: TDXQuote) throws(TDXError) {
        guard let key = try? P256.Signing.PublicKey(rawRepresentation: quote.attestationKey) else {
            throw TDXError(
                .attestationKey, "the quote's attestation key is not a point on P-256; the quote was altered")
        }
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: quote.signature),
            key.isValidSignature(signature, for: SHA256.hash(data: quote.signedBytes))
        else {
            throw TDXError(
                .quoteSignature,
                "the quote's signature does not verify under its attestation key; the header or TD report was altered")
        }
    }
}
