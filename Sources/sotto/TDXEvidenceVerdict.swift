import Core
import Foundation
import Wire

/// What `verify-evidence --platform tdx` prints: the verdict, each TCB level matched, and the
/// quote's measurements.
struct TDXEvidenceVerdict {
    let quote: TDXQuote?
    let evidence: VerifiedTDXEvidence?
    let error: TDXError?
    let checkedAt: Date

    /// What to warn of with the verdict: revocation lists that were not checked, and statuses
    /// accepted only because the policy lists them.
    var warnings: [String] {
        guard let evidence else { return [] }
        var warnings = evidence.warnings
        let missing = ["root CA CRL", "PCK CRL"].filter { !evidence.revocationListsChecked.contains($0) }
        if !missing.isEmpty {
            warnings.append(
                "the \(missing.joined(separator: " and ")) \(missing.count == 1 ? "was" : "were") not checked: the "
                    + "collateral carries none")
        }
        return warnings
    }

    func text() -> String {
        var lines = [String]()
        if let evidence {
            let advisories = evidence.advisoryIDs.isEmpty ? "" : " (\(evidence.advisoryIDs.joined(separator: ", ")))"
            lines.append(
                "VERIFIED: Intel TDX quote (version \(evidence.quote.quote.version), "
                    + "\(evidence.quote.quote.body.kind)) through a PCK certificate that chains to Intel's SGX Root "
                    + "CA; TCB \(evidence.tcbStatus)\(advisories)")
        } else {
            lines.append("REFUSED: \(error.map(\.description) ?? "not verified")")
        }
        for warning in warnings { lines.append("WARNING: \(warning)") }
        guard let quote else { return lines.joined(separator: "\n") }
        if evidence == nil { lines.append("The quote was not accepted; its fields are shown for diagnosis only.") }
        func row(_ name: String, _ value: String) {
            lines.append("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0) + value)
        }
        let body = quote.body
        row("version", "\(quote.version)")
        row("body", body.kind.description)
        if let evidence {
            for level in evidence.tcbLevels {
                let advisories = level.advisoryIDs.isEmpty ? "" : ", \(level.advisoryIDs.joined(separator: " "))"
                row(level.component, "\(level.status) (\(level.tcbDate)\(advisories))")
            }
            row("tcb status", evidence.tcbStatus.description)
            row("advisories", evidence.advisoryIDs.isEmpty ? "none" : evidence.advisoryIDs.joined(separator: " "))
            row(
                "revocation lists",
                evidence.revocationListsChecked.isEmpty
                    ? "none given" : evidence.revocationListsChecked.joined(separator: ", ") + ": not revoked")
            row("fmspc", Hex.encode(evidence.pck.fmspc))
            row("tcb evaluation", "\(evidence.tcbEvaluationDataNumber)")
            row("collateral until", evidence.collateralNextUpdate.formatted(Date.ISO8601FormatStyle()))
        }
        row(
            "td attributes",
            "0x\(String(body.tdAttributes, radix: 16)) (debug \(body.tdAttributes & 1 == 0 ? "off" : "ON"))")
        row("seam attributes", "0x\(String(body.seamAttributes, radix: 16))")
        row("xfam", "0x\(String(body.xfam, radix: 16))")
        row("tee tcb svn", Hex.encode(body.teeTCBSVN))
        row("mrseam", Hex.encode(body.mrSEAM))
        row("mrtd", Hex.encode(body.mrTD))
        for (index, rtmr) in body.rtmrs.enumerated() { row("rtmr\(index)", Hex.encode(rtmr)) }
        row("mrconfigid", Hex.encode(body.mrConfigID))
        row("report data", Hex.encode(body.reportData))
        row("checked at", checkedAt.formatted(Date.ISO8601FormatStyle()))
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        let output = JSONOutput(
            verified: evidence != nil, checkedAt: checkedAt.formatted(Date.ISO8601FormatStyle()),
            error: error.map { JSONOutput.Failure(code: $0.code.rawValue, message: $0.message) },
            tcbLevels: evidence?.tcbLevels.map {
                JSONOutput.Level(
                    component: $0.component, status: $0.status.description, tcbDate: $0.tcbDate,
                    advisoryIDs: $0.advisoryIDs)
            }, tcbStatus: evidence?.tcbStatus.description, advisoryIDs: evidence?.advisoryIDs,
            revocationListsChecked: evidence?.revocationListsChecked, fmspc: evidence.map { Hex.encode($0.pck.fmspc) },
            collateralNextUpdate: evidence?.collateralNextUpdate.formatted(Date.ISO8601FormatStyle()),
            warnings: warnings, quote: quote.map(JSONOutput.Quote.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(output) else { return "{}" }
        return TerminalSafeText(json: data).description
    }

    /// The `--json` shape: field names are stable, byte strings are lower-case hex.
    private struct JSONOutput: Encodable {
        struct Failure: Encodable {
            let code: String
            let message: String
        }

        struct Level: Encodable {
            let component: String
            let status: String
            let tcbDate: String
            let advisoryIDs: [String]
        }

        struct Quote: Encodable {
            let version: UInt16
            let body: String
            let teeTCBSVN: String
            let mrSEAM: String
            let mrSignerSEAM: String
            let seamAttributes: String
            let tdAttributes: String
            let debug: Bool
            let xfam: String
            let mrTD: String
            let mrConfigID: String
            let mrOwner: String
            let mrOwnerConfig: String
            let rtmrs: [String]
            let reportData: String
            let teeTCBSVN2: String?
            let mrServiceTD: String?

            init(_ quote: TDXQuote) {
                let body = quote.body
                version = quote.version
                self.body = body.kind.description
                teeTCBSVN = Hex.encode(body.teeTCBSVN)
                mrSEAM = Hex.encode(body.mrSEAM)
                mrSignerSEAM = Hex.encode(body.mrSignerSEAM)
                seamAttributes = "0x" + String(body.seamAttributes, radix: 16)
                tdAttributes = "0x" + String(body.tdAttributes, radix: 16)
                debug = body.tdAttributes & 1 != 0
                xfam = "0x" + String(body.xfam, radix: 16)
                mrTD = Hex.encode(body.mrTD)
                mrConfigID = Hex.encode(body.mrConfigID)
                mrOwner = Hex.encode(body.mrOwner)
                mrOwnerConfig = Hex.encode(body.mrOwnerConfig)
                rtmrs = body.rtmrs.map { Hex.encode($0) }
                reportData = Hex.encode(body.reportData)
                teeTCBSVN2 = body.teeTCBSVN2.map { Hex.encode($0) }
                mrServiceTD = body.mrServiceTD.map { Hex.encode($0) }
            }
        }

        let platform = "tdx"
        let verified: Bool
        let checkedAt: String
        let error: Failure?
        let tcbLevels: [Level]?
        let tcbStatus: String?
        let advisoryIDs: [String]?
        let revocationListsChecked: [String]?
        let fmspc: String?
        let collateralNextUpdate: String?
        let warnings: [String]
        let quote: Quote?
    }
}
