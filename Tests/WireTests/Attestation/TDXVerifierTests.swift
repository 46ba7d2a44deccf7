import Crypto
import Foundation
import SwiftASN1
import TestSupport
import Testing
import Wire
import X509

/// Verifying TDX quotes: the real samples verify up to Intel's pinned root, and every broken
/// link (chain, QE report, its binding, the quote's signature) is refused with its own code.
@Suite struct TDXVerifierTests {
    static func code(_ bytes: [UInt8], verifier: TDXVerifier = TDXVerifier(), at now: Date) -> TDXErrorCode? {
        do throws(TDXError) {
            _ = try verifier.verify(TDXQuote(bytes: bytes), at: now)
            return nil
        } catch {
            return error.code
        }
    }

    @Test(arguments: TDXVectors.all)
    func theRealSamplesVerifyUpToIntelsRoot(_ sample: TDXVectors.Sample) throws {
        let verified = try TDXVerifier().verify(sample.quote(), at: sample.now)
        #expect(verified.quote.body == (try sample.quote()).body)
        #expect(verified.pckIssuer.subject.description.contains("Intel SGX PCK Platform CA"))
        #expect(verified.pckCertificate.subject.description.contains("Intel SGX PCK Certificate"))
    }

    @Test func thePinnedRootIsIntelsSGXRootCA() throws {
        let root = IntelRootCertificate.certificate
        var serializer = DER.Serializer()
        try serializer.serialize(root)
        let der = serializer.serializedBytes
        #expect(
            Hex.encode(Array(SHA256.hash(data: der)))
                == "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3")
        #expect(root.subject == root.issuer)
    }

    @Test func certificatesAreCheckedAtTheGivenTime() throws {
        let bytes = try TDXVectors.v5.bytes()
        // The v5 sample's PCK certificate runs from 2026-01-23 to 2033-01-23.
        #expect(Self.code(bytes, at: Date(timeIntervalSince1970: 1_767_225_600)) == .certificateNotYetValid)
        #expect(Self.code(bytes, at: Date(timeIntervalSince1970: 2_000_000_000)) == .certificateExpired)
        #expect(Self.code(bytes, at: TDXVectors.v5.now) == nil)
    }

    @Test func aVersion5QuoteWithATD10BodyReadsAndVerifies() throws {
        let pki = try SyntheticTDX()
        let quote = try TDXQuote(bytes: pki.quote(version: 5, kind: .td10))
        #expect(quote.version == 5 && quote.body.kind == .td10)
        #expect(quote.signedBytes.count == 48 + 6 + 584)
        #expect(quote.body.reportData == Array(repeating: 0xAB, count: 64))
        #expect(quote.body.teeTCBSVN2 == nil)
        let verified = try pki.verifier.verify(quote, at: TDXVectors.v4.now)
        #expect(verified.pckCertificate == pki.pck)
    }

    @Test func aChainToAnotherRootIsRefused() throws {
        let pki = try SyntheticTDX()
        let quote = try pki.quote(version: 4, kind: .td10)
        // Intel's names, another key: only a verifier that trusts that key accepts it.
        #expect(Self.code(quote, at: TDXVectors.v4.now) == .untrustedRoot)
        #expect(Self.code(quote, verifier: pki.verifier, at: TDXVectors.v4.now) == nil)
        // Intel's real chain for a quote that needs it, against the synthetic root.
        #expect(Self.code(try TDXVectors.v4.bytes(), verifier: pki.verifier, at: TDXVectors.v4.now) == .untrustedRoot)
    }

    @Test func aChainThatDoesNotLinkUpIsRefused() throws {
        let pki = try SyntheticTDX()
        let other = try SyntheticTDX()
        let now = TDXVectors.v4.now
        func code(_ certificates: [Certificate]) throws -> TDXErrorCode? {
            Self.code(
                try pki.quote(version: 5, kind: .td15, chain: pki.chainPEM(certificates)), verifier: pki.verifier,
                at: now)
        }
        #expect(try code([pki.pck, pki.ca, pki.root]) == nil)
        // Missing or extra certificates.
        #expect(try code([pki.pck, pki.root]) == .certificateParse)
        #expect(try code([pki.pck, pki.ca, pki.ca, pki.root]) == .certificateParse)
        // A CA with the right name and another key: its signature on the PCK does not verify.
        #expect(try code([pki.pck, other.ca, pki.root]) == .certificateSignature)
        // The leaf in the CA's place.
        #expect(try code([pki.ca, pki.pck, pki.root]) == .chainMismatch)
        // A PCK certificate from another hierarchy: it is not under this CA's key.
        #expect(try code([other.pck, pki.ca, pki.root]) == .certificateSignature)
        // A certificate that is not named as Intel names PCK certificates.
        let renamed = try SyntheticTDX.certificate(
            "Intel SGX TCB Signing", key: pki.pckKey.publicKey, issuer: "Intel SGX PCK Platform CA",
            signer: pki.caKey, isCA: false)
        #expect(try code([renamed, pki.ca, pki.root]) == .chainMismatch)
        // A CA that is not marked as one.
        let notCA = try SyntheticTDX.certificate(
            "Intel SGX PCK Platform CA", key: pki.caKey.publicKey, issuer: "Intel SGX Root CA", signer: pki.rootKey,
            isCA: false)
        #expect(try code([pki.pck, notCA, pki.root]) == .chainMismatch)
    }

    @Test func theQEReportMustBeSignedByThePCKAndBindTheAttestationKey() throws {
        let pki = try SyntheticTDX()
        let now = TDXVectors.v4.now
        // A PCK certificate for another key than the one that signed the QE report.
        let otherPCK = try SyntheticTDX.certificate(
            "Intel SGX PCK Certificate", key: P256.Signing.PrivateKey().publicKey, issuer: "Intel SGX PCK Platform CA",
            signer: pki.caKey, isCA: false)
        let wrongPCK = try pki.quote(version: 4, kind: .td10, chain: pki.chainPEM([otherPCK, pki.ca, pki.root]))
        #expect(Self.code(wrongPCK, verifier: pki.verifier, at: now) == .qeReportSignature)
        // REPORT_DATA with the right hash but non-zero upper half, and with another hash.
        let key = Array(pki.attestationKey.publicKey.rawRepresentation)
        let hash = Array(SHA256.hash(data: key + [UInt8](0..<32)))
        let upperSet = try pki.quote(version: 4, kind: .td10, qeReportData: hash + [1] + Array(repeating: 0, count: 31))
        #expect(Self.code(upperSet, verifier: pki.verifier, at: now) == .qeReportData)
        let otherHash = try pki.quote(version: 4, kind: .td10, qeReportData: Array(repeating: 0, count: 64))
        #expect(Self.code(otherHash, verifier: pki.verifier, at: now) == .qeReportData)
        // An attestation key that is bound but is not a point on the curve.
        let offCurve = try pki.quote(version: 4, kind: .td10, attestationKeyBytes: Array(repeating: 0x01, count: 64))
        #expect(Self.code(offCurve, verifier: pki.verifier, at: now) == .attestationKey)
    }
}
