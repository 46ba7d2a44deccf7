import Foundation
import Testing
import Wire

/// The REPORTED_TCB / CHIP_ID match against a VCEK's extensions, alone, with synthetic values;
/// then on a real report/VCEK pair with one field flipped, where the signature fails as well.
@Suite struct SEVSNPEndorsementMatchTests {
    let chipID = (0..<64).map { UInt8(255 - $0) }
    let tcb = SEVSNPReport.TCBVersion(layout: .milanGenoa, bootloader: 3, tee: 1, snp: 8, microcode: 115)

    func milanVCEK(
        bootloader: UInt8 = 3, tee: UInt8 = 1, snp: UInt8 = 8, microcode: UInt8 = 115, fmc: UInt8? = nil,
        hardwareID: [UInt8]? = nil
    ) -> AMDEndorsementExtensions {
        AMDEndorsementExtensions(
            productName: "Milan-B0", bootloader: bootloader, tee: tee, snp: snp, microcode: microcode, fmc: fmc,
            hardwareID: hardwareID ?? chipID)
    }

    func code(
        _ extensions: AMDEndorsementExtensions, tcb: SEVSNPReport.TCBVersion? = nil, chipID: [UInt8]? = nil,
        product: SEVSNPProduct = .milan
    ) -> AttestationErrorCode? {
        SEVSNPVectors.code {
            try extensions.checkMatches(reportedTCB: tcb ?? self.tcb, chipID: chipID ?? self.chipID, product: product)
        }
    }

    @Test func matchingValuesPass() {
        #expect(code(milanVCEK()) == nil)
        // The layout is the product's, whatever the report's guess was.
        let guessedTurin = SEVSNPReport.TCBVersion(rawValue: tcb.rawValue, layout: .turin)
        #expect(code(milanVCEK(), tcb: guessedTurin) == nil)
    }

    @Test func everyTCBComponentIsCompared() {
        #expect(code(milanVCEK(bootloader: 2)) == .tcbMismatch)
        #expect(code(milanVCEK(tee: 0)) == .tcbMismatch)
        #expect(code(milanVCEK(snp: 9)) == .tcbMismatch)
        #expect(code(milanVCEK(microcode: 114)) == .tcbMismatch)
        // Milan TCBs have no FMC, so a certificate claiming one does not match.
        #expect(code(milanVCEK(fmc: 0)) == .tcbMismatch)
        // Reserved bytes are not components: a report that sets them still matches its VCEK.
        let reserved = SEVSNPReport.TCBVersion(rawValue: tcb.rawValue | 0x00_0000_FF00_0000, layout: .milanGenoa)
        #expect(code(milanVCEK(), tcb: reserved) == nil)
    }

    @Test func theMessageNamesTheDifferingComponents() throws {
        let error = try #require(throws: AttestationError.self) {
            try milanVCEK(snp: 9, microcode: 200).checkMatches(reportedTCB: tcb, chipID: chipID, product: .milan)
        }
        #expect(error.message.contains("snp report=8 certificate=9"))
        #expect(error.message.contains("microcode report=115 certificate=200"))
        #expect(!error.message.contains("bootloader report"))
    }

    @Test func theChipIDIsComparedInFull() {
        for index in [0, 31, 63] {
            var other = chipID
            other[index] ^= 1
            #expect(code(milanVCEK(), chipID: other) == .chipIDMismatch, "byte \(index)")
        }
        #expect(code(milanVCEK(), chipID: [UInt8](repeating: 0, count: 64)) == .chipIDMismatch)
        #expect(code(milanVCEK(), chipID: Array(chipID.prefix(63))) == .chipIDMismatch)
        #expect(code(milanVCEK(hardwareID: Array(chipID.prefix(8)))) == .chipIDMismatch)
    }

    @Test func turinComparesFMCAndAnEightByteChipID() {
        let hardwareID: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let report = hardwareID + [UInt8](repeating: 0, count: 56)
        let turinTCB = SEVSNPReport.TCBVersion(layout: .turin, fmc: 1, bootloader: 2, tee: 3, snp: 4, microcode: 9)
        let vcek = AMDEndorsementExtensions(
            productName: "Turin", bootloader: 2, tee: 3, snp: 4, microcode: 9, fmc: 1, hardwareID: hardwareID)
        #expect(code(vcek, tcb: turinTCB, chipID: report, product: .turin) == nil)
        var tail = report
        tail[8] = 1
        #expect(code(vcek, tcb: turinTCB, chipID: tail, product: .turin) == .chipIDMismatch)
        let noFMC = AMDEndorsementExtensions(
            productName: "Turin", bootloader: 2, tee: 3, snp: 4, microcode: 9, hardwareID: hardwareID)
        #expect(code(noFMC, tcb: turinTCB, chipID: report, product: .turin) == .tcbMismatch)
        // A 64-byte hwID is not a Turin one.
        #expect(code(milanVCEK(), tcb: turinTCB, chipID: chipID, product: .turin) == .tcbMismatch)
    }

    @Test func aVLEKHasNoChipIDToCompare() {
        let vlek = AMDEndorsementExtensions(
            productName: "Milan", bootloader: 3, tee: 1, snp: 8, microcode: 115, cspID: "cloud")
        #expect(vlek.kind == .vlek)
        #expect(code(vlek, chipID: [UInt8](repeating: 0, count: 64)) == nil)
        let older = AMDEndorsementExtensions(
            productName: "Milan", bootloader: 3, tee: 1, snp: 7, microcode: 115, cspID: "x")
        #expect(code(older) == .tcbMismatch)
    }

    /// A real pair with REPORTED_TCB or CHIP_ID flipped: the verifier stops at the signature,
    /// and the match on its own also fails.
    @Test(arguments: [
        (0x186, AttestationErrorCode.tcbMismatch),  // REPORTED_TCB.snp
        (0x187, .tcbMismatch),  // REPORTED_TCB.microcode
        (0x180, .tcbMismatch),  // REPORTED_TCB.bootloader
        (0x1A0, .chipIDMismatch), (0x1DF, .chipIDMismatch),
    ])
    func flippedFieldsOfARealReportFailBothWays(_ offset: Int, _ expected: AttestationErrorCode) throws {
        var bytes = try SEVSNPVectors.virteeReport().bytes
        bytes[offset] ^= 0x01
        let report = try SEVSNPReport(bytes: bytes)
        let vcek = try SEVSNPVectors.virteeVCEK()
        #expect(
            SEVSNPVectors.code {
                _ = try SEVSNPVerifier().verify(report: report, endorsementKey: vcek, at: SEVSNPVectors.now)
            } == .reportSignature)
        let extensions = try AMDEndorsementExtensions(certificate: AMDCertificate(derEncoded: vcek))
        #expect(
            SEVSNPVectors.code {
                try extensions.checkMatches(reportedTCB: report.reportedTCB, chipID: report.chipID, product: .milan)
            } == expected)
    }
}
