import Foundation
import Wire

/// Hardware attestation through Linux's configfs-tsm interface
/// (`/sys/kernel/config/tsm/report`), which serves SEV-SNP and TDX guests alike: create a
/// report folder, write `inblob` (the report data), read `outblob` (the report or quote),
/// `auxblob` (SEV-SNP: the certificate table) and `provider`, then remove the folder.
public struct ConfigFSTSMProvider: AttestationProvider {
    public let root: URL
    public let platform: AttestationPlatform
    public var isSimulated: Bool { false }
    /// Creates a report folder. On configfs the kernel populates it (`provider`, and
    /// `outblob` once `inblob` is written); tests pass a function that plays the kernel.
    let makeReportFolder: @Sendable (URL) throws -> Void

    /// Opens the interface under `root` (the kernel's path by default).
    /// - Throws: `AttestationProviderError.unavailable` when the folder is missing or the
    ///   provider is neither SEV-SNP nor TDX.
    public init(
        root: URL = URL(fileURLWithPath: "/sys/kernel/config/tsm/report"),
        makeReportFolder: @escaping @Sendable (URL) throws -> Void = {
            try FileManager.default.createDirectory(at: $0, withIntermediateDirectories: false)
        }
    ) throws {
        self.root = root
        self.makeReportFolder = makeReportFolder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AttestationProviderError(
                .unavailable,
                "no TEE attestation interface at \(root.path): this is not a confidential VM (use --dev to develop)")
        }
        platform = try Self.probePlatform(root: root, makeReportFolder: makeReportFolder)
    }

    private static func probePlatform(root: URL, makeReportFolder: (URL) throws -> Void) throws -> AttestationPlatform {
        // The kernel fills `provider` when a report folder is created.
        let probe = root.appendingPathComponent("sotto-probe-\(UUID().uuidString)")
        try? makeReportFolder(probe)
        defer { try? FileManager.default.removeItem(at: probe) }
        let name = (try? String(contentsOf: probe.appendingPathComponent("provider"), encoding: .utf8)) ?? ""
        switch name.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "sev_guest": return .sevSNP
        case "tdx_guest": return .tdx
        default:
            throw AttestationProviderError(
                .unavailable, "the TEE attestation provider \"\(name)\" is not supported (sev_guest or tdx_guest)")
        }
    }

    public func evidence(reportData: [UInt8]) async throws -> AttestationEvidence {
        guard reportData.count == 64 else {
            throw AttestationProviderError(.failed, "report data must be 64 bytes")
        }
        let folder = root.appendingPathComponent("sotto-\(UUID().uuidString)")
        do {
            try makeReportFolder(folder)
        } catch {
            throw AttestationProviderError(
                .failed, "cannot create a report in \(root.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try Data(reportData).write(to: folder.appendingPathComponent("inblob"))
            let report = try Data(contentsOf: folder.appendingPathComponent("outblob"))
            guard !report.isEmpty else { throw AttestationProviderError(.failed, "the TEE returned an empty report") }
            var certificates = [[UInt8]]()
            if platform == .sevSNP, let aux = try? Data(contentsOf: folder.appendingPathComponent("auxblob")),
                !aux.isEmpty
            {
                certificates = try SEVSNPCertificateTable.parse(Array(aux)).orderedChain
            }
            return AttestationEvidence(report: Array(report), certificates: certificates)
        } catch let error as AttestationProviderError {
            throw error
        } catch {
            throw AttestationProviderError(.failed, "reading the TEE report failed: \(error.localizedDescription)")
        }
    }
}

/// The SEV-SNP certificate table the host supplies with a report (`auxblob`): entries of
/// GUID (16) ‖ offset (u32 LE) ‖ length (u32 LE), ended by an all-zero entry, offsets
/// relative to the table's start.
public struct SEVSNPCertificateTable: Sendable, Hashable {
    static let vcek = "63da758d-e664-4564-adc5-f4b93be8accd"
    static let vlek = "a8074bc2-a25a-483e-aae6-39c045a0b8a1"
    static let ask = "4ab7b379-bbac-4fe4-a02f-05aef327c782"
    static let ark = "c0b406a4-a803-4952-9743-3fb6014cd0ae"

    /// DER certificates by GUID (lower-case, hyphenated).
    public let entries: [String: [UInt8]]

    /// Leaf (VCEK, else VLEK), then ASK, then ARK, as far as present.
    public var orderedChain: [[UInt8]] {
        [entries[Self.vcek] ?? entries[Self.vlek], entries[Self.ask], entries[Self.ark]].compactMap { $0 }
    }

    /// Parses a table, checking every offset and length against its size.
    /// - Throws: `AttestationProviderError.malformed`.
    public static func parse(_ bytes: [UInt8]) throws -> SEVSNPCertificateTable {
        var entries = [String: [UInt8]]()
        var offset = 0
        while true {
            guard offset + 24 <= bytes.count else {
                throw AttestationProviderError(.malformed, "the SEV-SNP certificate table has no terminating entry")
            }
            let guidBytes = Array(bytes[offset..<(offset + 16)])
            let start = Int(littleEndian32(bytes, offset + 16))
            let length = Int(littleEndian32(bytes, offset + 20))
            offset += 24
            if guidBytes.allSatisfy({ $0 == 0 }) && start == 0 && length == 0 { break }
            guard start <= bytes.count, length <= bytes.count - start else {
                throw AttestationProviderError(.malformed, "a SEV-SNP certificate table entry points outside the table")
            }
            entries[guid(guidBytes)] = Array(bytes[start..<(start + length)])
        }
        return SEVSNPCertificateTable(entries: entries)
    }

    private static func littleEndian32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    /// RFC 4122 text of a GUID stored in the little-endian (Microsoft) layout.
    static func guid(_ b: [UInt8]) -> String {
        let d1 = Hex.encode(b[0..<4].reversed())
        let d2 = Hex.encode(b[4..<6].reversed())
        let d3 = Hex.encode(b[6..<8].reversed())
        return "\(d1)-\(d2)-\(d3)-\(Hex.encode(b[8..<10]))-\(Hex.encode(b[10..<16]))"
    }

    /// The stored layout of a GUID text (tests and the development provider).
    static func guidBytes(_ text: String) -> [UInt8] {
        let hex = try! Hex.decode(text.replacingOccurrences(of: "-", with: ""))
        return Array(hex[0..<4].reversed()) + Array(hex[4..<6].reversed()) + Array(hex[6..<8].reversed())
            + Array(hex[8..<16])
    }

    /// Builds a table (the development provider serves one like the host would).
    public static func build(vcek: [UInt8], ask: [UInt8], ark: [UInt8]) -> [UInt8] {
        let items = [(Self.vcek, vcek), (Self.ask, ask), (Self.ark, ark)]
        var header = [UInt8]()
        var body = [UInt8]()
        let tableSize = 24 * (items.count + 1)
        for (id, der) in items {
            header += guidBytes(id)
            for v in [UInt32(tableSize + body.count), UInt32(der.count)] {
                header += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)]
            }
            body += der
        }
        return header + [UInt8](repeating: 0, count: 24) + body
    }
}
