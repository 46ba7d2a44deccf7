import Foundation
import TestSupport
import Testing
import Wire

/// Judging TDX quotes with Intel's collateral: the real samples' verdicts, collateral that is
/// altered, stale or for another platform, and each TCB rule on edited TCB info and QE identity.
@Suite struct TDXCollateralTests {
    static func collateralText(_ sample: TDXVectors.Sample) throws -> String {
        try Fixtures.text("vectors/tdx/\(sample.path)_collateral.json")
    }

    static func collateral(_ sample: TDXVectors.Sample) throws -> TDXCollateral {
        try TDXCollateral(json: Array(collateralText(sample).utf8))
    }

    static func code(
        _ sample: TDXVectors.Sample, collateral: TDXCollateral? = nil, at now: Date? = nil
    ) throws -> TDXErrorCode? {
        let collateral = try collateral ?? Self.collateral(sample)
        let quote = try sample.quote()
        do throws(TDXError) {
            _ = try TDXVerifier().verify(quote, collateral: collateral, at: now ?? sample.now)
            return nil
        } catch {
            return error.code
        }
    }

    /// The sample's collateral with one of its fields replaced.
    static func editedCollateral(
        _ sample: TDXVectors.Sample, _ edit: (inout [String: Any]) throws -> Void
    ) throws
        -> TDXCollateral
    {
        var object = try #require(
            JSONSerialization.jsonObject(with: Data(collateralText(sample).utf8)) as? [String: Any])
        try edit(&object)
        return try TDXCollateral(json: Array(JSONSerialization.data(withJSONObject: object)))
    }

    @Test func theVersion4SampleIsUpToDate() throws {
        let evidence = try TDXVerifier().verify(
            TDXVectors.v4.quote(), collateral: Self.collateral(TDXVectors.v4), at: TDXVectors.v4.now)
        #expect(evidence.tcbLevels.map(\.component) == ["platform", "TDX module TDX_01", "quoting enclave"])
        #expect(evidence.tcbLevels.allSatisfy { $0.status == .upToDate })
        #expect(Hex.encode(evidence.pck.fmspc) == "b0c06f000000")
        #expect(evidence.pck.pceID == [0, 0])
        #expect(evidence.pck.pceSVN == 11)
        #expect(evidence.pck.sgxTCBComponents == [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(evidence.tcbEvaluationDataNumber == 17)
        // 2025-07-19T10:00:35Z, the PCK CRL's nextUpdate (the TCB info's is 10:16:03Z).
        #expect(evidence.collateralNextUpdate == Date(timeIntervalSince1970: 1_752_919_235))
        #expect(evidence.tcbStatus == .upToDate)
        #expect(evidence.advisoryIDs.isEmpty)
        #expect(evidence.warnings.isEmpty)
    }

    /// Its PCK certificate's SEAMLDR ACM component (3) is below every level's (5): Intel's
    /// "TCB not supported".
    @Test func theVersion5SampleMatchesNoTCBLevel() throws {
        #expect(try Self.code(TDXVectors.v5) == .tcbNotSupported)
    }

    @Test func collateralIsCheckedAtTheGivenTime() throws {
        // The TCB info is due for replacement at 2025-07-19T10:16:03Z and was issued 2025-06-19;
        // the revocation lists are left out here (their own dates are tested with them).
        let bare = try Self.editedCollateral(TDXVectors.v4) { object in
            for key in ["root_ca_crl", "pck_crl", "pck_crl_issuer_chain"] { object.removeValue(forKey: key) }
        }
        let v4 = TDXVectors.v4
        #expect(
            try Self.code(v4, collateral: bare, at: Date(timeIntervalSince1970: 1_752_920_164)) == .collateralExpired)
        #expect(
            try Self.code(v4, collateral: bare, at: Date(timeIntervalSince1970: 1_750_291_000))
                == .collateralNotYetValid)
        #expect(try Self.code(v4, collateral: bare, at: Date(timeIntervalSince1970: 1_752_920_000)) == nil)
        // With them, the PCK CRL's nextUpdate (10:00:35Z) comes first.
        #expect(try Self.code(v4, at: Date(timeIntervalSince1970: 1_752_920_000)) == .revocationListExpired)
    }

    @Test func collateralForAnotherPlatformIsRefused() throws {
        // The version 5 sample's collateral (FMSPC 90C06F000000) at a time it is current.
        #expect(
            try Self.code(TDXVectors.v4, collateral: Self.collateral(TDXVectors.v5), at: TDXVectors.v5.now)
                == .fmspcMismatch)
    }

    @Test func alteredCollateralIsRefused() throws {
        let v4 = TDXVectors.v4
        func replacing(_ key: String, _ from: String, _ to: String) throws -> TDXCollateral {
            try Self.editedCollateral(v4) { object in
                let text = try #require(object[key] as? String)
                #expect(text.contains(from))
                object[key] = text.replacingOccurrences(of: from, with: to)
            }
        }
        // The platform's level raised to a status it was not given, the QE's ISVSVN floor lowered.
        #expect(
            try Self.code(v4, collateral: replacing("tcb_info", "\"pcesvn\":5", "\"pcesvn\":4")) == .tcbInfoSignature)
        #expect(
            try Self.code(v4, collateral: replacing("qe_identity", "\"isvsvn\":4", "\"isvsvn\":3"))
                == .qeIdentitySignature)
        let object = try #require(
            JSONSerialization.jsonObject(with: Data(Self.collateralText(v4).utf8)) as? [String: Any])
        let signature = try #require(object["tcb_info_signature"] as? String)
        let flipped =
            String(signature.prefix(10)) + (signature.dropFirst(10).first == "0" ? "1" : "0")
            + String(signature.dropFirst(11))
        #expect(try Self.code(v4, collateral: replacing("tcb_info_signature", signature, flipped)) == .tcbInfoSignature)
        // The TCB info "signed" by a chain of the wrong shape: the quote's PCK chain.
        let pckChain = try v4.quote().pckChainPEM
        let wrongChain = try Self.editedCollateral(v4) { $0["tcb_info_issuer_chain"] = pckChain }
        #expect(try Self.code(v4, collateral: wrongChain) == .certificateParse)
        // Malformed JSON and a signature that is not 64 bytes.
        #expect(throws: TDXError.self) { try TDXCollateral(json: Array("{\"tcb_info\": 1}".utf8)) }
        #expect(throws: TDXError.self) {
            try Self.editedCollateral(v4) { $0["qe_identity_signature"] = "abcd" }
        }
    }

    // MARK: The TCB rules, on edited (unsigned) collateral

    /// The verdict of the v4 sample against its TCB info and QE identity after `edit`.
    static func evaluate(
        tcbInfo editTCBInfo: (inout [String: Any]) throws -> Void = { _ in },
        qeIdentity editQEIdentity: (inout [String: Any]) throws -> Void = { _ in },
        quote editQuote: (inout [UInt8]) -> Void = { _ in }, policy: TDXPolicy = .shipped
    ) throws -> (code: TDXErrorCode?, message: String) {
        let sample = TDXVectors.v4
        let collateral = try Self.collateral(sample)
        func edited<T: Decodable>(_ text: String, _ edit: (inout [String: Any]) throws -> Void) throws -> T {
            var object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            try edit(&object)
            return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
        }
        let tcbInfo: TCBInfo = try edited(collateral.tcbInfoText, editTCBInfo)
        let qeIdentity: QEIdentity = try edited(collateral.qeIdentityText, editQEIdentity)
        let pck = try PCKCertificateExtensions(
            certificate: TDXVerifier().verify(sample.quote(), at: sample.now).pckCertificate)
        // Matching reads the quote's fields only; an edited quote is not signed again.
        var bytes = try sample.bytes()
        editQuote(&bytes)
        let quote = try TDXQuote(bytes: bytes)
        do throws(TDXError) {
            let matches = try TDXTCBEvaluation.match(quote: quote, pck: pck, tcbInfo: tcbInfo, qeIdentity: qeIdentity)
            try TDXTCBEvaluation.judge(matches, policy: policy)
            return (nil, "")
        } catch {
            return (error.code, error.message)
        }
    }

    /// `edit` applied to the TCB level at `index` of `object["tcbLevels"]`.
    static func editLevel(_ object: inout [String: Any], _ index: Int, _ edit: (inout [String: Any]) -> Void) {
        var levels = object["tcbLevels"] as! [[String: Any]]
        edit(&levels[index])
        object["tcbLevels"] = levels
    }

    @Test func onlyAnUpToDatePlatformLevelIsAccepted() throws {
        #expect(try Self.evaluate().code == nil)
        let expected: [(String, TDXErrorCode)] = [
            ("OutOfDate", .tcbOutOfDate), ("OutOfDateConfigurationNeeded", .tcbOutOfDate), ("Revoked", .tcbRevoked),
            ("SWHardeningNeeded", .tcbActionNeeded), ("ConfigurationNeeded", .tcbActionNeeded),
            ("ConfigurationAndSWHardeningNeeded", .tcbActionNeeded), ("Unheard", .tcbStatusUnknown),
        ]
        for (status, code) in expected {
            let result = try Self.evaluate(tcbInfo: { object in
                Self.editLevel(&object, 0) { $0["tcbStatus"] = status }
            })
            #expect(result.code == code, "\(status)")
        }
        // The advisories of the level are named.
        let outdated = try Self.evaluate(tcbInfo: { object in
            Self.editLevel(&object, 0) {
                $0["tcbStatus"] = "OutOfDate"
                $0["advisoryIDs"] = ["INTEL-SA-00837"]
            }
        })
        #expect(outdated.message.contains("INTEL-SA-00837"))
    }

    @Test func aPlatformBelowEveryLevelIsNotSupported() throws {
        // Every level wants a PCESVN of 12 (the PCK certificate has 11).
        let pce = try Self.evaluate(tcbInfo: { object in
            for index in 0..<2 {
                Self.editLevel(&object, index) { level in
                    var tcb = level["tcb"] as! [String: Any]
                    tcb["pcesvn"] = 12
                    level["tcb"] = tcb
                }
            }
        })
        #expect(pce.code == .tcbNotSupported)
        // The first level wants TEE_TCB_SVN[2] of 4 (the quote has 3): the second, OutOfDate, matches.
        let tdx = try Self.evaluate(tcbInfo: { object in
            Self.editLevel(&object, 0) { level in
                var tcb = level["tcb"] as! [String: Any]
                var components = tcb["tdxtcbcomponents"] as! [[String: Any]]
                components[2]["svn"] = 4
                tcb["tdxtcbcomponents"] = components
                level["tcb"] = tcb
            }
        })
        #expect(tdx.code == .tcbOutOfDate)
        // A level with 15 SGX components is refused rather than compared on 15.
        let short = try Self.evaluate(tcbInfo: { object in
            Self.editLevel(&object, 0) { level in
                var tcb = level["tcb"] as! [String: Any]
                tcb["sgxtcbcomponents"] = Array((tcb["sgxtcbcomponents"] as! [[String: Any]]).dropLast())
                level["tcb"] = tcb
            }
        })
        #expect(short.code == .collateralParse)
    }

    @Test func theTDXModuleMustBeOneIntelNames() throws {
        func editModule(_ object: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
            var identities = object["tdxModuleIdentities"] as! [[String: Any]]
            let index = identities.firstIndex { $0["id"] as? String == "TDX_01" }!
            edit(&identities[index])
            object["tdxModuleIdentities"] = identities
        }
        // The quote's module is major version 1, SVN 6.
        #expect(
            try Self.evaluate(tcbInfo: { object in editModule(&object) { $0["id"] = "TDX_02" } }).code
                == .tdxModuleMismatch)
        #expect(
            try Self.evaluate(tcbInfo: { object in
                editModule(&object) { $0["mrsigner"] = String(repeating: "11", count: 48) }
            })
            .code == .tdxModuleMismatch)
        #expect(
            try Self.evaluate(tcbInfo: { object in editModule(&object) { $0["attributes"] = "0100000000000000" } }).code
                == .tdxModuleMismatch)
        // The UpToDate level raised above the module's SVN: the OutOfDate one below matches.
        let raised = try Self.evaluate(tcbInfo: { object in
            editModule(&object) { identity in
                var levels = identity["tcbLevels"] as! [[String: Any]]
                levels[0]["tcb"] = ["isvsvn": 7]
                identity["tcbLevels"] = levels
            }
        })
        #expect(raised.code == .tcbOutOfDate)
        #expect(raised.message.contains("TDX module TDX_01"))
        // Every level above it.
        let above = try Self.evaluate(tcbInfo: { object in
            editModule(&object) { identity in
                let levels: [[String: Any]] = [
                    ["tcb": ["isvsvn": 9], "tcbDate": "2025-01-01T00:00:00Z", "tcbStatus": "UpToDate"]
                ]
                identity["tcbLevels"] = levels
            }
        })
        #expect(above.code == .tcbNotSupported)
    }

    @Test func theQuotingEnclaveMustBeIntelsAndCurrent() throws {
        #expect(
            try Self.evaluate(qeIdentity: { $0["mrsigner"] = String(repeating: "00", count: 32) }).code
                == .qeIdentityMismatch)
        #expect(try Self.evaluate(qeIdentity: { $0["isvprodid"] = 1 }).code == .qeIdentityMismatch)
        // ATTRIBUTES bit 0x04 of byte 0 is masked out (mask FB), bit 0x01 is not.
        #expect(try Self.evaluate(qeIdentity: { $0["attributes"] = "15000000000000000000000000000000" }).code == nil)
        #expect(
            try Self.evaluate(qeIdentity: { $0["attributes"] = "10000000000000000000000000000000" }).code
                == .qeIdentityMismatch)
        #expect(try Self.evaluate(qeIdentity: { $0["miscselect"] = "00000001" }).code == .qeIdentityMismatch)
        // The QE's ISVSVN is 6.
        let levels: [[String: Any]] = [
            ["tcb": ["isvsvn": 8], "tcbDate": "2025-01-01T00:00:00Z", "tcbStatus": "UpToDate"],
            ["tcb": ["isvsvn": 6], "tcbDate": "2024-01-01T00:00:00Z", "tcbStatus": "Revoked"],
        ]
        let revoked = try Self.evaluate(qeIdentity: { $0["tcbLevels"] = levels })
        #expect(revoked.code == .tcbRevoked)
        #expect(revoked.message.contains("quoting enclave"))
        #expect(try Self.evaluate(qeIdentity: { $0["tcbLevels"] = Array(levels.prefix(1)) }).code == .tcbNotSupported)
    }

    @Test func swHardeningAndConfigurationNeededPassOnlyWhereThePolicyListsThem() throws {
        func result(_ status: String, _ policy: TDXPolicy) throws -> (code: TDXErrorCode?, message: String) {
            try Self.evaluate(
                tcbInfo: { object in
                    Self.editLevel(&object, 0) {
                        $0["tcbStatus"] = status
                        $0["advisoryIDs"] = ["INTEL-SA-00960", "INTEL-SA-00982"]
                    }
                }, policy: policy)
        }
        let hardening = TDXPolicy(acceptedStatuses: [.swHardeningNeeded])
        #expect(try result("SWHardeningNeeded", hardening).code == nil)
        #expect(try result("SWHardeningNeeded", .shipped).code == .tcbActionNeeded)
        #expect(try result("SWHardeningNeeded", .shipped).message.contains("INTEL-SA-00960, INTEL-SA-00982"))
        #expect(try result("ConfigurationNeeded", hardening).code == .tcbActionNeeded)
        let all = TDXPolicy(acceptedStatuses: Set(TDXPolicy.acceptable))
        for status in ["SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded"] {
            #expect(try result(status, all).code == nil, "\(status)")
        }
        // Never accepted, whatever the policy lists.
        let everything = TDXPolicy(
            acceptedStatuses: [.outOfDate, .outOfDateConfigurationNeeded, .revoked, .unknown("Unheard")])
        #expect(everything.acceptedStatuses.isEmpty)
        #expect(try result("OutOfDate", all).code == .tcbOutOfDate)
        #expect(try result("OutOfDateConfigurationNeeded", all).code == .tcbOutOfDate)
        #expect(try result("Revoked", all).code == .tcbRevoked)
        #expect(try result("Unheard", all).code == .tcbStatusUnknown)
    }

    /// Intel's library compares TEE_TCB_SVN with a level's TDX components from byte 2 when the
    /// TDX module's major version (byte 1) is above 0: bytes 0 and 1 are the module's SVN and
    /// version, judged by its identity. The quote's TEE_TCB_SVN starts 06 01 03.
    @Test func theModuleBytesOfTEETCBSVNAreLeftToTheModuleIdentity() throws {
        func raiseModuleBytes(_ object: inout [String: Any]) {
            Self.editLevel(&object, 0) { level in
                var tcb = level["tcb"] as! [String: Any]
                var components = tcb["tdxtcbcomponents"] as! [[String: Any]]
                components[0]["svn"] = 7
                components[1]["svn"] = 2
                tcb["tdxtcbcomponents"] = components
                level["tcb"] = tcb
            }
        }
        // Major version 1: bytes 0 and 1 are not compared, the UpToDate level still matches.
        #expect(try Self.evaluate(tcbInfo: raiseModuleBytes).code == nil)
        // Byte 2 still is: raised above the quote's 3, the OutOfDate level below matches.
        let seam = try Self.evaluate(tcbInfo: { object in
            Self.editLevel(&object, 0) { level in
                var tcb = level["tcb"] as! [String: Any]
                var components = tcb["tdxtcbcomponents"] as! [[String: Any]]
                components[2]["svn"] = 4
                tcb["tdxtcbcomponents"] = components
                level["tcb"] = tcb
            }
        })
        #expect(seam.code == .tcbOutOfDate)
        // Major version 0 (a module without identities): every byte is compared.
        let majorZero = try Self.evaluate(
            tcbInfo: raiseModuleBytes, quote: { bytes in bytes[TDXQuote.headerSize + 1] = 0 })
        #expect(majorZero.code == .tcbOutOfDate)
        #expect(majorZero.message.contains("platform"))
    }

    @Test func aDebugTDIsRefused() throws {
        var bytes = try TDXVectors.v4.bytes()
        let quote = try TDXQuote(bytes: bytes)
        #expect(quote.body.tdAttributes == 0x1000_0000)
        try TDXVerifier.checkNotDebug(quote.body)
        bytes[TDXQuote.headerSize + 120] |= 1
        let debug = try TDXQuote(bytes: bytes)
        do throws(TDXError) {
            try TDXVerifier.checkNotDebug(debug.body)
            Issue.record("a debug TD was accepted")
        } catch {
            #expect(error.code == .debugTD)
        }
    }

    @Test func collateralOfTheWrongKindIsRefused() throws {
        #expect(try Self.evaluate(tcbInfo: { $0["id"] = "SGX" }).code == .collateralKind)
        #expect(try Self.evaluate(tcbInfo: { $0["version"] = 2 }).code == .collateralKind)
        #expect(try Self.evaluate(qeIdentity: { $0["id"] = "QE" }).code == .collateralKind)
        #expect(try Self.evaluate(tcbInfo: { $0["fmspc"] = "B0C06F000001" }).code == .fmspcMismatch)
        #expect(try Self.evaluate(tcbInfo: { $0["pceId"] = "0100" }).code == .pceIDMismatch)
    }
}
