import Foundation
import TestSupport
import Testing
import Wire

/// `sotto verify-evidence`, run as a user runs it, on the public SEV-SNP and TDX vectors.
@Suite struct VerifyEvidenceTests {
    static func vector(_ path: String) -> String { Fixtures.url("vectors/sev-snp/\(path)").path }

    /// A fixed time inside every vector certificate's validity; and only the evidence checks:
    /// the public reports are Milan with 2023 firmware, which the client's policy refuses
    /// (`theClientPolicyRefusesTheRealMilanReport`).
    static let at = ["--at", "2025-06-01T00:00:00Z", "--evidence-only"]

    static let virtee = [
        "verify-evidence", "--platform", "sev-snp", "--report", vector("virtee/report_milan.hex"), "--vcek",
        vector("virtee/vcek_milan.der"), "--chain", vector("virtee/cert_chain_milan"),
    ]

    static let goSEVGuest = [
        "verify-evidence", "--platform", "sev-snp", "--report", vector("go-sev-guest/attestation.bin"), "--vcek",
        vector("go-sev-guest/vcek.testcer"),
    ]

    /// Writes `bytes` to a temporary file, runs `body` with its path, removes it.
    static func withTemporaryFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-evidence-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    @Test func helpListsTheCommand() throws {
        let help = try Executables.run("sotto", ["--help"])
        #expect(help.stdout.contains("verify-evidence"))
        let own = try Executables.run("sotto", ["verify-evidence", "--help"])
        #expect(own.status == 0)
        #expect(
            own.stdout.contains("--platform") && own.stdout.contains("--allow-debug") && own.stdout.contains("--at"))
    }

    @Test func theVirteeReportVerifies() throws {
        let result = try Executables.run("sotto", Self.virtee + Self.at)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "VERIFIED: AMD SEV-SNP report signed by a VCEK that chains to AMD's Milan root")
        #expect(result.stdout.contains("Milan (Milan-B0)"))
        #expect(result.stdout.contains("0x30000 (abi 0.0, smt)"))
        #expect(result.stdout.contains("bootloader=3 tee=0 snp=8 microcode=115"))
        #expect(
            result.stdout.contains(
                "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f"))
        #expect(result.stdout.contains("d447b55d197491bfe15cf298f9de9986"))
        #expect(result.stdout.contains("d49554ec717f4e5b"))
        #expect(result.stderr.isEmpty)
        // Without --chain the pinned Milan chain gives the same verdict.
        let pinned = try Executables.run("sotto", Array(Self.virtee.prefix(7)) + Self.at)
        #expect(pinned.status == 0, "\(pinned.stdout)\(pinned.stderr)")
    }

    @Test func theClientPolicyRefusesTheRealMilanReport() throws {
        let time = ["--at", "2025-06-01T00:00:00Z"]
        let refused = try Executables.run("sotto", Self.virtee + time + ["--policy", "/nonexistent/policy.toml"])
        #expect(refused.status == 1)
        #expect(refused.stdout.hasPrefix("REFUSED: SOTTO-ATTEST-PRODUCT-REFUSED: "))
        #expect(refused.stdout.contains("WARNING: Milan: EPYC Milan's VCEK seed can be extracted in software"))
        // allow_products brings Milan back, with the warning; its 2023 firmware is still too old.
        let allowing = try Self.withTemporaryFile(Array("allow_products = [\"Milan\", \"Genoa\"]\n".utf8)) {
            try Executables.run("sotto", Self.virtee + time + ["--policy", $0])
        }
        #expect(allowing.status == 1)
        #expect(allowing.stdout.hasPrefix("REFUSED: SOTTO-ATTEST-TCB-TOO-LOW: "))
        #expect(allowing.stdout.contains("bootloader security patch level 3, below the required 4"))
        #expect(allowing.stdout.contains("WARNING: Milan"))
        // The evidence itself is authentic, and the warning stays, in text and JSON.
        let evidence = try Executables.run("sotto", Self.virtee + Self.at)
        #expect(evidence.status == 0)
        #expect(evidence.stdout.contains("WARNING: Milan"))
        let json = try Executables.run("sotto", Self.virtee + Self.at + ["--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["warnings"] as? [String])?.first?.contains("VCEK seed") == true)
        // A policy file that would loosen the shipped floor is refused before anything is checked.
        let looser = try Self.withTemporaryFile(Array("[minimum_tcb.milan]\nmicrocode = 100\n".utf8)) {
            try Executables.run("sotto", Self.virtee + time + ["--policy", $0])
        }
        #expect(looser.status != 0)
        #expect(looser.stderr.contains("SOTTO-POLICY-LOOSER"))
        #expect(looser.stderr.contains("minimum_tcb.milan.microcode"))
    }

    @Test func theGoSEVGuestReportNeedsAllowDebug() throws {
        let strict = try Executables.run("sotto", Self.goSEVGuest + Self.at)
        #expect(strict.status == 1)
        #expect(strict.stdout.hasPrefix("REFUSED: SOTTO-ATTEST-DEBUG: "))
        #expect(strict.stdout.contains("debug             ALLOWED"))
        #expect(strict.stderr.contains("SOTTO-ATTEST-DEBUG"))
        let allowed = try Executables.run("sotto", Self.goSEVGuest + Self.at + ["--allow-debug"])
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        #expect(allowed.stdout.hasPrefix("VERIFIED: "))
        #expect(allowed.stdout.contains("bootloader=2 tee=0 snp=5 microcode=68"))
    }

    @Test func jsonOutputIsOneObject() throws {
        let result = try Executables.run("sotto", Self.virtee + Self.at + ["--json"])
        #expect(result.status == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["verified"] as? Bool == true)
        #expect(object["platform"] as? String == "sev-snp")
        #expect(object["product"] as? String == "Milan")
        #expect(object["signingKey"] as? String == "VCEK")
        #expect(object["checkedAt"] as? String == "2025-06-01T00:00:00Z")
        #expect(object["error"] == nil)
        let report = try #require(object["report"] as? [String: Any])
        #expect(report["version"] as? Int == 2)
        #expect(report["vmpl"] as? Int == 0)
        #expect((report["policy"] as? [String: Any])?["raw"] as? String == "0x30000")
        #expect((report["policy"] as? [String: Any])?["debug"] as? Bool == false)
        #expect((report["reportedTCB"] as? [String: Any])?["snp"] as? Int == 8)
        #expect((report["measurement"] as? String)?.hasPrefix("7a1e5c266c0108db") == true)

        let refused = try Executables.run("sotto", Self.goSEVGuest + Self.at + ["--json"])
        #expect(refused.status == 1)
        let failure = try #require(try JSONSerialization.jsonObject(with: Data(refused.stdout.utf8)) as? [String: Any])
        #expect(failure["verified"] as? Bool == false)
        #expect((failure["error"] as? [String: Any])?["code"] as? String == "SOTTO-ATTEST-DEBUG")
        #expect(failure["product"] == nil)
    }

    @Test func refusalsNameTheirReason() throws {
        // Outside the VCEK's validity.
        let expired = try Executables.run("sotto", Self.virtee + ["--at", "2031-01-01T00:00:00Z"])
        #expect(expired.status == 1)
        #expect(expired.stdout.hasPrefix("REFUSED: SOTTO-ATTEST-CERT-EXPIRED: "))
        // A chain for another product.
        let genoa = try Executables.run(
            "sotto", Array(Self.virtee.prefix(7)) + ["--chain", Self.vector("amd-ca/ask_ark_genoa.pem")] + Self.at)
        #expect(genoa.status == 1)
        #expect(genoa.stdout.hasPrefix("REFUSED: SOTTO-ATTEST-WRONG-PRODUCT: "))
        // The other report's VCEK.
        let otherChip = try Executables.run(
            "sotto",
            [
                "verify-evidence", "--platform", "sev-snp", "--report", Self.vector("virtee/report_milan.hex"),
                "--vcek", Self.vector("go-sev-guest/vcek.testcer"),
            ] + Self.at)
        #expect(otherChip.status == 1)
        #expect(otherChip.stdout.hasPrefix("REFUSED: SOTTO-ATTEST-REPORT-SIGNATURE: "))
    }

    @Test func aTamperedBinaryReportIsRefusedAndAnIntactOneVerifies() throws {
        var report = Array(try Fixtures.data("vectors/sev-snp/go-sev-guest/attestation.bin"))
        let intact = try Self.withTemporaryFile(report) { path in
            try Executables.run(
                "sotto",
                [
                    "verify-evidence", "--platform", "sev-snp", "--report", path, "--vcek",
                    Self.vector("go-sev-guest/vcek.testcer"), "--allow-debug",
                ] + Self.at)
        }
        #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
        report[0x90] ^= 0x01  // MEASUREMENT
        let tampered = try Self.withTemporaryFile(report) { path in
            try Executables.run(
                "sotto",
                [
                    "verify-evidence", "--platform", "sev-snp", "--report", path, "--vcek",
                    Self.vector("go-sev-guest/vcek.testcer"), "--allow-debug",
                ] + Self.at)
        }
        #expect(tampered.status == 1)
        #expect(tampered.stdout.hasPrefix("REFUSED: SOTTO-ATTEST-REPORT-SIGNATURE: "))
        #expect(tampered.stderr.contains("SOTTO-ATTEST-REPORT-SIGNATURE"))
        let truncated = try Self.withTemporaryFile(Array(report.prefix(1000))) { path in
            try Executables.run(
                "sotto",
                [
                    "verify-evidence", "--platform", "sev-snp", "--report", path, "--vcek",
                    Self.vector("go-sev-guest/vcek.testcer"),
                ] + Self.at)
        }
        #expect(truncated.status == 1)
        #expect(truncated.stdout.hasPrefix("REFUSED: SOTTO-ATTEST-REPORT-SIZE: "))
    }

    @Test func aPEMVCEKIsAccepted() throws {
        let der = try Fixtures.data("vectors/sev-snp/virtee/vcek_milan.der")
        let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        let pem = "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n"
        let result = try Self.withTemporaryFile(Array(pem.utf8)) { path in
            try Executables.run(
                "sotto",
                [
                    "verify-evidence", "--platform", "sev-snp", "--report", Self.vector("virtee/report_milan.hex"),
                    "--vcek", path,
                ] + Self.at)
        }
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    static func tdxVector(_ name: String) -> String { Fixtures.url("vectors/tdx/dcap-qvl/\(name)").path }

    /// dcap-qvl's version 4 quote with its collateral (current 2025-06-19 to 2025-07-19).
    static let tdx = [
        "verify-evidence", "--platform", "tdx", "--quote", tdxVector("tdx_quote"), "--collateral",
        tdxVector("tdx_quote_collateral.json"),
    ]

    @Test func theTDXSampleVerifiesInsideItsCollateralsValidityOnly() throws {
        let result = try Executables.run("sotto", Self.tdx + ["--at", "2025-07-01T00:00:00Z"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "VERIFIED: Intel TDX quote (version 4, TD 1.0) through a PCK certificate that chains to Intel's "
                + "SGX Root CA; TCB UpToDate")
        #expect(lines.contains { $0.hasPrefix("  TDX module TDX_01") && $0.contains("UpToDate") })
        #expect(lines.contains { $0.hasPrefix("  quoting enclave") && $0.contains("UpToDate") })
        #expect(lines.contains("  revocation lists    root CA CRL, PCK CRL: not revoked"))
        #expect(lines.contains("  advisories          none"))
        #expect(lines.contains("  td attributes       0x10000000 (debug off)"))
        #expect(!result.stdout.contains("WARNING"))
        #expect(
            result.stdout.contains(
                "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"))
        #expect(result.stdout.contains("b0c06f000000"))

        // A day past the TCB info's nextUpdate the same evidence is refused: the PCK CRL, due 16
        // minutes before the TCB info, is the first part found stale.
        let stale = try Executables.run("sotto", Self.tdx + ["--at", "2025-07-20T00:00:00Z"])
        #expect(stale.status == 1)
        #expect(stale.stdout.hasPrefix("REFUSED: SOTTO-TDX-CRL-EXPIRED"))
        #expect(stale.stderr.contains("SOTTO-TDX-CRL-EXPIRED"))

        // Without revocation lists the TCB info's own nextUpdate refuses it, and a verdict says
        // the lists were not checked.
        let collateral = try Fixtures.text("vectors/tdx/dcap-qvl/tdx_quote_collateral.json")
        var object = try #require(JSONSerialization.jsonObject(with: Data(collateral.utf8)) as? [String: Any])
        for key in ["root_ca_crl", "pck_crl", "pck_crl_issuer_chain"] { object.removeValue(forKey: key) }
        try Self.withTemporaryFile(Array(try JSONSerialization.data(withJSONObject: object))) { path in
            let arguments = [
                "verify-evidence", "--platform", "tdx", "--quote", Self.tdxVector("tdx_quote"), "--collateral", path,
            ]
            let bare = try Executables.run("sotto", arguments + ["--at", "2025-07-01T00:00:00Z"])
            #expect(bare.status == 0, "\(bare.stdout)\(bare.stderr)")
            #expect(bare.stdout.contains("WARNING: the root CA CRL and PCK CRL were not checked"))
            let staleInfo = try Executables.run("sotto", arguments + ["--at", "2025-07-20T00:00:00Z"])
            #expect(staleInfo.stdout.hasPrefix("REFUSED: SOTTO-TDX-COLLATERAL-EXPIRED"))
        }
    }

    @Test func tdxJSONOutputIsOneObject() throws {
        let result = try Executables.run("sotto", Self.tdx + ["--at", "2025-07-01T00:00:00Z", "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let object = try #require(
            JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["platform"] as? String == "tdx")
        #expect(object["verified"] as? Bool == true)
        let levels = try #require(object["tcbLevels"] as? [[String: Any]])
        #expect(levels.map { $0["status"] as? String } == ["UpToDate", "UpToDate", "UpToDate"])
        #expect(object["tcbStatus"] as? String == "UpToDate")
        #expect(object["advisoryIDs"] as? [String] == [])
        #expect(object["revocationListsChecked"] as? [String] == ["root CA CRL", "PCK CRL"])
        #expect(object["warnings"] as? [String] == [])
        let quote = try #require(object["quote"] as? [String: Any])
        #expect((quote["rtmrs"] as? [String])?.count == 4)
        #expect((quote["mrTD"] as? String)?.hasPrefix("91eb2b44") == true)
        #expect(quote["debug"] as? Bool == false)
        #expect(quote["seamAttributes"] as? String == "0x0")
    }

    @Test func aTDXPolicyFileThatWouldAcceptOutOfDateIsRefused() throws {
        try Self.withTemporaryFile(Array(#"tdx_accept_tcb_status = ["OutOfDate"]"#.utf8)) { path in
            let result = try Executables.run("sotto", Self.tdx + ["--at", "2025-07-01T00:00:00Z", "--policy", path])
            #expect(result.status != 0 && result.status != 1)
            #expect(result.stderr.contains("SOTTO-POLICY-FILE"))
            #expect(result.stderr.contains("tdx_accept_tcb_status"))
            #expect(!result.stdout.contains("VERIFIED"))
        }
        try Self.withTemporaryFile(Array(#"tdx_accept_tcb_status = ["SWHardeningNeeded"]"#.utf8)) { path in
            let result = try Executables.run("sotto", Self.tdx + ["--at", "2025-07-01T00:00:00Z", "--policy", path])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
    }

    @Test func tdxRefusalsNameTheirReason() throws {
        // The version 5 sample's platform matches no TCB level of its collateral.
        let unsupported = try Executables.run(
            "sotto",
            [
                "verify-evidence", "--platform", "tdx", "--quote", Self.tdxVector("tdx_quote_outdated"),
                "--collateral", Self.tdxVector("tdx_quote_outdated_collateral.json"), "--at", "2026-03-01T00:00:00Z",
            ])
        #expect(unsupported.status == 1)
        #expect(unsupported.stdout.hasPrefix("REFUSED: SOTTO-TDX-TCB-NOT-SUPPORTED"))
        #expect(unsupported.stdout.split(separator: "\n").contains { $0.hasPrefix("  version ") && $0.hasSuffix(" 5") })

        // The quote as hex text verifies; with one bit of its TD report changed it is refused.
        let bytes = Array(try Fixtures.data("vectors/tdx/dcap-qvl/tdx_quote"))
        try Self.withTemporaryFile(Array(("0x" + Hex.encode(bytes) + "\n").utf8)) { path in
            let result = try Executables.run(
                "sotto",
                [
                    "verify-evidence", "--platform", "tdx", "--quote", path, "--collateral",
                    Self.tdxVector("tdx_quote_collateral.json"), "--at", "2025-07-01T00:00:00Z",
                ])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
        var tampered = bytes
        tampered[48 + 136] ^= 1
        try Self.withTemporaryFile(tampered) { path in
            let result = try Executables.run(
                "sotto",
                [
                    "verify-evidence", "--platform", "tdx", "--quote", path, "--collateral",
                    Self.tdxVector("tdx_quote_collateral.json"), "--at", "2025-07-01T00:00:00Z",
                ])
            #expect(result.status == 1)
            #expect(result.stdout.hasPrefix("REFUSED: SOTTO-TDX-QUOTE-SIGNATURE"))
        }

        // Without collateral nothing is checked.
        let noCollateral = try Executables.run(
            "sotto", ["verify-evidence", "--platform", "tdx", "--quote", Self.tdxVector("tdx_quote")])
        #expect(noCollateral.status != 0 && noCollateral.status != 1)
        #expect(noCollateral.stderr.contains("--quote and --collateral are required"))
        #expect(!noCollateral.stdout.contains("VERIFIED"))
    }

    @Test func unusableInputGivesAClearErrorAndNonZeroExit() throws {
        let noVCEK = try Executables.run(
            "sotto", ["verify-evidence", "--platform", "sev-snp", "--report", Self.vector("virtee/report_milan.hex")])
        #expect(noVCEK.status != 0)
        #expect(noVCEK.stderr.contains("--vcek is required"))
        #expect(
            noVCEK.stderr.contains(
                "https://kdsintf.amd.com/vcek/v1/{Milan|Genoa}/d49554ec717f4e5b0fe6b143bcf0405b"))
        #expect(noVCEK.stderr.contains("blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115"))

        let missing = try Executables.run(
            "sotto", ["verify-evidence", "--platform", "sev-snp", "--report", "/nonexistent/report.bin", "--vcek", "x"])
        #expect(missing.status != 0 && missing.status != 1)
        #expect(missing.stderr.contains("cannot read the report /nonexistent/report.bin"))

        let badTime = try Executables.run("sotto", Self.virtee + ["--at", "yesterday"])
        #expect(badTime.status != 0)
        #expect(badTime.stderr.contains("not an ISO 8601 time"))

        let unknownPlatform = try Executables.run(
            "sotto", ["verify-evidence", "--platform", "sgx", "--report", Self.vector("virtee/report_milan.hex")])
        #expect(unknownPlatform.status != 0)
    }
}
