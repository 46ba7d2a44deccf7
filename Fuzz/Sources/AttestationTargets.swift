import Foundation

@testable import Wire

/// A fixed time inside the fixtures' validity, so verdicts do not depend on the clock.
let fixedDate = Date(timeIntervalSince1970: 1_750_000_000)

/// AMD's pinned roots (ARKs), parsed once.
let amdRoots: [AMDCertificate] = [
    AMDRootCertificates.milanARK, AMDRootCertificates.genoaARK, AMDRootCertificates.turinARK,
]
.map { try! AMDCertificate(derOrPEM: Array($0.utf8), role: "ARK") }

/// SEV-SNP attestation report, binary or hex, read under every product's layout.
func fuzzSEVSNPReport(_ data: [UInt8]) {
    guard let report = try? SEVSNPReport(fileContents: data) else { return }
    for product in SEVSNPProduct.allCases {
        let view = report.interpreted(as: product)
        _ = (view.currentTCB, view.platformInfo, view.policy, view.signingKey, view.reportData, view.version)
        guard view.bytes == report.bytes else { violated("reinterpreting a report keeps its bytes") }
    }
    guard (try? SEVSNPReport(bytes: report.bytes))?.bytes == report.bytes else {
        violated("a parsed report's bytes parse again to the same report")
    }
}

/// AMD certificates (VCEK, VLEK, ASK, ARK), DER or PEM.
func fuzzAMDCertificate(_ data: [UInt8]) {
    guard let certificate = try? AMDCertificate(derOrPEM: data) else { return }
    _ = certificate.isSigned(by: certificate)
    for root in amdRoots { _ = certificate.isSigned(by: root) }
    _ = try? AMDCertificate.certificates(pem: String(decoding: data, as: UTF8.self))
}

/// AMD certificate revocation lists, DER or PEM, checked against every shipped root.
func fuzzAMDRevocationList(_ data: [UInt8]) {
    guard let list = try? AMDRevocationList(derOrPEM: data) else { return }
    for root in amdRoots {
        _ = try? list.check(issuedBy: root, at: fixedDate)
        _ = list.revokes(root)
    }
}

/// Intel TDX quotes (binary or hex), then the PCK chain and extensions they carry.
func fuzzTDXQuote(_ data: [UInt8]) {
    guard let quote = try? TDXQuote(fileContents: data) else { return }
    _ = (quote.userData, quote.header, quote.body)
    _ = try? TDXVerifier().verifyPCKChain(of: quote, at: fixedDate)
}

/// TDX collateral JSON (TCB info and QE identity as dcap-qvl writes them), then its chains.
func fuzzTDXCollateral(_ data: [UInt8]) {
    guard let collateral = try? TDXCollateral(json: data) else { return }
    for pem in [collateral.tcbInfoIssuerChain, collateral.qeIdentityIssuerChain] {
        _ = try? IntelCertificateChain(
            pem: pem, names: TDXVerifier.tcbSigningChainNames, role: "TCB signing chain")
    }
}
