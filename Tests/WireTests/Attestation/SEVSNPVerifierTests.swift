import Foundation
import TestSupport
import Testing
import Wire

/// End-to-end verification of the two real Milan reports, and each way a chain can be wrong.
@Suite struct SEVSNPVerifierTests {
    let verifier = SEVSNPVerifier()

    @Test func goSEVGuestReportVerifiesWithThePinnedMilanChainWhenDebugIsAllowed() throws {
        let report = try SEVSNPVectors.goSEVGuestReport()
        let verified = try verifier.verify(
            report: report, endorsementKey: SEVSNPVectors.goSEVGuestVCEK(), at: SEVSNPVectors.now,
            policy: SEVSNPVectors.allowDebug)
        #expect(verified.product == .milan)
        #expect(verified.signingKey == .vcek)
        #expect(verified.endorsementKey.extensions.productName == "Milan-B0")
        #expect(verified.report.reportedTCB.description == "bootloader=2 tee=0 snp=5 microcode=68")
        #expect(verified.report.policy.debug)
        #expect(verified.report.reportData.prefix(5) == [1, 2, 3, 4, 5])
    }

    @Test func goSEVGuestReportIsRejectedWithoutAllowDebug() throws {
        let report = try SEVSNPVectors.goSEVGuestReport()
        let vcek = try SEVSNPVectors.goSEVGuestVCEK()
        let error = try #require(throws: AttestationError.self) {
            try verifier.verify(report: report, endorsementKey: vcek, at: SEVSNPVectors.now)
        }
        #expect(error.code == .debugEnabled)
        #expect(error.description.hasPrefix("SOTTO-ATTEST-DEBUG: "))
        #expect(error.message.contains("--allow-debug"))
    }

    @Test func virteeReportVerifiesWithItsOwnChainAndWithThePinnedOne() throws {
        let report = try SEVSNPVectors.virteeReport()
        let vcek = try SEVSNPVectors.virteeVCEK()
        let given = try verifier.verify(
            report: report, endorsementKey: vcek, chain: SEVSNPVectors.virteeChain(), at: SEVSNPVectors.now)
        let pinned = try verifier.verify(report: report, endorsementKey: vcek, at: SEVSNPVectors.now)
        for verified in [given, pinned] {
            #expect(verified.product == .milan)
            #expect(verified.signingKey == .vcek)
            #expect(verified.report.policy.rawValue == 0x30000)
            #expect(!verified.report.policy.debug)
            #expect(verified.report.vmpl == 0)
            #expect(verified.report.reportedTCB.description == "bootloader=3 tee=0 snp=8 microcode=115")
        }
    }

    @Test func aPEMEncodedVCEKIsAcceptedToo() throws {
        let der = try SEVSNPVectors.virteeVCEK()
        let pem = PEMText.certificate(der)
        let verified = try verifier.verify(
            report: SEVSNPVectors.virteeReport(), endorsementKey: Array(pem.utf8), at: SEVSNPVectors.now)
        #expect(verified.product == .milan)
    }

    // MARK: Chains that must fail

    func virteeCode(
        chain: AMDCertificates.Chain?, vcek: [UInt8]? = nil, at now: Date = SEVSNPVectors.now
    )
        -> AttestationErrorCode?
    {
        SEVSNPVectors.code {
            _ = try verifier.verify(
                report: SEVSNPVectors.virteeReport(), endorsementKey: vcek ?? SEVSNPVectors.virteeVCEK(),
                chain: chain, at: now)
        }
    }

    @Test func aSwappedChainIsAChainMismatch() throws {
        let milan = AMDCertificates.pinnedChain(for: .milan, key: .vcek)
        let genoa = AMDCertificates.pinnedChain(for: .genoa, key: .vcek)
        // Genoa's ASK under Milan's ARK: the ASK names ARK-Genoa as its issuer.
        let swapped = AMDCertificates.Chain(intermediate: genoa.intermediate, root: milan.root)
        let error = try #require(throws: AttestationError.self) {
            try verifier.verify(
                report: SEVSNPVectors.virteeReport(), endorsementKey: SEVSNPVectors.virteeVCEK(), chain: swapped,
                at: SEVSNPVectors.now)
        }
        #expect(error.code == .chainMismatch)
        #expect(error.message.contains("ARK-Genoa") && error.message.contains("ARK-Milan"))
        // Milan's VLEK intermediate (ASVK) does not issue VCEKs.
        #expect(virteeCode(chain: AMDCertificates.pinnedChain(for: .milan, key: .vlek)) == .chainMismatch)
        // A whole, valid Turin chain for a Milan VCEK: the root's product is checked first.
        #expect(virteeCode(chain: AMDCertificates.pinnedChain(for: .turin, key: .vcek)) == .wrongProduct)
    }

    @Test func aWrongProductRootIsRefused() throws {
        let milan = AMDCertificates.pinnedChain(for: .milan, key: .vcek)
        let genoa = AMDCertificates.pinnedChain(for: .genoa, key: .vcek)
        let error = try #require(throws: AttestationError.self) {
            try verifier.verify(
                report: SEVSNPVectors.virteeReport(), endorsementKey: SEVSNPVectors.virteeVCEK(),
                chain: AMDCertificates.Chain(intermediate: milan.intermediate, root: genoa.root), at: SEVSNPVectors.now)
        }
        #expect(error.code == .wrongProduct)
        #expect(error.message.contains("Genoa") && error.message.contains("Milan"))
        #expect(virteeCode(chain: genoa) == .wrongProduct)
    }

    @Test func aRootThatIsNotPinnedIsUntrusted() throws {
        let milan = AMDCertificates.pinnedChain(for: .milan, key: .vcek)
        // Chain given in the wrong order: the "root" is the ASK.
        let reversed = AMDCertificates.Chain(intermediate: milan.root, root: milan.intermediate)
        #expect(virteeCode(chain: reversed) == .untrustedRoot)
        let selfMade = AMDCertificates.Chain(intermediate: milan.intermediate, root: SyntheticAMD.milan.ark)
        let error = try #require(throws: AttestationError.self) {
            try verifier.verify(
                report: SEVSNPVectors.virteeReport(), endorsementKey: SEVSNPVectors.virteeVCEK(), chain: selfMade,
                at: SEVSNPVectors.now)
        }
        #expect(error.code == .untrustedRoot)
        #expect(error.message.contains("ARK-Milan"))
    }

    /// `der` with one bit of its signature (the last bytes of the certificate) inverted.
    static func tamperedSignature(_ certificate: AMDCertificate) throws -> AMDCertificate {
        var der = certificate.derRepresentation
        der[der.count - 10] ^= 0x01
        return try AMDCertificate(derEncoded: der)
    }

    @Test func alteredCertificatesFailTheirSignatureCheck() throws {
        let milan = AMDCertificates.pinnedChain(for: .milan, key: .vcek)
        let badASK = AMDCertificates.Chain(
            intermediate: try Self.tamperedSignature(milan.intermediate), root: milan.root)
        #expect(virteeCode(chain: badASK) == .certificateSignature)
        // An ARK with the pinned name and key but a broken self-signature.
        let badARK = AMDCertificates.Chain(
            intermediate: milan.intermediate, root: try Self.tamperedSignature(milan.root))
        #expect(virteeCode(chain: badARK) == .certificateSignature)
        let vcek = try SEVSNPVectors.virteeVCEK()
        let badVCEK = try Self.tamperedSignature(AMDCertificate(derEncoded: vcek)).derRepresentation
        #expect(virteeCode(chain: nil, vcek: badVCEK) == .certificateSignature)
        // An edited VCEK body (the last hwID byte, inside the signed TBSCertificate).
        var edited = vcek
        let hwIDEnd = try #require(
            (0..<edited.count).first { Array(edited[$0..<min($0 + 4, edited.count)]) == [0x4D, 0x54, 0x1E, 0xB6] })
        edited[hwIDEnd + 3] ^= 0x01
        #expect(virteeCode(chain: nil, vcek: edited) == .certificateSignature)
    }

    @Test func certificatesAreCheckedAtTheGivenTime() throws {
        let goSEVGuest = { (now: Date) in
            SEVSNPVectors.code {
                _ = try verifier.verify(
                    report: SEVSNPVectors.goSEVGuestReport(), endorsementKey: SEVSNPVectors.goSEVGuestVCEK(), at: now,
                    policy: SEVSNPVectors.allowDebug)
            }
        }
        // The VCEK is valid 2022-09-24T00:55:28Z to 2029-09-24T00:55:28Z.
        let notBefore = Date(timeIntervalSince1970: 1_663_980_928)
        let notAfter = Date(timeIntervalSince1970: 1_884_905_728)
        #expect(goSEVGuest(notBefore) == nil)
        #expect(goSEVGuest(notAfter) == nil)
        #expect(goSEVGuest(notBefore - 1) == .certificateNotYetValid)
        #expect(goSEVGuest(notAfter + 1) == .certificateExpired)
        #expect(goSEVGuest(Date(timeIntervalSince1970: 1_640_995_200)) == .certificateNotYetValid)  // 2022-01-01
        let error = try #require(throws: AttestationError.self) {
            try verifier.verify(
                report: SEVSNPVectors.goSEVGuestReport(), endorsementKey: SEVSNPVectors.goSEVGuestVCEK(),
                at: Date(timeIntervalSince1970: 1_924_992_000), policy: SEVSNPVectors.allowDebug)  // 2031-01-01
        }
        #expect(error.code == .certificateExpired)
        #expect(error.message.contains("VCEK expired at 2029-09-24T00:55:28Z"))
        // In 2050 the Milan ARK itself (valid until 2045-10-22) has expired, and is named.
        let late = try #require(throws: AttestationError.self) {
            try verifier.verify(
                report: SEVSNPVectors.virteeReport(), endorsementKey: SEVSNPVectors.virteeVCEK(),
                at: Date(timeIntervalSince1970: 2_524_608_000))
        }
        #expect(late.code == .certificateExpired && late.message.hasPrefix("the ARK expired"))
    }

    // MARK: Reports that must fail

    @Test func aReportIsOnlyValidUnderItsOwnVCEK() throws {
        // Each real report against the other's VCEK: a genuine chain, the wrong chip.
        #expect(virteeCode(chain: nil, vcek: try SEVSNPVectors.goSEVGuestVCEK()) == .reportSignature)
        #expect(
            SEVSNPVectors.code {
                _ = try verifier.verify(
                    report: SEVSNPVectors.goSEVGuestReport(), endorsementKey: SEVSNPVectors.virteeVCEK(),
                    at: SEVSNPVectors.now, policy: SEVSNPVectors.allowDebug)
            } == .reportSignature)
        // The Turin VCEK belongs to another product entirely.
        let turinVCEK = Array(try Fixtures.data("vectors/sev-snp/virtee/vcek_turin.der"))
        #expect(virteeCode(chain: nil, vcek: turinVCEK) == .reportSignature)
    }

    @Test func fieldsBeforeTheSignatureCheckHaveTheirOwnErrors() throws {
        let bytes = try SEVSNPVectors.virteeReport().bytes
        func code(_ edit: (inout [UInt8]) -> Void) -> AttestationErrorCode? {
            var copy = bytes
            edit(&copy)
            return SEVSNPVectors.code {
                _ = try verifier.verify(
                    report: SEVSNPReport(bytes: copy), endorsementKey: SEVSNPVectors.virteeVCEK(), at: SEVSNPVectors.now
                )
            }
        }
        #expect(code { $0[0x48] = 1 << 2 } == .signingKeyMismatch)  // says VLEK
        #expect(code { $0[0x48] = 7 << 2 } == .unsupportedSigningKey)  // says unsigned
        #expect(code { $0[0x34] = 2 } == .signatureAlgorithm)
        #expect(code { $0[0x00] = 6 } == .reportVersion)
        #expect(code { $0.removeLast() } == .reportSize)
        #expect(code { $0[0x50] ^= 1 } == .reportSignature)  // REPORT_DATA
        #expect(code { $0[0x0A] ^= 1 << 3 } == .reportSignature)  // sets DEBUG: the signature fails first
    }

    @Test func thePolicyAppliesToRealReports() throws {
        let report = try SEVSNPVectors.virteeReport()
        let vcek = try SEVSNPVectors.virteeVCEK()
        func code(_ policy: SEVSNPPolicy) -> AttestationErrorCode? {
            SEVSNPVectors.code {
                _ = try verifier.verify(report: report, endorsementKey: vcek, at: SEVSNPVectors.now, policy: policy)
            }
        }
        #expect(code(SEVSNPPolicy(requireNoSMT: true)) == .smtEnabled)
        #expect(code(SEVSNPPolicy(minimumTCB: [.milan: .init(bootloader: 3, tee: 0, snp: 8, microcode: 115)])) == nil)
        #expect(code(SEVSNPPolicy(minimumTCB: [.milan: .init(snp: 9)])) == .tcbTooLow)
        #expect(code(SEVSNPPolicy(minimumTCB: [.milan: .init(microcode: 116)])) == .tcbTooLow)
        // A floor for another product does not apply to a Milan report.
        #expect(code(SEVSNPPolicy(minimumTCB: [.genoa: .init(microcode: 255)])) == nil)
        #expect(code(SEVSNPPolicy(allowedVMPLs: [1, 2, 3])) == .vmplNotAllowed)
        let error = try #require(throws: AttestationError.self) {
            try verifier.verify(
                report: report, endorsementKey: vcek, at: SEVSNPVectors.now,
                policy: SEVSNPPolicy(minimumTCB: [.milan: .init(bootloader: 4)]))
        }
        #expect(error.message.contains("reported TCB has bootloader security patch level 3, below the required 4"))
    }

    /// AMD's real Milan report under the client's shipped policy: Milan is refused for its
    /// published break, and allowing Milan still leaves its 2023 firmware (bootloader 3,
    /// microcode SPL 115) below the EntrySign-era floor (bootloader 4, microcode 219).
    @Test func theShippedPolicyRefusesARealMilanReport() throws {
        let report = try SEVSNPVectors.virteeReport()
        let vcek = try SEVSNPVectors.virteeVCEK()
        let refused = try #require(throws: AttestationError.self) {
            try verifier.verify(report: report, endorsementKey: vcek, at: SEVSNPVectors.now, policy: .shipped)
        }
        #expect(refused.code == .productRefused)
        #expect(refused.message.contains("allow_products"))
        var allowing = SEVSNPPolicy.shipped
        allowing.allowedProducts.insert(.milan)
        let low = try #require(throws: AttestationError.self) {
            try verifier.verify(report: report, endorsementKey: vcek, at: SEVSNPVectors.now, policy: allowing)
        }
        #expect(low.code == .tcbTooLow)
        #expect(low.message.contains("bootloader security patch level 3, below the required 4"))
    }
}

/// PEM-encodes DER for tests.
enum PEMText {
    static func certificate(_ der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n"
    }
}
