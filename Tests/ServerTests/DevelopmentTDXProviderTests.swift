import Crypto
import Foundation
import Server
import Testing
import Wire

/// `serve --dev --platform tdx`'s authority and provider: the keys are made once (owner-only)
/// and the same root comes back on every start; a damaged folder is reported, never replaced;
/// the evidence is a quote with the provider's registers and report data, whose collateral
/// passes the production verifier under the development root only.
@Suite struct DevelopmentTDXProviderTests {
    static func launch(_ executable: UInt8 = 1) throws -> LaunchMeasurement {
        try LaunchMeasurement(
            executableSHA256: [UInt8](repeating: executable, count: 32), modelSHA256: nil,
            configurationSHA256: [UInt8](repeating: 2, count: 32))
    }

    @Test func theKeysAreMadeOnceAndTheRootStaysTheSame() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let folder = DevelopmentTDXAuthority.folder(inDevelopmentFolder: scratch.url)
        let first = try DevelopmentTDXAuthority.loadOrCreate(in: folder)
        #expect(first.wasCreated)
        let again = try DevelopmentTDXAuthority.loadOrCreate(in: folder)
        #expect(!again.wasCreated)
        #expect(again.builder.root.publicKey == first.builder.root.publicKey)
        #expect(again.builder.root.subject == first.builder.root.subject)
        for name in ["root.key", "pck-ca.key", "pck.key", "tcb-signing.key", "attestation.key"] {
            #expect(try fileMode(folder.appendingPathComponent(name)) == 0o600, "\(name)")
        }
        // Every certificate says it is not Intel's.
        #expect(first.builder.root.subject.description.contains("NOT INTEL"))
        #expect(first.builder.pck.subject.description.contains("NOT INTEL"))
    }

    @Test func aDamagedFolderIsReportedNotReplaced() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let folder = DevelopmentTDXAuthority.folder(inDevelopmentFolder: scratch.url)
        _ = try DevelopmentTDXAuthority.loadOrCreate(in: folder)
        let pck = folder.appendingPathComponent("pck.key")
        try Data("not a key".utf8).write(to: pck)
        #expect(throws: DevelopmentAttestationError.self) { try DevelopmentTDXAuthority.loadOrCreate(in: folder) }
        do {
            _ = try DevelopmentTDXAuthority.loadOrCreate(in: folder)
        } catch {
            #expect(error.code == .corrupt)
        }
        try FileManager.default.removeItem(at: pck)
        do {
            _ = try DevelopmentTDXAuthority.loadOrCreate(in: folder)
            Issue.record("a folder missing a key was accepted")
        } catch {
            #expect(error.code == .incomplete)
            #expect(error.message.contains("pck.key"))
        }
        #expect(!FileManager.default.fileExists(atPath: pck.path))
    }

    @Test func itsEvidenceVerifiesUnderTheDevelopmentRootOnly() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let authority = try DevelopmentTDXAuthority.loadOrCreate(
            in: DevelopmentTDXAuthority.folder(inDevelopmentFolder: scratch.url))
        let now = Date()
        let provider = DevelopmentTDXProvider(authority: authority, measurement: try Self.launch(), clock: { now })
        #expect(provider.platform == .tdx)
        #expect(provider.isSimulated)
        let reportData = (0..<64).map { UInt8($0) }
        let evidence = try await provider.evidence(reportData: reportData)
        #expect(evidence.certificates.isEmpty)
        let quote = try TDXQuote(bytes: evidence.report.bytes)
        let collateral = try TDXCollateral(json: try #require(evidence.collateral).bytes)
        let verified = try authority.builder.verifier.verify(quote, collateral: collateral, at: now)
        #expect(verified.quote.quote.body.reportData == reportData)
        #expect(Hex.encode(verified.quote.quote.body.mrTD) == provider.measurement.mrtd)
        #expect(verified.quote.quote.body.rtmrs.map { Hex.encode($0) } == provider.measurement.rtmrs)
        // The registers follow the launch measurement.
        #expect(
            DevelopmentTDXProvider.registers(for: try Self.launch(9)).mrTD
                != DevelopmentTDXProvider.registers(for: try Self.launch()).mrTD)
        // Intel's pinned root does not know it, and 63 bytes of report data are refused.
        #expect(throws: TDXError.self) { try TDXVerifier().verify(quote, collateral: collateral, at: now) }
        await #expect(throws: AttestationProviderError.self) {
            try await provider.evidence(reportData: Array(reportData.dropLast()))
        }
    }
}
