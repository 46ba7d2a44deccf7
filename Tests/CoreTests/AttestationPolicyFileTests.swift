import Core
import Foundation
import Testing
import Wire

/// policy.toml only tightens the shipped attestation policy, and a signed manifest only raises
/// its floors; every rule keeps its source for `sotto verify`.
@Suite struct AttestationPolicyFileTests {
    func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = AttestationPolicyFile.path(inConfigFolder: folder.path)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return try body(path)
    }

    /// Found by the policy fuzz target: a table header without a name made TOMLKit's parser
    /// abort the process; it is refused as malformed, naming the line.
    @Test func aHeaderWithoutANameIsMalformedNotACrash() throws {
        let error = try #require(try refusal("allow_products = [\"Genoa\"]\n[\nsnp = +2L\n"))
        #expect(error.code == .malformed)
        #expect(error.message.hasSuffix("line 2: a table header needs a name after `[`"))
        #expect(try refusal("[minimum_tcb.genoa]\nsnp = 22\n") == nil)
        // A combining mark after `[` joins it into one grapheme; the check reads scalars.
        let marked = try #require(try refusal("max_manifest_age_days = 17\n[\u{656}m0x\nsnp = +2L\n"))
        #expect(marked.message.hasSuffix("line 2: a table header needs a name after `[`"))
    }

    func refusal(_ text: String) throws -> PolicyFileError? {
        try withFile(text) { path -> PolicyFileError? in
            do throws(PolicyFileError) {
                _ = try AttestationPolicyFile.apply(path: path, to: .shipped)
                return nil
            } catch {
                return error
            }
        }
    }

    @Test func aMissingFileIsTheShippedPolicy() throws {
        let policy = try AttestationPolicyFile.apply(path: "/nonexistent/sotto/policy.toml", to: .shipped)
        #expect(policy == .shipped)
        #expect(policy.snp == .shipped)
        #expect(policy.lines.allSatisfy { $0.hasSuffix("(shipped)") })
        #expect(policy.lines.first == "allowed products: Genoa, Turin (shipped)")
        #expect(policy.lines.contains("minimum TCB Genoa: bootloader=9 tee=0 snp=21 microcode=84 (shipped)"))
        #expect(policy.lines.contains("minimum TCB Turin: fmc=3 bootloader=4 tee=0 snp=8 microcode=12 (shipped)"))
    }

    @Test func everyRuleTightens() throws {
        let policy = try withFile(
            """
            allow_products = ["Genoa"]
            require_smt_off = true
            max_manifest_age_days = 30
            [minimum_tcb.genoa]
            microcode = 90
            snp = 22
            """
        ) { try AttestationPolicyFile.apply(path: $0, to: .shipped) }
        #expect(policy.allowedProducts == PolicyRule([.genoa], from: .policyFile))
        #expect(policy.requireNoSMT == PolicyRule(true, from: .policyFile))
        #expect(policy.maxManifestAgeSeconds == PolicyRule<UInt64?>(30 * 86_400, from: .policyFile))
        let genoa = try #require(policy.minimumTCB[.genoa])
        #expect(genoa.source == .policyFile)
        #expect(genoa.value == SEVSNPReport.MinimumTCB(bootloader: 9, tee: 0, snp: 22, microcode: 90))
        #expect(policy.minimumTCB[.turin]?.source == .shipped)
        #expect(policy.snp.requireNoSMT)
        #expect(policy.snp.allowedProducts == [.genoa])
        #expect(policy.lines.contains("minimum TCB Genoa: bootloader=9 tee=0 snp=22 microcode=90 (policy.toml)"))
        #expect(policy.lines.contains("maximum manifest age: 30 days (policy.toml)"))
    }

    @Test func allowProductsCanReEnableMilan() throws {
        let policy = try withFile(#"allow_products = ["milan", "Genoa", "Turin"]"#) {
            try AttestationPolicyFile.apply(path: $0, to: .shipped)
        }
        #expect(policy.snp.allowedProducts == [.milan, .genoa, .turin])
        #expect(policy.snp.warnings(for: .milan).count == 1)
        #expect(policy.snp.warnings(for: .genoa).isEmpty)
        // The Milan floor still holds.
        #expect(policy.snp.minimumTCB[.milan]?.microcode == 219)
    }

    @Test func tdxActionNeededStatusesAreAcceptedOnlyWhenListed() throws {
        #expect(VerificationPolicy.shipped.tdx == .shipped)
        #expect(VerificationPolicy.shipped.lines.contains("TDX TCB statuses accepted: UpToDate (shipped)"))
        let policy = try withFile(
            """
            tdx_accept_tcb_status = ["SWHardeningNeeded", "ConfigurationAndSWHardeningNeeded"]
            """
        ) { try AttestationPolicyFile.apply(path: $0, to: .shipped) }
        #expect(policy.tdx.accepts(.swHardeningNeeded))
        #expect(policy.tdx.accepts(.configurationAndSWHardeningNeeded))
        #expect(!policy.tdx.accepts(.configurationNeeded))
        #expect(
            policy.lines.contains(
                "TDX TCB statuses accepted: UpToDate, SWHardeningNeeded, ConfigurationAndSWHardeningNeeded (policy.toml)"
            ))
        // OutOfDate, Revoked and unknown statuses can never be accepted; the list must be a list.
        for text in [
            #"tdx_accept_tcb_status = ["OutOfDate"]"#, #"tdx_accept_tcb_status = ["Revoked"]"#,
            #"tdx_accept_tcb_status = ["UpToDateish"]"#, #"tdx_accept_tcb_status = "SWHardeningNeeded""#,
            #"tdx_accept_tcb_status = [1]"#,
        ] {
            #expect(try refusal(text)?.code == .malformed, "\(text)")
        }
    }

    @Test func aLooserFloorIsRefusedNamingTheRuleAndFile() throws {
        let error = try #require(try refusal("[minimum_tcb.genoa]\nmicrocode = 83\n"))
        #expect(error.code == .looser)
        #expect(error.message.contains("minimum_tcb.genoa.microcode"))
        #expect(error.message.contains("policy.toml"))
        #expect(error.message.contains("83 is below the shipped minimum 84"))
        #expect(try refusal("[minimum_tcb.turin]\nfmc = 2\n")?.code == .looser)
    }

    @Test func malformedRulesAreRefused() throws {
        #expect(try refusal("allow_product = [\"Genoa\"]")?.code == .malformed)  // misspelt
        #expect(try refusal("allow_products = [\"Rome\"]")?.code == .malformed)
        #expect(try refusal("require_smt_off = \"yes\"")?.code == .malformed)
        #expect(try refusal("max_manifest_age_days = 0")?.code == .malformed)
        #expect(try refusal("[minimum_tcb.genoa]\nucode = 90")?.code == .malformed)
        #expect(try refusal("[minimum_tcb.genoa]\nmicrocode = 300")?.code == .malformed)
        #expect(try refusal("this is not toml")?.code == .malformed)
    }

    @Test func aManifestRaisesFloorsAndCannotLowerThem() throws {
        var manifest = ReleaseManifest(
            version: "1", measurement: "00", modelSHA256: "00", issuedAt: 0, securityVersion: 1, expiresAt: 1,
            configurations: [])
        manifest.minimumTCB = ["genoa": SEVSNPReport.MinimumTCB(microcode: 100), "turin": .none, "rome": .none]
        let raised = VerificationPolicy.shipped.raised(by: manifest)
        #expect(
            raised.minimumTCB[.genoa]
                == PolicyRule(.init(bootloader: 9, tee: 0, snp: 21, microcode: 100), from: .manifest))
        #expect(raised.minimumTCB[.turin] == VerificationPolicy.shipped.minimumTCB[.turin])

        manifest.minimumTCB = ["genoa": SEVSNPReport.MinimumTCB(bootloader: 1, tee: 0, snp: 1, microcode: 1)]
        #expect(VerificationPolicy.shipped.raised(by: manifest) == .shipped)

        // The field travels in the signed JSON; components left out are zero.
        let json =
            #"{"version":"1","measurement":"00","model_sha256":"00","issued_at":0,"security_version":1,"expires_at":1,"configurations":[],"minimum_tcb":{"genoa":{"snp":30}}}"#
        let decoded = try JSONDecoder().decode(ReleaseManifest.self, from: Data(json.utf8))
        #expect(decoded.minimumTCB?["genoa"] == SEVSNPReport.MinimumTCB(snp: 30))
        // A manifest without it encodes as before.
        let plain = ReleaseManifest(
            version: "1", measurement: "00", modelSHA256: "00", issuedAt: 0, securityVersion: 1, expiresAt: 1,
            configurations: [])
        #expect(!String(decoding: try plain.canonicalBytes(), as: UTF8.self).contains("minimum_tcb"))
    }
}
