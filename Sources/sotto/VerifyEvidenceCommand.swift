import ArgumentParser
import Core
import Foundation
import Wire

/// `sotto verify-evidence --platform sev-snp --report FILE ...` or `--platform tdx --quote FILE
/// --collateral FILE`: checks attestation evidence offline, with the client's verifiers.
struct VerifyEvidenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-evidence",
        abstract: "Verify TEE attestation evidence (SEV-SNP report or TDX quote) and its chain offline.",
        discussion: """
            For sev-snp: the report (binary, or hexadecimal text) must be signed by the VCEK or \
            VLEK given with --vcek (DER or PEM), whose chain must lead to AMD's pinned root for its \
            product (Milan, Genoa, Turin). --chain gives the ASK (or ASVK) and ARK as PEM, the form \
            AMD KDS serves at /vcek/v1/<product>/cert_chain; without it the pinned chain is used. \
            The report must also match the VCEK's TCB and chip id, have debugging off (unless \
            --allow-debug), come from VMPL 0, and meet the client's attestation policy: the \
            shipped one (EPYC Milan refused, a minimum TCB per product) tightened by policy.toml \
            (--policy, or the one in the configuration folder). --evidence-only checks the \
            evidence without the product and TCB rules, to study old reports.

            For tdx: the quote (binary, or hexadecimal text) must be a TDX DCAP quote (version 4 \
            or 5) whose PCK certificate chain leads to Intel's pinned SGX Root CA, whose quoting \
            enclave report is signed by the PCK key and binds the attestation key, and which is \
            signed by that key. --collateral is the JSON object dcap-qvl reads (TCB info and QE \
            identity with their signatures and issuer chains): both must be signed by Intel's TCB \
            signing key, current at the verification time, for this platform's FMSPC, and the \
            platform, TDX module and quoting enclave TCB levels must all be UpToDate, or a status \
            policy.toml's tdx_accept_tcb_status lists (SWHardeningNeeded, ConfigurationNeeded, \
            ConfigurationAndSWHardeningNeeded; their advisories are shown). The root CA and PCK \
            revocation lists are checked when the collateral carries them. A debug TD is refused.

            Prints the verdict and the evidence's fields (--json: one JSON object). Exit status 0 \
            only when the evidence verifies; 1 when it is refused, with the reason; 64 for \
            unusable input.
            """
    )

    /// The TEE platforms the command verifies.
    enum Platform: String, ExpressibleByArgument, CaseIterable {
        case sevSNP = "sev-snp"
        case tdx
    }

    @Option(help: "The TEE platform: sev-snp or tdx.")
    var platform: Platform

    @Option(help: "The SEV-SNP attestation report: 1184 bytes, or their hexadecimal text.", completion: .file())
    var report: String?

    @Option(help: "The TDX quote: binary, or its hexadecimal text.", completion: .file())
    var quote: String?

    @Option(help: "The TDX collateral: TCB info and QE identity as dcap-qvl's JSON.", completion: .file())
    var collateral: String?

    @Option(help: "The VCEK (or VLEK) certificate that signed the report, DER or PEM.", completion: .file())
    var vcek: String?

    @Option(
        help: "The ASK (or ASVK) and ARK as PEM, in that order; AMD's pinned chain when omitted.", completion: .file())
    var chain: String?

    @Flag(help: "Accept a guest whose policy allows debugging (development servers only).")
    var allowDebug = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(
        help: "The attestation policy file (default: policy.toml in the configuration folder).", completion: .file())
    var policy: String?

    @Flag(help: "Check only that the evidence is authentic: no product or minimum TCB rules.")
    var evidenceOnly = false

    @Option(
        name: .customLong("at"),
        help: ArgumentHelp(
            "Check certificates (and TDX collateral) at this time instead of now.", valueName: "ISO8601-time"))
    var time: String?

    func run() throws {
        let now = try verificationTime()
        if platform == .tdx {
            try runTDX(at: now)
        }
        guard let report else { throw ValidationError("--report is required with --platform sev-snp") }
        let policy = try snpPolicy()
        let reportBytes = try read(report, what: "report")
        let parsed: SEVSNPReport
        do throws(AttestationError) {
            parsed = try SEVSNPReport(fileContents: reportBytes)
        } catch {
            try finish(EvidenceVerdict(report: nil, verified: nil, error: error, checkedAt: now))
        }
        guard let vcek else {
            throw ValidationError(Self.missingVCEKHelp(parsed))
        }
        let endorsementKey = try read(vcek, what: "VCEK")
        let chainText = try chain.map { String(decoding: try read($0, what: "certificate chain"), as: UTF8.self) }
        let verified: VerifiedSEVSNPReport
        do throws(AttestationError) {
            verified = try Self.verify(
                parsed, endorsementKey: endorsementKey, chain: chainText, at: now, policy: policy)
        } catch {
            try finish(
                EvidenceVerdict(report: parsed, verified: nil, error: error, checkedAt: now),
                keyProduct: Self.product(ofKey: endorsementKey))
        }
        try finish(EvidenceVerdict(report: verified.report, verified: verified, error: nil, checkedAt: now))
    }

    /// Verifies a TDX quote with its collateral, prints the verdict and exits.
    private func runTDX(at now: Date) throws -> Never {
        guard let quote, let collateral else {
            throw ValidationError("--quote and --collateral are required with --platform tdx")
        }
        let policy = try loadPolicy().tdx
        let quoteBytes = try read(quote, what: "quote")
        let collateralBytes = try read(collateral, what: "collateral")
        var parsed: TDXQuote?
        let verdict: TDXEvidenceVerdict
        do throws(TDXError) {
            let quote = try TDXQuote(fileContents: quoteBytes)
            parsed = quote
            let evidence = try TDXVerifier().verify(
                quote, collateral: TDXCollateral(json: collateralBytes), policy: policy, at: now)
            verdict = TDXEvidenceVerdict(quote: quote, evidence: evidence, error: nil, checkedAt: now)
        } catch {
            verdict = TDXEvidenceVerdict(quote: parsed, evidence: nil, error: error, checkedAt: now)
        }
        try finish(verdict)
    }

    private func finish(_ verdict: TDXEvidenceVerdict) throws -> Never {
        print(json ? verdict.json() : verdict.text())
        if let error = verdict.error {
            printError("refused: \(error)")
            throw ExitCode(1)
        }
        throw ExitCode.success
    }

    private static func verify(
        _ report: SEVSNPReport, endorsementKey: [UInt8], chain: String?, at now: Date, policy: SEVSNPPolicy
    ) throws(AttestationError) -> VerifiedSEVSNPReport {
        let chain = try chain.map { text throws(AttestationError) in try AMDCertificates.Chain(pem: text) }
        return try SEVSNPVerifier().verify(
            report: report, endorsementKey: endorsementKey, chain: chain, at: now, policy: policy)
    }

    /// The client's policy (shipped, tightened by the policy file), or with --evidence-only one
    /// without product and TCB rules; --allow-debug either way.
    private func snpPolicy() throws -> SEVSNPPolicy {
        var snp: SEVSNPPolicy
        if evidenceOnly {
            snp = SEVSNPPolicy()
        } else {
            snp = try loadPolicy().snp
        }
        snp.allowDebug = allowDebug
        return snp
    }

    /// The shipped policy tightened (or, for the rules that may, loosened) by the policy file.
    private func loadPolicy() throws -> VerificationPolicy {
        let path: String
        if let policy {
            path = policy
        } else {
            let environment = ProcessInfo.processInfo.environment
            path = AttestationPolicyFile.path(inConfigFolder: try XDGDirectories(environment: environment).config)
        }
        do {
            return try AttestationPolicyFile.apply(path: path, to: .shipped)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Prints the verdict, then exits 0 if verified, 1 if not.
    /// The product a VCEK or VLEK names, if it can be read.
    private static func product(ofKey bytes: [UInt8]) -> SEVSNPProduct? {
        guard let certificate = try? AMDCertificate(derOrPEM: bytes),
            let extensions = try? AMDEndorsementExtensions(certificate: certificate)
        else { return nil }
        return SEVSNPProduct(productName: extensions.productName)
    }

    private func finish(_ verdict: EvidenceVerdict, keyProduct: SEVSNPProduct? = nil) throws -> Never {
        var verdict = verdict
        // A known break is named whether or not the policy accepted the product.
        let product = verdict.verified?.product ?? keyProduct ?? verdict.report?.cpuid?.product
        if let product, let known = product.knownBreak {
            verdict.warnings = verdict.verified?.warnings ?? []
            if verdict.warnings.isEmpty { verdict.warnings = ["\(product.name): \(known)"] }
        }
        print(json ? verdict.json() : verdict.text())
        if let error = verdict.error {
            printError("refused: \(error)")
            throw ExitCode(1)
        }
        throw ExitCode.success
    }

    private func verificationTime() throws -> Date {
        guard let time else { return Date() }
        let styles = [
            Date.ISO8601FormatStyle(), Date.ISO8601FormatStyle(includingFractionalSeconds: true),
            Date.ISO8601FormatStyle().year().month().day(),
        ]
        for style in styles {
            if let date = try? style.parse(time) { return date }
        }
        throw ValidationError("--at \(time) is not an ISO 8601 time; write it like 2025-06-01T00:00:00Z")
    }

    private func read(_ path: String, what: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the \(what) \(path): no such file or not readable")
        }
        return Array(data)
    }

    /// Where the VCEK for this report is: AMD KDS serves it by product, chip id and reported TCB.
    static func missingVCEKHelp(_ report: SEVSNPReport) -> String {
        if report.signingKey == .vlek {
            return "--vcek is required: this report is signed by a VLEK, which the cloud provider supplies "
                + "with its attestation evidence"
        }
        let product = report.cpuid?.product
        let tcb = report.reportedTCB
        var query = "blSPL=\(tcb.bootloader)&teeSPL=\(tcb.tee)&snpSPL=\(tcb.snp)&ucodeSPL=\(tcb.microcode)"
        if let fmc = tcb.fmc { query = "fmcSPL=\(fmc)&" + query }
        let chipID = report.chipID.prefix(product?.hardwareIDLength ?? 64)
        let url = "https://kdsintf.amd.com/vcek/v1/\(product?.name ?? "{Milan|Genoa}")/\(Hex.encode(chipID))?\(query)"
        return "--vcek is required: fetch this report's VCEK (DER) from AMD KDS at \(url)"
    }
}

/// What `verify-evidence` prints: the verdict and the report's fields.
private struct EvidenceVerdict {
    let report: SEVSNPReport?
    let verified: VerifiedSEVSNPReport?
    let error: AttestationError?
    let checkedAt: Date
    var warnings: [String] = []

    func text() -> String {
        var lines = [String]()
        if let verified {
            lines.append(
                "VERIFIED: AMD SEV-SNP report signed by a \(verified.signingKey.rawValue) that chains to AMD's "
                    + "\(verified.product.name) root")
        } else {
            lines.append("REFUSED: \(error.map(\.description) ?? "not verified")")
        }
        lines += warnings.map { "WARNING: \($0)" }
        guard let report else { return lines.joined(separator: "\n") }
        if verified == nil { lines.append("The report was not accepted; its fields are shown for diagnosis only.") }
        func row(_ name: String, _ value: String) {
            lines.append("  " + name.padding(toLength: 18, withPad: " ", startingAt: 0) + value)
        }
        row("version", "\(report.version)")
        if let verified {
            row("product", "\(verified.product.name) (\(verified.endorsementKey.extensions.productName))")
        }
        row("signing key", report.signingKey.description)
        row("policy", report.policy.description)
        row("debug", report.policy.debug ? "ALLOWED" : "off")
        row("vmpl", "\(report.vmpl)")
        row("guest svn", "\(report.guestSVN)")
        row("reported tcb", report.reportedTCB.description)
        row("current tcb", report.currentTCB.description)
        row("committed tcb", report.committedTCB.description)
        row("launch tcb", report.launchTCB.description)
        row("firmware", report.currentVersion.description)
        if let cpuid = report.cpuid {
            row(
                "cpuid",
                "family 0x\(String(cpuid.family, radix: 16)) model 0x\(String(cpuid.model, radix: 16)) "
                    + "stepping \(cpuid.stepping)")
        }
        row("measurement", Hex.encode(report.measurement))
        row("report data", Hex.encode(report.reportData))
        row("host data", Hex.encode(report.hostData))
        row("id key digest", Hex.encode(report.idKeyDigest))
        row("chip id", Hex.encode(report.chipID))
        row("checked at", checkedAt.formatted(Date.ISO8601FormatStyle()))
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        let output = JSONVerdict(
            verified: verified != nil, checkedAt: checkedAt.formatted(Date.ISO8601FormatStyle()),
            error: error.map { JSONVerdict.Failure(code: $0.code.rawValue, message: $0.message) },
            product: verified?.product.name, productName: verified?.endorsementKey.extensions.productName,
            signingKey: verified?.signingKey.rawValue, warnings: warnings, report: report.map(JSONVerdict.Report.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(output) else { return "{}" }
        return TerminalSafeText(json: data).description
    }
}

/// The `--json` shape: field names are stable, byte strings are lower-case hex.
private struct JSONVerdict: Encodable {
    struct Failure: Encodable {
        let code: String
        let message: String
    }

    struct Policy: Encodable {
        let raw: String
        let debug: Bool
        let smt: Bool
        let migrateMA: Bool
        let singleSocket: Bool
        let abiMajor: UInt8
        let abiMinor: UInt8
    }

    struct TCB: Encodable {
        let raw: String
        let fmc: UInt8?
        let bootloader: UInt8
        let tee: UInt8
        let snp: UInt8
        let microcode: UInt8

        init(_ tcb: SEVSNPReport.TCBVersion) {
            raw = "0x" + String(tcb.rawValue, radix: 16)
            fmc = tcb.fmc
            bootloader = tcb.bootloader
            tee = tcb.tee
            snp = tcb.snp
            microcode = tcb.microcode
        }
    }

    struct CPUID: Encodable {
        let family: UInt8
        let model: UInt8
        let stepping: UInt8
    }

    struct Report: Encodable {
        let version: UInt32
        let guestSVN: UInt32
        let vmpl: UInt32
        let signingKey: String
        let signatureAlgorithm: UInt32
        let policy: Policy
        let platformInfo: String
        let reportedTCB: TCB
        let currentTCB: TCB
        let committedTCB: TCB
        let launchTCB: TCB
        let cpuid: CPUID?
        let firmware: String
        let measurement: String
        let reportData: String
        let hostData: String
        let idKeyDigest: String
        let authorKeyDigest: String
        let reportID: String
        let chipID: String

        init(_ report: SEVSNPReport) {
            version = report.version
            guestSVN = report.guestSVN
            vmpl = report.vmpl
            signingKey = report.signingKey.description
            signatureAlgorithm = report.signatureAlgorithm
            let p = report.policy
            policy = Policy(
                raw: "0x" + String(p.rawValue, radix: 16), debug: p.debug, smt: p.smt, migrateMA: p.migrateMA,
                singleSocket: p.singleSocket, abiMajor: p.abiMajor, abiMinor: p.abiMinor)
            platformInfo = "0x" + String(report.platformInfo.rawValue, radix: 16)
            reportedTCB = TCB(report.reportedTCB)
            currentTCB = TCB(report.currentTCB)
            committedTCB = TCB(report.committedTCB)
            launchTCB = TCB(report.launchTCB)
            cpuid = report.cpuid.map { CPUID(family: $0.family, model: $0.model, stepping: $0.stepping) }
            firmware = report.currentVersion.description
            measurement = Hex.encode(report.measurement)
            reportData = Hex.encode(report.reportData)
            hostData = Hex.encode(report.hostData)
            idKeyDigest = Hex.encode(report.idKeyDigest)
            authorKeyDigest = Hex.encode(report.authorKeyDigest)
            reportID = Hex.encode(report.reportID)
            chipID = Hex.encode(report.chipID)
        }
    }

    let platform = "sev-snp"
    let verified: Bool
    let checkedAt: String
    let error: Failure?
    let product: String?
    let productName: String?
    let signingKey: String?
    let warnings: [String]
    let report: Report?
}
