import Foundation
import TestSupport
import Testing
import Wire

/// The public SEV-SNP vectors under Tests/Fixtures/vectors/sev-snp (see PROVENANCE.md).
enum SEVSNPVectors {
    /// 2025-06-01T00:00:00Z: inside the validity of every vector certificate (the go-sev-guest
    /// VCEK runs 2022-09-24 to 2029-09-24, virtee's Milan VCEK 2023-04-03 to 2030-04-03, the
    /// Turin VCEK 2024-11-06 to 2031-11-06, the ARKs and ASKs until 2045 and later).
    static let now = Date(timeIntervalSince1970: 1_748_736_000)

    /// go-sev-guest's Milan report: version 2, policy 0xb0000 (DEBUG set), VMPL 0.
    static func goSEVGuestReport() throws -> SEVSNPReport {
        try SEVSNPReport(bytes: Array(Fixtures.data("vectors/sev-snp/go-sev-guest/attestation.bin")))
    }

    /// The VCEK that signed `goSEVGuestReport` (DER, serial number zero).
    static func goSEVGuestVCEK() throws -> [UInt8] {
        Array(try Fixtures.data("vectors/sev-snp/go-sev-guest/vcek.testcer"))
    }

    /// virtee's Milan report (hex text): version 2, policy 0x30000, VMPL 0.
    static func virteeReportText() throws -> String {
        try Fixtures.text("vectors/sev-snp/virtee/report_milan.hex")
    }

    /// virtee's Milan report, parsed.
    static func virteeReport() throws -> SEVSNPReport {
        try SEVSNPReport(hex: virteeReportText())
    }

    /// The VCEK that signed `virteeReport` (DER).
    static func virteeVCEK() throws -> [UInt8] {
        Array(try Fixtures.data("vectors/sev-snp/virtee/vcek_milan.der"))
    }

    /// virtee's Milan `cert_chain` (ASK, ARK), parsed.
    static func virteeChain() throws -> AMDCertificates.Chain {
        try AMDCertificates.Chain(pem: Fixtures.text("vectors/sev-snp/virtee/cert_chain_milan"))
    }

    /// A chain file of amd-ca/ (`ask_ark_milan.pem`, ...), parsed.
    static func amdChain(_ file: String) throws -> AMDCertificates.Chain {
        try AMDCertificates.Chain(pem: Fixtures.text("vectors/sev-snp/amd-ca/\(file)"))
    }

    /// A certificate file, decoded.
    static func certificate(_ path: String) throws -> AMDCertificate {
        try AMDCertificate(derOrPEM: Array(Fixtures.data("vectors/sev-snp/\(path)")))
    }

    /// A policy that accepts go-sev-guest's debug report.
    static let allowDebug = SEVSNPPolicy(allowDebug: true)

    /// Runs `body` and returns the `AttestationError` code it threw, or nil when it did not throw.
    /// Any other error is a test failure: the verifier must only throw `AttestationError`.
    static func code(_ body: () throws -> Void) -> AttestationErrorCode? {
        do {
            try body()
            return nil
        } catch let error as AttestationError {
            return error.code
        } catch {
            Issue.record("not an AttestationError: \(error)")
            return nil
        }
    }

    /// `bytes` with bit `bit` (0 = least significant bit of byte 0) inverted.
    static func flipping(_ bytes: [UInt8], bit: Int) -> [UInt8] {
        var copy = bytes
        copy[bit / 8] ^= 1 << UInt8(bit % 8)
        return copy
    }
}
