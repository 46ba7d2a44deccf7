import Crypto
import Foundation
import TestSupport
import Testing
import Wire
import X509

/// Intel's revocation lists in the collateral: the real sample's lists verify, altered, stale or
/// misplaced lists are refused, and a revoked PCK certificate or PCK CA (on a test PKI whose
/// lists the tests sign) is refused with its own code.
@Suite struct TDXRevocationTests {
    static let now = TDXVectors.v4.now

    /// The v4 sample's collateral with the revocation fields given replaced (nil keeps the
    /// sample's).
    static func collateral(
        rootCACRL: [UInt8]? = nil, pckCRL: [UInt8]? = nil, pckCRLIssuerChain: String? = nil
    ) throws -> TDXCollateral {
        try TDXCollateralTests.editedCollateral(TDXVectors.v4) { object in
            if let rootCACRL { object["root_ca_crl"] = Hex.encode(rootCACRL) }
            if let pckCRL { object["pck_crl"] = Hex.encode(pckCRL) }
            if let pckCRLIssuerChain { object["pck_crl_issuer_chain"] = pckCRLIssuerChain }
        }
    }

    /// The code `TDXCollateral` refuses the v4 sample's collateral with after `edit`.
    static func parseCode(_ edit: (inout [String: Any]) throws -> Void) -> TDXErrorCode? {
        do {
            _ = try TDXCollateralTests.editedCollateral(TDXVectors.v4, edit)
            return nil
        } catch let error as TDXError {
            return error.code
        } catch {
            return nil
        }
    }

    static func sampleField(_ key: String) throws -> String {
        let object = try #require(
            JSONSerialization.jsonObject(with: Data(TDXCollateralTests.collateralText(TDXVectors.v4).utf8))
                as? [String: Any])
        return try #require(object[key] as? String)
    }

    @Test func theSampleListsAreCheckedAndNameNeitherCertificate() throws {
        let evidence = try TDXVerifier().verify(
            TDXVectors.v4.quote(), collateral: TDXCollateralTests.collateral(TDXVectors.v4), at: Self.now)
        #expect(evidence.revocationListsChecked == ["root CA CRL", "PCK CRL"])
        // The PCK CRL is due at 2025-07-19T10:00:35Z, before the TCB info (10:16:03Z).
        #expect(evidence.collateralNextUpdate == Date(timeIntervalSince1970: 1_752_919_235))
        // Without the lists the quote still verifies, and says none were checked.
        let bare = try TDXCollateralTests.editedCollateral(TDXVectors.v4) { object in
            for key in ["root_ca_crl", "pck_crl", "pck_crl_issuer_chain"] { object.removeValue(forKey: key) }
        }
        let unchecked = try TDXVerifier().verify(TDXVectors.v4.quote(), collateral: bare, at: Self.now)
        #expect(unchecked.revocationListsChecked.isEmpty)
    }

    @Test func alteredMisplacedOrStaleListsAreRefused() throws {
        let quote = try TDXVectors.v4.quote()
        func code(_ collateral: TDXCollateral, at now: Date = Self.now) -> TDXErrorCode? {
            do throws(TDXError) {
                _ = try TDXVerifier().verify(quote, collateral: collateral, at: now)
                return nil
            } catch {
                return error.code
            }
        }
        let root = try Hex.decode(Self.sampleField("root_ca_crl"))
        let pck = try Hex.decode(Self.sampleField("pck_crl"))
        // The root CA's list given as the PCK CA's, and the other way round: another issuer.
        #expect(try code(Self.collateral(pckCRL: root)) == .revocationListSignature)
        #expect(try code(Self.collateral(rootCACRL: pck)) == .revocationListSignature)
        // The last byte of each list's signature changed.
        for (which, list) in [("root", root), ("pck", pck)] {
            var altered = list
            altered[altered.count - 1] ^= 0x01
            let collateral =
                which == "root" ? try Self.collateral(rootCACRL: altered) : try Self.collateral(pckCRL: altered)
            #expect(code(collateral) == .revocationListSignature, "\(which)")
        }
        // A list that is not DER, or not hexadecimal.
        #expect(Self.parseCode { $0["root_ca_crl"] = "3003020101" } == .revocationListParse)
        #expect(Self.parseCode { $0["pck_crl"] = "zz" } == .revocationListParse)
        #expect(Self.parseCode { $0["pck_crl"] = "" } == .revocationListParse)
        // The PCK CRL is due at 10:00:35 on 2025-07-19, the TCB info at 10:16:03.
        let sample = try TDXCollateralTests.collateral(TDXVectors.v4)
        #expect(code(sample, at: Date(timeIntervalSince1970: 1_752_919_236)) == .revocationListExpired)
        #expect(code(sample, at: Date(timeIntervalSince1970: 1_752_919_235)) == nil)
        // The issuer chain of the PCK CRL must lead to the root: here it is the TCB signing chain.
        let signingChain = try Self.sampleField("tcb_info_issuer_chain")
        #expect(try code(Self.collateral(pckCRLIssuerChain: signingChain)) == .chainMismatch)
    }

    // MARK: Revoked certificates, on a test PKI

    /// `checkRevocation` of a quote of `pki` against lists it signs.
    static func revocationCode(
        _ pki: SyntheticTDX, rootRevokes: [Certificate] = [], caRevokes: [Certificate] = [],
        caSigner: P256.Signing.PrivateKey? = nil
    ) throws -> (code: TDXErrorCode?, checked: [String]) {
        let quote = try TDXQuote(bytes: pki.quote(version: 4, kind: .td10))
        let verified = try pki.verifier.verify(quote, at: Self.now)
        let collateral = try Self.collateral(
            rootCACRL: SyntheticTDX.revocationList(
                issuer: "Intel SGX Root CA", signer: pki.rootKey, revoked: rootRevokes),
            pckCRL: SyntheticTDX.revocationList(
                issuer: "Intel SGX PCK Platform CA", signer: caSigner ?? pki.caKey, revoked: caRevokes),
            pckCRLIssuerChain: pki.chainPEM([pki.ca, pki.root]))
        do throws(TDXError) {
            let result = try pki.verifier.checkRevocation(verified, collateral: collateral, at: Self.now)
            return (nil, result.checked)
        } catch {
            return (error.code, [])
        }
    }

    @Test func aRevokedPCKCertificateOrCAIsRefused() throws {
        let pki = try SyntheticTDX()
        let clean = try Self.revocationCode(pki)
        #expect(clean.code == nil)
        #expect(clean.checked == ["root CA CRL", "PCK CRL"])
        // Other certificates listed: still accepted.
        let other = try SyntheticTDX()
        #expect(try Self.revocationCode(pki, rootRevokes: [other.ca], caRevokes: [other.pck]).code == nil)
        #expect(try Self.revocationCode(pki, caRevokes: [other.pck, pki.pck]).code == .pckRevoked)
        #expect(try Self.revocationCode(pki, rootRevokes: [pki.ca]).code == .issuerRevoked)
        // A PCK CRL signed by another key than the PCK CA's.
        #expect(
            try Self.revocationCode(pki, caRevokes: [], caSigner: P256.Signing.PrivateKey()).code
                == .revocationListSignature)
    }
}
