import Crypto
import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// One development authority for the whole run: creating one generates two RSA-4096 keys,
/// which takes seconds in a debug build. Tests that damage files work on copies of its folder.
enum SharedAuthority {
    static let dataDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("sotto-dev-attestation-\(UUID().uuidString)", isDirectory: true)
    static let folder = DevelopmentAuthority.folder(inDataDirectory: dataDirectory)

    private static let creation = Task { () throws -> DevelopmentAuthority in
        // Swift Testing has no run-wide teardown; remove the folder when the process ends.
        atexit { try? FileManager.default.removeItem(at: SharedAuthority.dataDirectory) }
        return try await DevelopmentAuthority.loadOrCreate(in: folder)
    }

    static func authority() async throws -> DevelopmentAuthority {
        try await creation.value
    }

    /// A copy of the shared folder that a test may damage.
    static func copy() async throws -> URL {
        _ = try await authority()
        let copy = FileManager.default.temporaryDirectory
            .appendingPathComponent("sotto-dev-attestation-copy-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.copyItem(at: folder, to: copy)
        return copy
    }
}

/// Files in a fresh temporary folder; each test removes its own.
struct ScratchFolder {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("sotto-scratch-\(UUID().uuidString)", isDirectory: true)

    init() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }
}

func fileMode(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite struct DevelopmentAttestationTests {
    let reportData = SecureRandom.bytes(64)
    let measurement = SecureRandom.bytes(48)

    func evidence() async throws -> (DevelopmentAuthority, AttestationEvidence) {
        let authority = try await SharedAuthority.authority()
        let provider = try DevelopmentSEVSNPProvider(authority: authority, measurement: measurement)
        #expect(provider.platform == .sevSNP)
        #expect(provider.isSimulated)
        return (authority, try await provider.evidence(reportData: reportData))
    }

    /// The evidence split as a client splits it: report, leaf, and the ASK/ARK chain.
    func parts(_ evidence: AttestationEvidence) throws -> (SEVSNPReport, [UInt8], AMDCertificates.Chain) {
        let certificates = evidence.certificates.map(\.bytes)
        try #require(certificates.count == 3)
        let chain = AMDCertificates.Chain(
            intermediate: try AMDCertificate(derEncoded: certificates[1]),
            root: try AMDCertificate(derEncoded: certificates[2]))
        return (try SEVSNPReport(bytes: evidence.report.bytes), certificates[0], chain)
    }

    // MARK: The evidence

    @Test func evidenceVerifiesWithTheProductionVerifierUnderTheDevelopmentRoot() async throws {
        let (authority, evidence) = try await evidence()
        let (report, leaf, chain) = try parts(evidence)
        #expect(report.bytes.count == 1184)
        #expect(chain.root == authority.ark)

        let verifier = SEVSNPVerifier(trustedRoots: [.genoa: authority.ark])
        let verified = try verifier.verify(report: report, endorsementKey: leaf, chain: chain, at: Date())
        #expect(verified.product == .genoa)
        #expect(verified.signingKey == .vcek)
        #expect(verified.report.reportData == reportData)
        #expect(verified.report.measurement == measurement)
        #expect(verified.report.version == 3)
        #expect(verified.report.vmpl == 0)
        #expect(!verified.report.policy.debug)
        #expect(verified.report.policy.reservedMustBeOne)
        #expect(verified.report.cpuid?.product == .genoa)
        #expect(verified.report.chipID == authority.chipID)
        #expect(verified.report.reportedTCB == authority.tcb)
        #expect(verified.endorsementKey.extensions.productName == "Genoa-B1")
        #expect(verified.endorsementKey.extensions.hardwareID == authority.chipID)
        for certificate in [authority.ark, authority.ask, authority.vcek] {
            #expect(certificate.subjectCommonName.hasSuffix("(NOT AMD)"))
        }
        #expect(authority.ark.subjectCommonName == "Sotto Development ARK (NOT AMD)")
        #expect(authority.vcek.issuerCommonName == "Sotto Development ASK (NOT AMD)")
    }

    /// The client's development trust trusts the development ARK for every product; the
    /// verifier must pick the product the endorsement key names, whatever the dictionary order.
    @Test func evidenceVerifiesWhenTheDevelopmentRootIsTrustedForEveryProduct() async throws {
        let (authority, evidence) = try await evidence()
        let (report, leaf, chain) = try parts(evidence)
        let ark = authority.ark
        let verifier = SEVSNPVerifier(trustedRoots: [.milan: ark, .genoa: ark, .turin: ark])
        // Repeat with fresh dictionaries: their order varies, the verdict must not.
        for _ in 0..<8 {
            let verifier = SEVSNPVerifier(trustedRoots: [.turin: ark, .genoa: ark, .milan: ark])
            let verified = try verifier.verify(report: report, endorsementKey: leaf, chain: chain, at: Date())
            #expect(verified.report.reportData == reportData)
        }
        let verified = try verifier.verify(report: report, endorsementKey: leaf, chain: chain, at: Date())
        #expect(verified.product == .genoa)
    }

    @Test func amdsPinnedRootsRefuseIt() async throws {
        let (_, evidence) = try await evidence()
        let (report, leaf, chain) = try parts(evidence)
        let error = try #require(throws: AttestationError.self) {
            try SEVSNPVerifier().verify(report: report, endorsementKey: leaf, chain: chain, at: Date())
        }
        #expect(error.code == .untrustedRoot)
        #expect(error.message.contains("Sotto Development ARK (NOT AMD)"))
    }

    @Test func anAlteredReportDoesNotVerify() async throws {
        let (authority, evidence) = try await evidence()
        let (report, leaf, chain) = try parts(evidence)
        var bytes = report.bytes
        bytes[0x90] ^= 1  // one bit of MEASUREMENT
        let error = try #require(throws: AttestationError.self) {
            try SEVSNPVerifier(trustedRoots: authority.trustedRoots).verify(
                report: try SEVSNPReport(bytes: bytes), endorsementKey: leaf, chain: chain, at: Date())
        }
        #expect(error.code == .reportSignature)
    }

    @Test func eachReportCarriesItsOwnReportData() async throws {
        let authority = try await SharedAuthority.authority()
        let provider = DevelopmentSEVSNPProvider(
            authority: authority,
            measurement: try LaunchMeasurement(
                executableSHA256: [UInt8](repeating: 1, count: 32), modelSHA256: nil,
                configurationSHA256: [UInt8](repeating: 2, count: 32)))
        let first = try provider.report(reportData: [UInt8](repeating: 0xAA, count: 64))
        let second = try provider.report(reportData: [UInt8](repeating: 0xBB, count: 64))
        #expect(first.reportData == [UInt8](repeating: 0xAA, count: 64))
        #expect(second.reportData == [UInt8](repeating: 0xBB, count: 64))
        #expect(first.measurement == second.measurement)
        #expect(first.reportID == second.reportID)

        await #expect(throws: AttestationProviderError.self) { try await provider.evidence(reportData: [1, 2, 3]) }
        #expect(throws: AttestationProviderError.self) {
            try DevelopmentSEVSNPProvider(authority: authority, measurement: [UInt8](repeating: 0, count: 32))
        }
    }

    @Test func theGatewayServesEvidenceThatBindsItsKeysAndTheNonce() async throws {
        let authority = try await SharedAuthority.authority()
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let release = try DevelopmentReleaseKey.loadOrCreate(in: scratch.url)
        let provider = try DevelopmentSEVSNPProvider(authority: authority, measurement: measurement)
        let manifest = try release.signManifest(
            measurement: measurement, version: "0.1.0-dev", modelSHA256: [UInt8](repeating: 0, count: 32),
            configurations: [.testing])
        let gateway = Gateway(
            keys: ChannelKeyRing(clock: { UInt64(Date().timeIntervalSince1970) }), provider: provider,
            backend: ScriptedBackend(), manifest: manifest, configuration: .testing, logger: LogCapture().logger())
        let nonce = SecureRandom.bytes(32)
        let body = Array(try JSONEncoder().encode(AttestationRequest(nonce: nonce)))
        guard case .complete(200, _, let bytes) = await gateway.attestation(body: body) else {
            Issue.record("attestation did not answer 200")
            return
        }
        let response = try JSONDecoder().decode(AttestationResponse.self, from: Data(bytes))
        let (report, leaf, chain) = try parts(response.evidence)
        let verified = try SEVSNPVerifier(trustedRoots: authority.trustedRoots).verify(
            report: report, endorsementKey: leaf, chain: chain, at: Date())
        #expect(
            verified.report.reportData
                == (try KeyBinding.reportData(keys: response.keys, configuration: .testing, nonce: nonce)))
        #expect(response.configuration == .testing)
        let signed = try response.manifest.verify(trustedSigners: [release.publicKey])
        #expect(signed.measurement == Hex.encode(verified.report.measurement))
    }

    // MARK: The folder

    @Test func aSecondLoadGivesTheSameAuthority() async throws {
        let first = try await SharedAuthority.authority()
        #expect(first.wasCreated)
        let again = try DevelopmentAuthority.load(from: SharedAuthority.folder)
        #expect(!again.wasCreated)
        #expect(again.ark == first.ark)
        #expect(again.ask == first.ask)
        #expect(again.vcek == first.vcek)
        #expect(again.chipID == first.chipID)
        #expect(again.tcb == first.tcb)
        // loadOrCreate on a complete folder loads; it does not create.
        let loaded = try await DevelopmentAuthority.loadOrCreate(in: SharedAuthority.folder)
        #expect(!loaded.wasCreated)
        #expect(loaded.vcek == first.vcek)
        // A report from the reloaded VCEK key verifies under the first load's certificate.
        let report = try DevelopmentSEVSNPProvider(authority: again, measurement: measurement)
            .report(reportData: reportData)
        _ = try SEVSNPVerifier(trustedRoots: first.trustedRoots).verify(
            report: report, endorsementKey: first.vcek.derRepresentation,
            chain: AMDCertificates.Chain(intermediate: first.ask, root: first.ark), at: Date())
    }

    /// An authority an older version made (Milan, which clients now refuse by default) is set
    /// aside and replaced when `serve --dev` asks for it; a current one, or one made on purpose
    /// for a product, is kept.
    @Test func anOutdatedAuthorityIsSetAsideAndRenewedOnlyWhenAsked() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let folder = DevelopmentAuthority.folder(inDataDirectory: scratch.url)
        let milan = try await DevelopmentAuthority.loadOrCreate(in: folder, product: .milan)
        let release = try DevelopmentReleaseKey.loadOrCreate(in: folder)
        #expect(milan.outdatedReason?.contains("Milan") == true)
        let kept = try await DevelopmentAuthority.loadOrCreate(in: folder, product: .milan)
        #expect(kept.ark == milan.ark && kept.replacedFolder == nil)

        let renewed = try await DevelopmentAuthority.loadOrCreate(in: folder, renewingOutdated: true)
        #expect(renewed.wasCreated)
        #expect(renewed.product == DevelopmentAuthority.defaultProduct)
        #expect(renewed.outdatedReason == nil)
        #expect(renewed.ark != milan.ark)
        let aside = try #require(renewed.replacedFolder)
        #expect(aside.lastPathComponent.hasPrefix(DevelopmentAuthority.replacedFolderPrefix))
        #expect(aside.deletingLastPathComponent().standardizedFileURL == scratch.url.standardizedFileURL)
        // Nothing is lost: the old authority loads from where it was set aside, and the release
        // key stays where it was.
        #expect(try DevelopmentAuthority.load(from: aside).ark == milan.ark)
        #expect(try DevelopmentReleaseKey.loadOrCreate(in: folder).publicKey == release.publicKey)
        // A current authority is not renewed again.
        let again = try await DevelopmentAuthority.loadOrCreate(in: folder, renewingOutdated: true)
        #expect(again.ark == renewed.ark && again.replacedFolder == nil && !again.wasCreated)
    }

    @Test func theCertificatesHaveAMDsLifetimes() async throws {
        let authority = try await SharedAuthority.authority()
        let year = 365.25 * 86_400
        let now = Date()
        for (certificate, years) in [(authority.ark, 25.0), (authority.ask, 25.0), (authority.vcek, 7.0)] {
            #expect(certificate.notValidBefore <= now)
            #expect(abs(certificate.notValidAfter.timeIntervalSince(now) - years * year) < 2 * 86_400)
        }
        #expect(authority.vcek.serialNumber == [0])
        #expect(authority.chipID.count == 64)
        #expect(authority.chipID.contains { $0 != 0 })
    }

    @Test func filesHaveTheRightModesAndAReadme() async throws {
        _ = try await SharedAuthority.authority()
        let folder = SharedAuthority.folder
        for name in ["ark.key", "ask.key", "vcek.key"] {
            #expect(try fileMode(folder.appendingPathComponent(name)) == 0o600, "\(name)")
        }
        for name in ["ark.pem", "ask.pem", "vcek.pem", "README.txt"] {
            #expect(try fileMode(folder.appendingPathComponent(name)) == 0o644, "\(name)")
        }
        #expect(try fileMode(folder) == 0o700)
        let readme = try String(contentsOf: folder.appendingPathComponent("README.txt"), encoding: .utf8)
        #expect(readme.contains("NOT AMD"))
        #expect(readme.contains("development"))
        let pem = try String(contentsOf: folder.appendingPathComponent("vcek.key"), encoding: .utf8)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        // Nothing but the authority, the README and (later) the release key: no temporary leftovers.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(
            Set(names).isSubset(of: [
                "ark.pem", "ask.pem", "vcek.pem", "ark.key", "ask.key", "vcek.key",
                "README.txt", "release.key",
            ]))
    }

    @Test(arguments: DevelopmentAuthority.File.allCases)
    func aCorruptFileGivesAClearErrorAndStaysUntouched(_ file: DevelopmentAuthority.File) async throws {
        let folder = try await SharedAuthority.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(file.rawValue)
        // Half of the real file: a PEM block cut short, the realistic corruption.
        let original = try Data(contentsOf: url)
        let damaged = original.prefix(original.count / 2)
        try damaged.write(to: url)

        let error = try #require(throws: DevelopmentAttestationError.self) {
            try DevelopmentAuthority.load(from: folder)
        }
        #expect(error.code == .corrupt)
        #expect(error.file == file.rawValue)
        #expect(error.message.contains(file.rawValue))
        // The message quotes nothing of the file: no line of a key or certificate.
        for line in String(decoding: damaged, as: UTF8.self).split(separator: "\n") where line.count > 8 {
            #expect(!error.message.contains(line))
        }
        // Starting the server again reports the same and still does not regenerate.
        let again = await #expect(throws: DevelopmentAttestationError.self) {
            try await DevelopmentAuthority.loadOrCreate(in: folder)
        }
        #expect(again?.code == .corrupt)
        #expect(try Data(contentsOf: url) == damaged)
    }

    @Test func garbageInAFileIsCorruptToo() async throws {
        let folder = try await SharedAuthority.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["ark.pem", "vcek.key"] {
            let url = folder.appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            try Data([0xFF, 0xFE, 0x00, 0x42]).write(to: url)
            let error = try #require(throws: DevelopmentAttestationError.self) {
                try DevelopmentAuthority.load(from: folder)
            }
            #expect(error.code == .corrupt)
            #expect(error.file == name)
            try original.write(to: url)
        }
        _ = try DevelopmentAuthority.load(from: folder)
    }

    @Test func filesOfDifferentAuthoritiesAreAMismatch() async throws {
        let folder = try await SharedAuthority.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The ASK's key where the ARK's belongs: each file is valid, together they are not.
        let arkKey = folder.appendingPathComponent("ark.key")
        let askKey = try Data(contentsOf: folder.appendingPathComponent("ask.key"))
        try askKey.write(to: arkKey)
        let error = try #require(throws: DevelopmentAttestationError.self) {
            try DevelopmentAuthority.load(from: folder)
        }
        #expect(error.code == .mismatch)
        #expect(error.file == "ark.key")
        #expect(try Data(contentsOf: arkKey) == askKey)
    }

    @Test func aPartialFolderIsReportedAndNotCompleted() async throws {
        let folder = try await SharedAuthority.copy()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("vcek.key"))
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let error = await #expect(throws: DevelopmentAttestationError.self) {
            try await DevelopmentAuthority.loadOrCreate(in: folder)
        }
        #expect(error?.code == .incomplete)
        #expect(error?.file == "vcek.key")
        #expect(error?.message.contains("vcek.key") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == before)
    }

    @Test func anExpiredAuthorityIsReported() async throws {
        _ = try await SharedAuthority.authority()
        let later = Date().addingTimeInterval(8 * 365.25 * 86_400)
        let error = try #require(throws: DevelopmentAttestationError.self) {
            try DevelopmentAuthority.load(from: SharedAuthority.folder, now: later)
        }
        #expect(error.code == .expired)
        #expect(error.message.contains("VCEK"))
    }

    // MARK: The release key and manifest

    @Test func theManifestVerifiesUnderTheReleaseKeyAndNamesTheMeasurement() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let key = try DevelopmentReleaseKey.loadOrCreate(in: scratch.url)
        #expect(key.wasCreated)
        let modelSHA256 = SecureRandom.bytes(32)
        let signed = try key.signManifest(
            measurement: measurement, version: "0.1.0-dev", modelSHA256: modelSHA256, configurations: [.testing],
            securityVersion: 4, issuedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let manifest = try signed.verify(trustedSigners: [key.publicKey])
        #expect(manifest.measurement == Hex.encode(measurement))
        #expect(manifest.modelSHA256 == Hex.encode(modelSHA256))
        #expect(manifest.version == "0.1.0-dev")
        #expect(manifest.issuedAt == 1_800_000_000)
        #expect(manifest.securityVersion == 4)
        #expect(manifest.expiresAt == 1_800_000_000 + 365 * 24 * 3600)
        #expect(manifest.configurations == [ServerConfiguration.testing.digestHex])
        #expect(throws: ManifestError.self) { try signed.verify(trustedSigners: [SecureRandom.bytes(32)]) }
        #expect(throws: ManifestError.self) {
            try key.signManifest(measurement: [1, 2], version: "x", modelSHA256: modelSHA256, configurations: [])
        }

        let file = scratch.url.appendingPathComponent("release.key")
        #expect(try fileMode(file) == 0o600)
        #expect(try Data(contentsOf: file).count == 32)
        let again = try DevelopmentReleaseKey.loadOrCreate(in: scratch.url)
        #expect(!again.wasCreated)
        #expect(again.publicKey == key.publicKey)
    }

    @Test func theManifestOfAMeasurementNamesItsModelDigest() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let key = try DevelopmentReleaseKey.loadOrCreate(in: scratch.url)
        let measured = try LaunchMeasurement.measure(
            executable: try scratch.write([1, 2, 3], "server"), model: nil, configuration: Array("{}".utf8))
        let manifest = try key.signManifest(for: measured, configuration: .testing, version: "dev")
            .verify(trustedSigners: [key.publicKey])
        #expect(manifest.measurement == measured.hex)
        #expect(manifest.modelSHA256 == String(repeating: "0", count: 64))
    }

    @Test func aCorruptReleaseKeyIsReportedAndUntouched() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let damaged = try scratch.write(SecureRandom.bytes(31), "release.key")
        let before = try Data(contentsOf: damaged)
        let error = try #require(throws: DevelopmentAttestationError.self) {
            try DevelopmentReleaseKey.loadOrCreate(in: scratch.url)
        }
        #expect(error.code == .corrupt)
        #expect(error.file == "release.key")
        #expect(try Data(contentsOf: damaged) == before)
    }

    // MARK: The measurement

    @Test func theMeasurementFollowsItsDefinition() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let executable = SecureRandom.bytes(1000)
        let model = SecureRandom.bytes(3000)
        let configuration = Array(#"{"max_tokens":512}"#.utf8)
        let measured = try LaunchMeasurement.measure(
            executable: try scratch.write(executable, "sotto-server"), model: try scratch.write(model, "model.gguf"),
            configuration: configuration)
        // Computed here with swift-crypto, independently of the server's libsodium hashing.
        func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
        let input = Array("sotto/measurement/v1".utf8) + sha256(executable) + sha256(model) + sha256(configuration)
        #expect(measured.bytes == Array(SHA384.hash(data: input)))
        #expect(measured.bytes.count == 48)
        #expect(measured.hex.count == 96)

        let noModel = try LaunchMeasurement.measure(
            executable: scratch.url.appendingPathComponent("sotto-server"), model: nil, configuration: configuration)
        let zeroInput =
            Array("sotto/measurement/v1".utf8) + sha256(executable) + [UInt8](repeating: 0, count: 32)
            + sha256(configuration)
        #expect(noModel.bytes == Array(SHA384.hash(data: zeroInput)))
        #expect(noModel.modelSHA256 == [UInt8](repeating: 0, count: 32))
    }

    @Test func theMeasurementChangesWithTheExecutableTheModelOrTheConfiguration() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        var executable = SecureRandom.bytes(4096)
        var model = SecureRandom.bytes(4096)
        func measure(_ configuration: String = "a=1") throws -> LaunchMeasurement {
            try LaunchMeasurement.measure(
                executable: try scratch.write(executable, "server"), model: try scratch.write(model, "model"),
                configuration: Array(configuration.utf8))
        }
        let base = try measure()
        #expect(try measure() == base)
        executable[4095] ^= 1
        let changedExecutable = try measure()
        #expect(changedExecutable != base)
        executable[4095] ^= 1
        model[0] ^= 0x80
        let changedModel = try measure()
        #expect(changedModel != base)
        model[0] ^= 0x80
        #expect(try measure() == base)
        #expect(try measure("a=2") != base)
        #expect(Set([base.bytes, changedExecutable.bytes, changedModel.bytes]).count == 3)
    }

    @Test func filesAreHashedInChunksAcrossTheirWholeLength() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // Over three 1 MiB read chunks, ending part way into a chunk.
        let big = SecureRandom.bytes(3 << 20 + 17)
        let url = try scratch.write(big, "big")
        #expect(try LaunchMeasurement.sha256(fileAt: url) == Array(SHA256.hash(data: big)))
        let empty = try scratch.write([], "empty")
        #expect(try LaunchMeasurement.sha256(fileAt: empty) == Array(SHA256.hash(data: [UInt8]())))
    }

    @Test func aMissingFileNamesItself() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let missing = scratch.url.appendingPathComponent("no-such-model.gguf")
        let error = try #require(throws: MeasurementError.self) {
            try LaunchMeasurement.measure(
                executable: try scratch.write([1], "server"), model: missing, configuration: [])
        }
        #expect(error.code == .unreadable)
        #expect(error.message.contains("no-such-model.gguf"))
        #expect(error.message.contains("model file"))
    }
}
