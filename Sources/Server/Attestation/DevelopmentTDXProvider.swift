import Crypto
import DevelopmentPKI
import Foundation
import Wire
import X509

/// A development stand-in for Intel's TDX attestation hierarchy, for `sotto-server serve --dev
/// --platform tdx`: five P-256 keys (root, PCK CA, PCK, TCB signing, quoting enclave attestation
/// key) kept in `<data-dir>/dev-attestation/tdx/` (mode 0600), from which the certificates are
/// issued anew at each start in Intel's profile, their organization saying they are not Intel's.
///
/// Clients pin the root (by name and key) on first use with `--dev`, exactly as the development
/// ARK; evidence it signs passes the production `TDXVerifier` only under that pin.
public struct DevelopmentTDXAuthority: Sendable {
    /// The key files, in the order `TDXEvidenceBuilder.Keys` takes them.
    static let keyFiles = ["root.key", "pck-ca.key", "pck.key", "tcb-signing.key", "attestation.key"]
    /// What the certificates' organization says.
    public static let organization = "Sotto development authority (NOT INTEL)"

    public let folder: URL
    public let builder: TDXEvidenceBuilder
    /// True when this call created the keys.
    public let wasCreated: Bool

    /// The authority's folder inside the development folder.
    public static func folder(inDevelopmentFolder folder: URL) -> URL {
        folder.appendingPathComponent("tdx", isDirectory: true)
    }

    /// Loads the keys in `folder`, or creates them when none exist.
    /// - Throws: `DevelopmentAttestationError` `.incomplete` when only some exist, `.corrupt` when
    ///   one is not a P-256 private key, `.writeFailed` while creating.
    public static func loadOrCreate(in folder: URL) throws(DevelopmentAttestationError) -> DevelopmentTDXAuthority {
        try DevelopmentFolder.ensureExists(folder)
        let present = keyFiles.filter { DevelopmentFolder.exists($0, in: folder) }
        var created = false
        if present.isEmpty {
            for name in keyFiles {
                let pem = P256.Signing.PrivateKey().pemRepresentation
                try DevelopmentFolder.writeNew(
                    Array(pem.utf8), as: name, in: folder, mode: DevelopmentFolder.secretMode)
            }
            created = true
        } else if present.count != keyFiles.count {
            throw DevelopmentAttestationError(
                .incomplete,
                "\(folder.path) lacks \(keyFiles.filter { !present.contains($0) }.joined(separator: ", ")); delete the "
                    + "folder to make a new development TDX authority (clients must then forget the old one)")
        }
        var keys = [P256.Signing.PrivateKey]()
        for name in keyFiles {
            let text = String(decoding: try DevelopmentFolder.read(name, in: folder), as: UTF8.self)
            guard let key = try? P256.Signing.PrivateKey(pemRepresentation: text) else {
                throw DevelopmentAttestationError(
                    .corrupt, "\(folder.appendingPathComponent(name).path) is not a P-256 private key", file: name)
            }
            keys.append(key)
        }
        do {
            let builder = try TDXEvidenceBuilder(
                keys: TDXEvidenceBuilder.Keys(
                    root: keys[0], pckCA: keys[1], pck: keys[2], tcbSigning: keys[3], attestation: keys[4]),
                organization: organization,
                // 2020 to 2049: around any clock a development machine has.
                validity: Date(timeIntervalSince1970: 1_577_836_800)...Date(timeIntervalSince1970: 2_524_607_999))
            return DevelopmentTDXAuthority(folder: folder, builder: builder, wasCreated: created)
        } catch {
            throw DevelopmentAttestationError(.generationFailed, "issuing the development TDX certificates failed")
        }
    }
}

/// Simulated Intel TDX attestation for `sotto-server serve --dev --platform tdx`: version 4
/// quotes with a TD 1.0 report carrying the development measurements, and collateral issued
/// for each answer (TCB info and QE identity current for 30 days, empty revocation lists), all
/// signed by the development authority. The client checks them with the production
/// `TDXVerifier`; only the trusted root differs from hardware evidence.
public struct DevelopmentTDXProvider: AttestationProvider {
    public var platform: AttestationPlatform { .tdx }
    public var isSimulated: Bool { true }
    public let authority: DevelopmentTDXAuthority
    /// The MRTD and RTMR0–3 every quote carries.
    public let measurement: TDXMeasurement
    let mrTD: [UInt8]
    let rtmrs: [[UInt8]]
    let clock: @Sendable () -> Date
    /// The status the collateral gives the platform's TCB level, and its advisories: UpToDate
    /// unless a test asks for another, to see clients refuse or accept it.
    let tcbStatus: String
    let advisoryIDs: [String]

    public init(
        authority: DevelopmentTDXAuthority, measurement launch: LaunchMeasurement, tcbStatus: String = "UpToDate",
        advisoryIDs: [String] = [], clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.tcbStatus = tcbStatus
        self.advisoryIDs = advisoryIDs
        self.authority = authority
        (mrTD, rtmrs) = Self.registers(for: launch)
        measurement = TDXMeasurement(mrtd: mrTD, rtmrs: rtmrs)
        self.clock = clock
    }

    /// The development TD's registers: each a SHA-384 of its name and the launch measurement
    /// (which covers the server's code, settings and model), so a development release names
    /// them as a real release names what its image measures to.
    public static func registers(for launch: LaunchMeasurement) -> (mrTD: [UInt8], rtmrs: [[UInt8]]) {
        func register(_ name: String) -> [UInt8] {
            Array(SHA384.hash(data: Array("sotto/dev-tdx/\(name)\0".utf8) + launch.bytes))
        }
        return (register("mrtd"), (0..<4).map { register("rtmr\($0)") })
    }

    public func evidence(reportData: [UInt8]) async throws -> AttestationEvidence {
        guard reportData.count == 64 else {
            throw AttestationProviderError(.failed, "report data must be 64 bytes, got \(reportData.count)")
        }
        let now = clock()
        do {
            let quote = try authority.builder.quote(
                TDXEvidenceBuilder.TDFields(mrTD: mrTD, rtmrs: rtmrs, reportData: reportData))
            var terms = TDXEvidenceBuilder.CollateralTerms(
                issueDate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(30 * 86_400))
            terms.tcbStatus = tcbStatus
            terms.advisoryIDs = advisoryIDs
            let collateral = try authority.builder.collateral(terms)
            return AttestationEvidence(report: quote, certificates: [], collateral: collateral)
        } catch {
            throw AttestationProviderError(.failed, "signing the development TDX quote failed; start the server again")
        }
    }
}
