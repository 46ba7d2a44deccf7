import Foundation
import Wire

/// Simulated SEV-SNP attestation for `sotto-server serve --dev`: real ATTESTATION_REPORTs
/// (version 3, 1184 bytes) laid out as the authority's product's firmware would lay them out, signed
/// with the development VCEK and served with the development chain.
///
/// A client checks them with the production `SEVSNPVerifier` and nothing else differs from
/// hardware evidence but the trusted root, so development exercises the real verification
/// path. The reports prove nothing: whoever holds the development keys can make them.
public struct DevelopmentSEVSNPProvider: AttestationProvider {
    /// SEV-SNP: the evidence has exactly that format.
    public var platform: AttestationPlatform { .sevSNP }
    /// Always true: clients label the evidence and trust it only with `--dev`.
    public var isSimulated: Bool { true }
    /// The authority whose VCEK signs the reports.
    public let authority: DevelopmentAuthority
    /// The 48 bytes every report carries in MEASUREMENT.
    public let measurement: [UInt8]
    /// REPORT_ID: random per provider, as the firmware picks one per guest at launch.
    let reportID: [UInt8]
    /// The guest policy its reports carry (tests set the debug bit to check clients refuse it).
    public let policy: UInt64

    /// Guest policy: ABI 0.0, SMT allowed (bit 16), the reserved bit 17 that must be one;
    /// debugging, migration agents and everything else off.
    public static let guestPolicy: UInt64 = 0x3_0000
    /// PLATFORM_INFO: SMT enabled, as on a typical cloud host.
    public static let platformInfo: UInt64 = 0x1
    /// CPUID family, model and stepping of a part of `product`: EPYC 7003 (Milan) B0, EPYC 9004
    /// (Genoa) B1, EPYC 9005 (Turin).
    public static func cpuid(for product: SEVSNPProduct) -> (family: UInt8, model: UInt8, stepping: UInt8) {
        switch product {
        case .milan: (0x19, 0x01, 0x00)
        case .genoa: (0x19, 0x11, 0x01)
        case .turin: (0x1A, 0x02, 0x01)
        }
    }
    /// SEV firmware 1.55 build 21 (a released firmware version; the same for every product here).
    public static let firmware: (major: UInt8, minor: UInt8, build: UInt8) = (1, 55, 21)

    /// A provider whose reports carry `measurement`.
    /// - Throws: `AttestationProviderError` `.failed` unless `measurement` is 48 bytes.
    public init(authority: DevelopmentAuthority, measurement: [UInt8], policy: UInt64 = guestPolicy) throws {
        guard measurement.count == LaunchMeasurement.byteCount else {
            throw AttestationProviderError(
                .failed, "a measurement is \(LaunchMeasurement.byteCount) bytes (SHA-384), got \(measurement.count)")
        }
        self.authority = authority
        self.measurement = measurement
        self.reportID = SecureRandom.bytes(32)
        self.policy = policy
    }

    /// A provider whose reports carry `measurement`.
    public init(authority: DevelopmentAuthority, measurement: LaunchMeasurement, policy: UInt64 = guestPolicy) {
        self.authority = authority
        self.measurement = measurement.bytes
        self.reportID = SecureRandom.bytes(32)
        self.policy = policy
    }

    /// A signed report with `reportData` in REPORT_DATA, and the chain VCEK, ASK, ARK.
    /// - Throws: `AttestationProviderError` `.failed` unless `reportData` is 64 bytes.
    public func evidence(reportData: [UInt8]) async throws -> AttestationEvidence {
        let report = try report(reportData: reportData)
        // Through the host's certificate table format and its parser, as configfs-tsm serves
        // the chain on hardware, so the server side is the same path too.
        let table = SEVSNPCertificateTable.build(
            vcek: authority.vcek.derRepresentation, ask: authority.ask.derRepresentation,
            ark: authority.ark.derRepresentation)
        return AttestationEvidence(
            report: report.bytes, certificates: try SEVSNPCertificateTable.parse(table).orderedChain)
    }

    /// A signed report carrying `reportData`.
    /// - Throws: `AttestationProviderError` `.failed` unless `reportData` is 64 bytes.
    public func report(reportData: [UInt8]) throws -> SEVSNPReport {
        guard reportData.count == 64 else {
            throw AttestationProviderError(.failed, "report data must be 64 bytes, got \(reportData.count)")
        }
        var bytes = [UInt8](repeating: 0, count: SEVSNPReport.size)
        func put32(_ offset: Int, _ value: UInt32) {
            for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        }
        func put64(_ offset: Int, _ value: UInt64) {
            for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        }
        func put(_ offset: Int, _ value: [UInt8]) {
            bytes.replaceSubrange(offset..<(offset + value.count), with: value)
        }
        put32(0x00, 3)  // VERSION: 3 carries CPUID, which binds the report to a product.
        put32(0x04, 0)  // GUEST_SVN
        put64(0x08, policy)
        // FAMILY_ID, IMAGE_ID (0x10–0x2F): zero, as with no ID block.
        put32(0x30, 0)  // VMPL 0: the report comes from the most privileged guest software.
        put32(0x34, SEVSNPReport.ecdsaP384SHA384)
        // One TCB everywhere, as on a platform updated and committed before this guest started:
        // CURRENT (0x38), REPORTED (0x180), COMMITTED (0x1E0), LAUNCH (0x1F0).
        for offset in [0x38, 0x180, 0x1E0, 0x1F0] { put64(offset, authority.tcb.rawValue) }
        put64(0x40, Self.platformInfo)
        put32(0x48, 0)  // SIGNING_KEY 0 (VCEK), chip key not masked, no author key.
        put(0x50, reportData)
        put(0x90, measurement)
        // HOST_DATA, ID_KEY_DIGEST, AUTHOR_KEY_DIGEST (0xC0–0x13F): zero, nothing supplied.
        put(0x140, reportID)
        put(0x160, [UInt8](repeating: 0xFF, count: 32))  // REPORT_ID_MA: no migration agent.
        let cpuid = Self.cpuid(for: authority.product)
        put(0x188, [cpuid.family, cpuid.model, cpuid.stepping])
        put(0x1A0, authority.chipID)
        put(0x1E8, [Self.firmware.build, Self.firmware.minor, Self.firmware.major])  // CURRENT_*
        put(0x1EC, [Self.firmware.build, Self.firmware.minor, Self.firmware.major])  // COMMITTED_*
        do {
            return try authority.sign(report: bytes)
        } catch {
            throw AttestationProviderError(.failed, "signing the development report failed; start the server again")
        }
    }
}
