import DevelopmentPKI
import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// configfs-tsm against a folder laid out like the kernel's; a small fake plays the kernel
/// by filling each new report folder.
@Suite struct ConfigFSTSMProviderTests {
    static func fakeKernel(provider: String, report: [UInt8], aux: [UInt8]?) -> @Sendable (URL) throws -> Void {
        { folder in
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            try Data("\(provider)\n".utf8).write(to: folder.appendingPathComponent("provider"))
            try Data(report).write(to: folder.appendingPathComponent("outblob"))
            if let aux { try Data(aux).write(to: folder.appendingPathComponent("auxblob")) }
        }
    }

    func temporaryRoot() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tsm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    @Test func readsReportAndCertificateTableAndCleansUp() async throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let report = [UInt8](repeating: 0xab, count: 1184)
        let table = SEVSNPCertificateTable.build(vcek: [1, 1], ask: [2], ark: [3, 3, 3])
        let provider = try ConfigFSTSMProvider(
            root: root, makeReportFolder: Self.fakeKernel(provider: "sev_guest", report: report, aux: table))
        #expect(provider.platform == .sevSNP)
        #expect(!provider.isSimulated)
        let evidence = try await provider.evidence(reportData: [UInt8](repeating: 7, count: 64))
        #expect(evidence.report.bytes == report)
        #expect(evidence.certificates.map(\.bytes) == [[1, 1], [2], [3, 3, 3]])
        // Every report folder is removed afterwards, the probe's included.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
        await #expect(throws: AttestationProviderError.self) { try await provider.evidence(reportData: [1]) }
    }

    @Test func tdxAndFailures() async throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let tdx = try ConfigFSTSMProvider(
            root: root, makeReportFolder: Self.fakeKernel(provider: "tdx_guest", report: [9, 9], aux: nil))
        #expect(tdx.platform == .tdx)
        #expect(try await tdx.evidence(reportData: [UInt8](repeating: 0, count: 64)).certificates.isEmpty)
        let empty = try ConfigFSTSMProvider(
            root: root, makeReportFolder: Self.fakeKernel(provider: "sev_guest", report: [], aux: nil))
        let error = await #expect(throws: AttestationProviderError.self) {
            try await empty.evidence(reportData: [UInt8](repeating: 0, count: 64))
        }
        #expect(error?.code == .failed)
        let badTable = try ConfigFSTSMProvider(
            root: root, makeReportFolder: Self.fakeKernel(provider: "sev_guest", report: [1], aux: [1, 2, 3]))
        let malformed = await #expect(throws: AttestationProviderError.self) {
            try await badTable.evidence(reportData: [UInt8](repeating: 0, count: 64))
        }
        #expect(malformed?.code == .malformed)
    }
    @Test func missingInterfaceIsAClearError() {
        let error = #expect(throws: AttestationProviderError.self) {
            try ConfigFSTSMProvider(root: URL(fileURLWithPath: "/nonexistent/tsm/report"))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("--dev") == true)
    }

    @Test func unsupportedProviderIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tsm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        // A plain folder yields no provider name, as an unknown TEE would.
        let error = #expect(throws: AttestationProviderError.self) { try ConfigFSTSMProvider(root: root) }
        #expect(error?.code == .unavailable)
    }

    @Test func certificateTableRoundTripsAndRejectsBadOffsets() throws {
        let vcek = [UInt8](repeating: 1, count: 100)
        let ask = [UInt8](repeating: 2, count: 50)
        let ark = [UInt8](repeating: 3, count: 70)
        let table = SEVSNPCertificateTable.build(vcek: vcek, ask: ask, ark: ark)
        let parsed = try SEVSNPCertificateTable.parse(table)
        #expect(parsed.orderedChain == [vcek, ask, ark])
        #expect(parsed.entries["63da758d-e664-4564-adc5-f4b93be8accd"] == vcek)
        var bad = table
        bad[16] = 0xff  // VCEK offset far past the end
        bad[17] = 0xff
        #expect(throws: AttestationProviderError.self) { try SEVSNPCertificateTable.parse(bad) }
        #expect(throws: AttestationProviderError.self) { try SEVSNPCertificateTable.parse(Array(table.prefix(30))) }
        #expect(throws: AttestationProviderError.self) { try SEVSNPCertificateTable.parse([]) }
    }
}

/// A TDX guest through configfs-tsm, with Intel's collateral from the operator's file: the
/// evidence a client gets carries both and verifies (under the root that made the fake quote).
@Suite struct TDXCollateralAttachingProviderTests {
    @Test func aTDXGuestsQuoteComesWithTheCollateralFile() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tsm-tdx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let now = Date()
        let builder = try TDXEvidenceBuilder(
            keys: .random(), organization: "Sotto tests (NOT INTEL)",
            validity: now.addingTimeInterval(-86_400)...now.addingTimeInterval(86_400))
        let reportData = [UInt8](repeating: 0x42, count: 64)
        let quote = try builder.quote(
            TDXEvidenceBuilder.TDFields(
                mrTD: [UInt8](repeating: 1, count: 48), rtmrs: (0..<4).map { _ in [UInt8](repeating: 2, count: 48) },
                reportData: reportData))
        let collateral = try builder.collateral(
            TDXEvidenceBuilder.CollateralTerms(
                issueDate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(3600)))
        let file = root.appendingPathComponent("collateral.json")
        try Data(collateral).write(to: file)
        let tsm = root.appendingPathComponent("tsm")
        try FileManager.default.createDirectory(at: tsm, withIntermediateDirectories: true)
        let guest = try ConfigFSTSMProvider(
            root: tsm,
            makeReportFolder: ConfigFSTSMProviderTests.fakeKernel(provider: "tdx_guest", report: quote, aux: nil))
        let provider = try TDXCollateralAttachingProvider(guest, collateralFile: file)
        #expect(provider.platform == .tdx)
        #expect(!provider.isSimulated)
        let evidence = try await provider.evidence(reportData: reportData)
        #expect(evidence.report.bytes == quote)
        #expect(evidence.collateral?.bytes == collateral)
        let verified = try builder.verifier.verify(
            TDXQuote(bytes: evidence.report.bytes), collateral: TDXCollateral(json: collateral), at: now)
        #expect(verified.quote.quote.body.reportData == reportData)

        // A file that is not collateral is refused at start, and one that goes bad later fails
        // the answer instead of serving a quote without it.
        let bad = root.appendingPathComponent("bad.json")
        try Data("{}".utf8).write(to: bad)
        #expect(throws: AttestationProviderError.self) {
            try TDXCollateralAttachingProvider(guest, collateralFile: bad)
        }
        try FileManager.default.removeItem(at: file)
        await #expect(throws: AttestationProviderError.self) { try await provider.evidence(reportData: reportData) }
        // Not for an SEV-SNP guest.
        let snp = try ConfigFSTSMProvider(
            root: tsm,
            makeReportFolder: ConfigFSTSMProviderTests.fakeKernel(provider: "sev_guest", report: [1], aux: nil))
        #expect(throws: AttestationProviderError.self) {
            try TDXCollateralAttachingProvider(snp, collateralFile: bad)
        }
    }
}

/// Collateral fetched from a PCCS (a fake one on loopback): assembled into dcap-qvl's JSON with
/// the TCB info and QE identity exactly as signed, for the quote's FMSPC and PCK CA, cached in
/// the data folder and served from there while the PCCS is down and the copy is current.
@Suite struct TDXCollateralSourceTests {
    @Test func collateralFromAPCCSVerifiesAndIsCached() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pccs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let now = Date()
        let builder = try TDXEvidenceBuilder(
            keys: .random(), organization: "Sotto tests (NOT INTEL)",
            validity: now.addingTimeInterval(-86_400)...now.addingTimeInterval(86_400))
        let quote = try builder.quote(
            TDXEvidenceBuilder.TDFields(
                mrTD: [UInt8](repeating: 1, count: 48), rtmrs: (0..<4).map { _ in [UInt8](repeating: 2, count: 48) },
                reportData: [UInt8](repeating: 3, count: 64)))
        var terms = TDXEvidenceBuilder.CollateralTerms(
            issueDate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(3600))
        terms.tcbStatus = "SWHardeningNeeded"
        terms.advisoryIDs = ["INTEL-SA-00837"]
        let pccs = try await FakePCCS.start(collateral: try builder.collateral(terms))
        let source = TDXCollateralSource(.pccs(baseURL: pccs.url, cacheFolder: folder), refreshInterval: 0)
        let collateral = try await source.current(for: quote, now: now)
        let verified = try builder.verifier.verify(
            TDXQuote(bytes: quote), collateral: TDXCollateral(json: collateral),
            policy: TDXPolicy(acceptedStatuses: [.swHardeningNeeded]), at: now)
        #expect(verified.advisoryIDs == ["INTEL-SA-00837"])
        #expect(verified.revocationListsChecked == ["root CA CRL", "PCK CRL"])
        let fmspc = Hex.encode(builder.platform.fmspc).uppercased()
        #expect(pccs.requests.contains("/tdx/certification/v4/tcb?fmspc=\(fmspc)"))
        #expect(pccs.requests.contains("/sgx/certification/v4/pckcrl?ca=platform&encoding=der"))

        // The PCCS down: the cached copy while its TCB info is current, then nothing.
        pccs.setFailing(true)
        #expect(try await source.current(for: quote, now: now) == collateral)
        await #expect(throws: AttestationProviderError.self) {
            try await source.current(for: quote, now: now.addingTimeInterval(7200))
        }
        let empty = TDXCollateralSource(
            .pccs(baseURL: pccs.url, cacheFolder: folder.appendingPathComponent("none")), refreshInterval: 0)
        await #expect(throws: AttestationProviderError.self) { try await empty.current(for: quote, now: now) }
    }
}
