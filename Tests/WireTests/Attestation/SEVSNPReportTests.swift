import Foundation
import TestSupport
import Testing
import Wire

/// Parsing ATTESTATION_REPORTs: the two real Milan reports field by field, both encodings, and
/// malformed input.
@Suite struct SEVSNPReportTests {
    @Test func goSEVGuestReportFields() throws {
        let report = try SEVSNPVectors.goSEVGuestReport()
        #expect(report.version == 2)
        #expect(report.guestSVN == 0)
        #expect(report.policy.rawValue == 0xB_0000)
        #expect(report.policy.smt && report.policy.reservedMustBeOne && report.policy.debug)
        #expect(!report.policy.migrateMA && !report.policy.singleSocket)
        #expect(report.policy.abiMajor == 0 && report.policy.abiMinor == 0)
        #expect(report.policy.description == "0xb0000 (abi 0.0, smt, DEBUG)")
        #expect(report.familyID == [UInt8](repeating: 0, count: 16))
        #expect(report.imageID == [UInt8](repeating: 0, count: 16))
        #expect(report.vmpl == 0)
        #expect(report.signatureAlgorithm == 1)
        #expect(report.tcbLayout == .milanGenoa)
        #expect(report.currentTCB.rawValue == 0x4405_0000_0000_0002)
        #expect(report.currentTCB.bootloader == 2 && report.currentTCB.tee == 0)
        #expect(report.currentTCB.snp == 5 && report.currentTCB.microcode == 0x44 && report.currentTCB.fmc == nil)
        #expect(report.reportedTCB == report.currentTCB)
        #expect(report.committedTCB == report.currentTCB)
        #expect(report.launchTCB == report.currentTCB)
        #expect(report.platformInfo.rawValue == 1 && report.platformInfo.smtEnabled)
        #expect(!report.platformInfo.tsmeEnabled)
        #expect(report.keyFlags == 0 && report.signingKey == .vcek)
        #expect(!report.authorKeyEnabled && !report.maskChipKey)
        #expect(report.reportData == [1, 2, 3, 4, 5] + [UInt8](repeating: 0, count: 59))
        #expect(
            Hex.encode(report.measurement)
                == "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01")
        #expect(report.hostData == [UInt8](repeating: 0, count: 32))
        #expect(report.idKeyDigest == [UInt8](repeating: 0, count: 48))
        #expect(report.authorKeyDigest == [UInt8](repeating: 0, count: 48))
        #expect(Hex.encode(report.reportID) == "8edc638e1857c555d21f6b11bda3c8b1b5a09dba4852b4c8ee7aa2f16f22cc0a")
        #expect(report.reportIDMA == [UInt8](repeating: 0xFF, count: 32))
        #expect(report.cpuid == nil)
        #expect(
            Hex.encode(report.chipID)
                == "3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e5378618"
                + "4ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d")
        #expect(report.currentVersion.description == "1.49 build 3")
        #expect(report.committedVersion == report.currentVersion)
        #expect(report.launchMitigationVector == nil && report.currentMitigationVector == nil)
        #expect(report.signedBytes.count == 0x2A0)
        #expect(
            Hex.encode(report.signatureR)
                == "21c89c9932a2504bd2a590c9c21a32bbba083b2dd6e5bc7438896bf672ae1353aa5fa6bbb6274fca69f9f8b85a8b8e4f")
        #expect(
            Hex.encode(report.signatureS)
                == "e0105d55989411f6ec1b31c97f152cdb0ae9d78b4276f847f4167e0b0265bd348f5fa104301cf9b6b66695a06b2489e6")
    }

    @Test func virteeReportFields() throws {
        let report = try SEVSNPVectors.virteeReport()
        #expect(report.version == 2)
        #expect(report.policy.rawValue == 0x3_0000)
        #expect(report.policy.smt && !report.policy.debug)
        #expect(report.vmpl == 0)
        #expect(report.reportedTCB.description == "bootloader=3 tee=0 snp=8 microcode=115")
        #expect(report.currentVersion.description == "1.52 build 4")
        #expect(
            Hex.encode(report.reportData)
                == "d447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c64581"
                + "0b0f2cdfca0040433be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd")
        #expect(
            Hex.encode(report.measurement)
                == "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f")
        #expect(Hex.encode(report.chipID.prefix(8)) == "d49554ec717f4e5b")
    }

    @Test func hexTextAndBinaryGiveTheSameReport() throws {
        let text = try SEVSNPVectors.virteeReportText()
        let fromHex = try SEVSNPReport(hex: text)
        #expect(try SEVSNPReport(bytes: fromHex.bytes) == fromHex)
        #expect(try SEVSNPReport(fileContents: fromHex.bytes) == fromHex)
        #expect(try SEVSNPReport(fileContents: Array(text.utf8)) == fromHex)
        // Whitespace anywhere, line breaks of either kind, upper case.
        let digits = Array(text.filter { !$0.isWhitespace })
        let wrapped = stride(from: 0, to: digits.count, by: 32).map { String(digits[$0..<min($0 + 32, digits.count)]) }
        #expect(try SEVSNPReport(hex: wrapped.joined(separator: "\r\n").uppercased() + "\n") == fromHex)
        #expect(try SEVSNPReport(hex: digits.map(String.init).joined(separator: " ")) == fromHex)
    }

    @Test func wrongSizesAreRefused() throws {
        let bytes = try SEVSNPVectors.virteeReport().bytes
        for length in [0, 1, 0x2A0, 0x49F] {
            #expect(SEVSNPVectors.code { _ = try SEVSNPReport(bytes: bytes.prefix(length)) } == .reportSize)
            #expect(SEVSNPVectors.code { _ = try SEVSNPReport(fileContents: bytes.prefix(length)) } == .reportSize)
        }
        #expect(SEVSNPVectors.code { _ = try SEVSNPReport(bytes: bytes + [0]) } == .reportSize)
        let hex = Hex.encode(bytes)
        #expect(SEVSNPVectors.code { _ = try SEVSNPReport(hex: String(hex.dropLast(2))) } == .reportSize)
        #expect(SEVSNPVectors.code { _ = try SEVSNPReport(hex: hex + "00") } == .reportSize)
        let error = try #require(throws: AttestationError.self) { try SEVSNPReport(bytes: bytes.prefix(100)) }
        #expect(error.message.contains("1184") && error.message.contains("100"))
    }

    @Test func textThatIsNotHexIsRefused() throws {
        #expect(SEVSNPVectors.code { _ = try SEVSNPReport(hex: "zz") } == .reportEncoding)
        #expect(SEVSNPVectors.code { _ = try SEVSNPReport(hex: "abc") } == .reportEncoding)
        #expect(
            SEVSNPVectors.code { _ = try SEVSNPReport(fileContents: Array("not a report\n".utf8)) } == .reportEncoding)
    }

    @Test func onlyKnownVersionsAreAccepted() throws {
        var builder = try ReportBuilder()
        for version: UInt32 in [0, 1, 6, 7, 0x100, 0xFFFF_FFFF] {
            builder.set32(0, version)
            let error = try #require(throws: AttestationError.self) { try SEVSNPReport(bytes: builder.bytes) }
            #expect(error.code == .reportVersion)
            #expect(error.message.contains("\(version)"))
        }
        for version: UInt32 in 2...5 {
            builder.set32(0, version)
            #expect(try SEVSNPReport(bytes: builder.bytes).version == version)
        }
    }

    @Test func version3AndLaterStateTheCPUAndPickTheTCBLayout() throws {
        var builder = try ReportBuilder()
        builder.set32(0, 3)
        let cases: [([UInt8], SEVSNPProduct?, SEVSNPReport.TCBVersion.Layout)] = [
            ([0x19, 0x01, 0x01], .milan, .milanGenoa), ([0x19, 0x11, 0x01], .genoa, .milanGenoa),
            ([0x19, 0xA0, 0x02], .genoa, .milanGenoa), ([0x1A, 0x02, 0x00], .turin, .turin),
            ([0x1A, 0x11, 0x00], .turin, .turin), ([0x17, 0x31, 0x00], nil, .milanGenoa),
        ]
        for (fms, product, layout) in cases {
            builder.set(0x188, fms)
            let report = try SEVSNPReport(bytes: builder.bytes)
            #expect(report.cpuid?.product == product)
            #expect(report.tcbLayout == layout)
        }
        // Version 2 has no CPUID: a Turin-shaped (8-byte) chip id selects the Turin layout.
        builder.set32(0, 2)
        builder.setChipID([1, 2, 3, 4, 5, 6, 7, 8])
        let report = try SEVSNPReport(bytes: builder.bytes)
        #expect(report.cpuid == nil)
        #expect(report.tcbLayout == .turin)
        #expect(report.interpreted(as: .milan).tcbLayout == .milanGenoa)
    }

    @Test func tcbLayoutsPlaceTheComponentsDifferently() {
        let bytes: UInt64 = 0x0807_0605_0403_0201  // byte i holds i + 1
        let milan = SEVSNPReport.TCBVersion(rawValue: bytes, layout: .milanGenoa)
        #expect([milan.bootloader, milan.tee, milan.snp, milan.microcode] == [1, 2, 7, 8])
        #expect(milan.fmc == nil)
        let turin = SEVSNPReport.TCBVersion(rawValue: bytes, layout: .turin)
        #expect([turin.fmc, turin.bootloader, turin.tee, turin.snp, turin.microcode] == [1, 2, 3, 4, 8])
        let built = SEVSNPReport.TCBVersion(layout: .turin, fmc: 1, bootloader: 2, tee: 3, snp: 4, microcode: 8)
        #expect(built.rawValue == 0x0800_0000_0403_0201)
        let legacy = SEVSNPReport.TCBVersion(layout: .milanGenoa, fmc: 9, bootloader: 3, tee: 0, snp: 8, microcode: 115)
        #expect(legacy.rawValue == 0x7308_0000_0000_0003)
        #expect(legacy.firstComponentBelow(.init(snp: 9))?.name == "snp")
        #expect(legacy.firstComponentBelow(.init(fmc: 200, bootloader: 3, snp: 8, microcode: 115)) == nil)
        #expect(built.firstComponentBelow(.init(fmc: 2))?.name == "fmc")
    }

    @Test func signatureScalarsMustFitP384() throws {
        var builder = try ReportBuilder()
        for offset in [0x2A0 + 48, 0x2A0 + 71, 0x2E8 + 48, 0x2E8 + 71] {
            var copy = builder.bytes
            copy[offset] = 1
            let error = try #require(throws: AttestationError.self) { try SEVSNPReport(bytes: copy) }
            #expect(error.code == .reportSignature)
            #expect(error.message.contains("384 bits"))
        }
        builder.set(0x49F, [1])
        #expect(SEVSNPVectors.code { _ = try SEVSNPReport(bytes: builder.bytes) } == .reportSignature)
    }

    @Test func signingKeyAndFlagBits() {
        #expect(SEVSNPReport.SigningKey(fieldValue: 0) == .vcek)
        #expect(SEVSNPReport.SigningKey(fieldValue: 1) == .vlek)
        #expect(SEVSNPReport.SigningKey(fieldValue: 7) == .none)
        #expect(SEVSNPReport.SigningKey(fieldValue: 4) == .reserved(4))
        #expect(SEVSNPReport.SigningKey.reserved(4).description == "reserved(4)")
        let policy = SEVSNPReport.GuestPolicy(rawValue: 0x3FF_0102)
        #expect(policy.abiMajor == 1 && policy.abiMinor == 2)
        #expect(policy.smt && policy.migrateMA && policy.debug && policy.singleSocket && policy.cxlAllowed)
        #expect(policy.memAES256XTS && policy.raplDisabled && policy.ciphertextHiding && policy.pageSwapDisabled)
        let info = SEVSNPReport.PlatformInfo(rawValue: 0xBF)
        #expect(info.smtEnabled && info.tsmeEnabled && info.eccEnabled && info.raplDisabled)
        #expect(info.ciphertextHidingEnabled && info.aliasCheckComplete && info.tioEnabled)
    }

    @Test func productsFromCPUIDAndProductNames() {
        #expect(SEVSNPProduct(cpuidFamily: 0x19, model: 0x00) == .milan)
        #expect(SEVSNPProduct(cpuidFamily: 0x19, model: 0x1F) == .genoa)
        #expect(SEVSNPProduct(cpuidFamily: 0x19, model: 0x20) == nil)
        #expect(SEVSNPProduct(cpuidFamily: 0x1A, model: 0x12) == nil)
        #expect(SEVSNPProduct(productName: "Milan-B0") == .milan)
        #expect(SEVSNPProduct(productName: "Genoa-B1") == .genoa)
        #expect(SEVSNPProduct(productName: "Turin") == .turin)
        #expect(SEVSNPProduct(productName: "Venice-A0") == nil)
        #expect(SEVSNPProduct(productName: "") == nil)
        #expect(SEVSNPProduct.turin.hardwareIDLength == 8 && SEVSNPProduct.genoa.hardwareIDLength == 64)
    }
}
