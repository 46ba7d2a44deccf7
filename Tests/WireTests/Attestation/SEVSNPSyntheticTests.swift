import Crypto
import Foundation
import Testing
import Wire

/// AMD's real reports cannot be re-signed after editing a field, so these tests sign their own
/// (with `SyntheticAMD`) to reach the checks that run after the signature: TCB and chip id
/// matching, VLEK reports, Turin's layout, CPUID, and the policy.
@Suite struct SEVSNPSyntheticTests {
    let pki = SyntheticAMD.milan
    let key = P384.Signing.PrivateKey()
    let milanTCB = SEVSNPReport.TCBVersion(layout: .milanGenoa, bootloader: 3, tee: 0, snp: 8, microcode: 115)
    let chipID = (0..<64).map { UInt8($0 + 1) }

    func vcekReport(_ edit: (inout ReportBuilder) -> Void = { _ in }) throws -> SEVSNPReport {
        var builder = try ReportBuilder()
        builder.setTCB(milanTCB)
        builder.setChipID(chipID)
        edit(&builder)
        return try builder.signed(with: key)
    }

    func verify(
        _ report: SEVSNPReport, certificate: [UInt8], chain: AMDCertificates.Chain? = nil,
        policy: SEVSNPPolicy = SEVSNPPolicy()
    ) throws -> VerifiedSEVSNPReport {
        try pki.verifier.verify(
            report: report, endorsementKey: certificate, chain: chain ?? pki.vcekChain, at: SEVSNPVectors.now,
            policy: policy)
    }

    @Test func aReSignedReportVerifiesAgainstTheTestRootButNeverAgainstAMDs() throws {
        let vcek = try pki.vcek(key, tcb: milanTCB, hardwareID: chipID)
        let report = try vcekReport()
        let verified = try verify(report, certificate: vcek)
        #expect(verified.product == .milan)
        #expect(verified.signingKey == .vcek)
        let error = try #require(throws: AttestationError.self) {
            try SEVSNPVerifier().verify(
                report: report, endorsementKey: vcek, chain: pki.vcekChain, at: SEVSNPVectors.now)
        }
        #expect(error.code == .untrustedRoot)
        // Without a chain the pinned Milan chain is used, and the test VCEK does not chain to it.
        #expect(
            SEVSNPVectors.code {
                _ = try SEVSNPVerifier().verify(report: report, endorsementKey: vcek, at: SEVSNPVectors.now)
            } == .chainMismatch)
    }

    @Test(arguments: 0..<4)
    func eachTCBComponentMustMatchTheVCEK(_ component: Int) throws {
        var tcb = (bootloader: UInt8(3), tee: UInt8(0), snp: UInt8(8), microcode: UInt8(115))
        switch component {
        case 0: tcb.bootloader += 1
        case 1: tcb.tee += 1
        case 2: tcb.snp -= 1
        default: tcb.microcode -= 1
        }
        let certified = SEVSNPReport.TCBVersion(
            layout: .milanGenoa, bootloader: tcb.bootloader, tee: tcb.tee, snp: tcb.snp, microcode: tcb.microcode)
        let vcek = try pki.vcek(key, tcb: certified, hardwareID: chipID)
        let error = try #require(throws: AttestationError.self) { try verify(try vcekReport(), certificate: vcek) }
        #expect(error.code == .tcbMismatch)
        #expect(error.message.contains("report="))
    }

    @Test func theChipIDMustBeTheVCEKs() throws {
        var other = chipID
        other[63] ^= 0x80
        let vcek = try pki.vcek(key, tcb: milanTCB, hardwareID: other)
        #expect(SEVSNPVectors.code { _ = try verify(try vcekReport(), certificate: vcek) } == .chipIDMismatch)
        // A masked chip id (MASK_CHIP_KEY set, CHIP_ID zero) cannot be matched either.
        let masked = try vcekReport {
            $0.set32(0x48, 0b10)
            $0.setChipID([])
        }
        let good = try pki.vcek(key, tcb: milanTCB, hardwareID: chipID)
        #expect(masked.maskChipKey)
        #expect(SEVSNPVectors.code { _ = try verify(masked, certificate: good) } == .chipIDMismatch)
    }

    @Test func aVLEKSignedReportTakesTheVLEKChainAndSkipsTheChipID() throws {
        let vlek = try pki.vlek(key, tcb: milanTCB, cspID: "example-cloud")
        let report = try vcekReport {
            // SIGNING_KEY = 1 (VLEK), and MASK_CHIP_KEY: a VLEK report needs no chip id.
            $0.set32(0x48, 1 << 2 | 0b10)
            $0.setChipID([])
        }
        let verified = try verify(report, certificate: vlek, chain: pki.vlekChain)
        #expect(verified.signingKey == .vlek)
        #expect(verified.endorsementKey.extensions.cspID == "example-cloud")
        #expect(verified.endorsementKey.extensions.hardwareID == nil)
        // The VLEK under the VCEK chain: issued by the ASVK, not the ASK.
        #expect(
            SEVSNPVectors.code { _ = try verify(report, certificate: vlek, chain: pki.vcekChain) } == .chainMismatch)
        // A VLEK report with a VCEK, and a VCEK report with a VLEK.
        let vcek = try pki.vcek(key, tcb: milanTCB, hardwareID: chipID)
        #expect(SEVSNPVectors.code { _ = try verify(report, certificate: vcek) } == .signingKeyMismatch)
        let vcekSigned = try vcekReport()
        #expect(
            SEVSNPVectors.code { _ = try verify(vcekSigned, certificate: vlek, chain: pki.vlekChain) }
                == .signingKeyMismatch)
    }

    @Test func unsignedOrReservedSigningKeysAreRefused() throws {
        let vcek = try pki.vcek(key, tcb: milanTCB, hardwareID: chipID)
        for value: UInt32 in [2, 3, 6, 7] {
            let report = try vcekReport { $0.set32(0x48, value << 2) }
            #expect(SEVSNPVectors.code { _ = try verify(report, certificate: vcek) } == .unsupportedSigningKey)
        }
    }

    @Test func onlySignatureAlgorithmOneIsAccepted() throws {
        let vcek = try pki.vcek(key, tcb: milanTCB, hardwareID: chipID)
        for algorithm: UInt32 in [0, 2, 0xFFFF_FFFF] {
            let report = try vcekReport { $0.set32(0x34, algorithm) }
            #expect(SEVSNPVectors.code { _ = try verify(report, certificate: vcek) } == .signatureAlgorithm)
        }
    }

    @Test func aVersion3ReportMustNameTheChainsProduct() throws {
        let vcek = try pki.vcek(key, tcb: milanTCB, hardwareID: chipID)
        let milan = try vcekReport {
            $0.set32(0, 3)
            $0.set(0x188, [0x19, 0x01, 0x01])
        }
        let verified = try verify(milan, certificate: vcek)
        let cpuid = try #require(verified.report.cpuid)
        #expect([cpuid.family, cpuid.model, cpuid.stepping] == [0x19, 0x01, 0x01])
        #expect(cpuid.product == .milan)
        let genoa = try vcekReport {
            $0.set32(0, 3)
            $0.set(0x188, [0x19, 0x11, 0x01])
        }
        #expect(SEVSNPVectors.code { _ = try verify(genoa, certificate: vcek) } == .wrongProduct)
        // A CPUID this build does not know says nothing; the chain decides.
        let unknown = try vcekReport {
            $0.set32(0, 4)
            $0.set(0x188, [0x42, 0x00, 0x00])
        }
        #expect(try verify(unknown, certificate: vcek).product == .milan)
    }

    @Test func aVersion5ReportCarriesMitigationVectors() throws {
        let vcek = try pki.vcek(key, tcb: milanTCB, hardwareID: chipID)
        let report = try vcekReport {
            $0.set32(0, 5)
            $0.set(0x188, [0x19, 0x01, 0x01])
            $0.set64(0x1F8, 0x5)
            $0.set64(0x200, 0x7)
        }
        let verified = try verify(report, certificate: vcek).report
        #expect(verified.version == 5)
        #expect(verified.launchMitigationVector == 5)
        #expect(verified.currentMitigationVector == 7)
    }

    @Test func turinReportsUseTheTurinLayoutAndAnEightByteChipID() throws {
        let turin = SyntheticAMD.turin
        let tcb = SEVSNPReport.TCBVersion(layout: .turin, fmc: 1, bootloader: 2, tee: 3, snp: 4, microcode: 9)
        let shortID: [UInt8] = [0x1E, 0x55, 0x0A, 0x8E, 0xE5, 0xCF, 0x9F, 0x4D]
        let vcek = try turin.vcek(key, tcb: tcb, hardwareID: shortID, productName: "Turin")
        var builder = try ReportBuilder()
        builder.set32(0, 3)
        builder.set(0x188, [0x1A, 0x02, 0x00])
        builder.setTCB(tcb)
        builder.setChipID(shortID)
        let report = try builder.signed(with: key)
        #expect(report.tcbLayout == .turin)
        let verified = try turin.verifier.verify(
            report: report, endorsementKey: vcek, chain: turin.vcekChain, at: SEVSNPVectors.now)
        #expect(verified.product == .turin)
        #expect(verified.report.reportedTCB.fmc == 1)
        #expect(verified.report.reportedTCB.description == "fmc=1 bootloader=2 tee=3 snp=4 microcode=9")

        // FMC is part of the match on Turin.
        let otherFMC = SEVSNPReport.TCBVersion(layout: .turin, fmc: 2, bootloader: 2, tee: 3, snp: 4, microcode: 9)
        let wrong = try turin.vcek(key, tcb: otherFMC, hardwareID: shortID, productName: "Turin")
        #expect(
            SEVSNPVectors.code {
                _ = try turin.verifier.verify(
                    report: report, endorsementKey: wrong, chain: turin.vcekChain, at: SEVSNPVectors.now)
            } == .tcbMismatch)
        // The Milan root does not vouch for a Turin key, even when both roots are trusted.
        let both = SEVSNPVerifier(trustedRoots: [.milan: pki.ark, .turin: turin.ark])
        #expect(
            SEVSNPVectors.code {
                _ = try both.verify(
                    report: report, endorsementKey: vcek, chain: pki.vcekChain, at: SEVSNPVectors.now)
            } == .wrongProduct)
    }

    @Test func thePolicyIsCheckedOnSignedReports() throws {
        let vcek = try pki.vcek(key, tcb: milanTCB, hardwareID: chipID)
        let debug = try vcekReport { $0.set64(0x08, 0x3_0000 | 1 << 19) }
        #expect(SEVSNPVectors.code { _ = try verify(debug, certificate: vcek) } == .debugEnabled)
        #expect(try verify(debug, certificate: vcek, policy: SEVSNPPolicy(allowDebug: true)).report.policy.debug)

        let vmpl2 = try vcekReport { $0.set32(0x30, 2) }
        #expect(SEVSNPVectors.code { _ = try verify(vmpl2, certificate: vcek) } == .vmplNotAllowed)
        #expect(try verify(vmpl2, certificate: vcek, policy: SEVSNPPolicy(allowedVMPLs: [0, 2])).report.vmpl == 2)

        let migratable = try vcekReport { $0.set64(0x08, 0x3_0000 | 1 << 18) }
        #expect(SEVSNPVectors.code { _ = try verify(migratable, certificate: vcek) } == .migrationAgent)

        let noSMT = try vcekReport {
            $0.set64(0x08, 0x2_0000)
            $0.set64(0x40, 0)
        }
        let strict = SEVSNPPolicy(requireNoSMT: true)
        #expect(try verify(noSMT, certificate: vcek, policy: strict).report.policy.smt == false)
        #expect(
            SEVSNPVectors.code { _ = try verify(try vcekReport(), certificate: vcek, policy: strict) } == .smtEnabled)
    }
}
