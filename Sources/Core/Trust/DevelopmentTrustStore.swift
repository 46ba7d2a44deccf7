import Foundation
import SwiftASN1
import Wire
import X509

/// Remembers the development root and release key a device trusts with `--dev`. The first
/// development server a device verifies is pinned (trust on first use, labelled as such);
/// afterwards a different root is refused until the user deletes the file.
public struct DevelopmentTrustStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    struct Stored: Codable {
        /// The development ARK; absent when only a development TDX server was pinned.
        var root: Base64Bytes?
        var releaseSigner: Base64Bytes
        /// The development Intel-style root (DER), when a development TDX server was pinned.
        var tdxRoot: Base64Bytes?

        enum CodingKeys: String, CodingKey {
            case root
            case releaseSigner = "release_signer"
            case tdxRoot = "tdx_root"
        }
    }

    /// The pinned development trust, if any.
    /// - Throws: `DevelopmentTrustError` when the file exists but cannot be read.
    public func load() throws -> DevelopmentTrust? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            let stored = try JSONDecoder().decode(Stored.self, from: data)
            guard stored.root != nil || stored.tdxRoot != nil else { throw DevelopmentTrustError("no root") }
            return DevelopmentTrust(
                root: try stored.root.map { try AMDCertificate(derEncoded: $0.bytes, role: "development ARK") },
                releaseSigner: stored.releaseSigner.bytes,
                tdxRoot: try stored.tdxRoot.map { try Certificate(derEncoded: $0.bytes) })
        } catch {
            throw DevelopmentTrustError(
                "the development trust file \(path) is damaged; delete it to trust the development server again")
        }
    }

    /// Pins `trust` (only when nothing is pinned yet).
    public func pin(_ trust: DevelopmentTrust) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var tdxRoot: Base64Bytes?
        if let root = trust.tdxRoot {
            var serializer = DER.Serializer()
            try serializer.serialize(root)
            tdxRoot = Base64Bytes(serializer.serializedBytes)
        }
        let stored = Stored(
            root: trust.root.map { Base64Bytes($0.derRepresentation) }, releaseSigner: Base64Bytes(trust.releaseSigner),
            tdxRoot: tdxRoot)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(stored).write(to: URL(fileURLWithPath: path), options: [.atomic])
    }

    /// The development trust a response proposes: its ARK (SEV-SNP) or the root of its quote's
    /// PCK chain (TDX), and its manifest signer.
    public static func proposed(by response: AttestationResponse) -> DevelopmentTrust? {
        if response.platform == .tdx {
            guard let quote = try? TDXQuote(bytes: response.evidence.report.bytes),
                let documents = try? PEMDocument.parseMultiple(pemString: quote.pckChainPEM),
                let last = documents.last, let root = try? Certificate(derEncoded: last.derBytes)
            else { return nil }
            return DevelopmentTrust(root: nil, releaseSigner: response.manifest.signer.bytes, tdxRoot: root)
        }
        guard let arkBytes = response.evidence.certificates.last, response.evidence.certificates.count >= 3,
            let ark = try? AMDCertificate(derEncoded: arkBytes.bytes, role: "development ARK")
        else { return nil }
        return DevelopmentTrust(root: ark, releaseSigner: response.manifest.signer.bytes)
    }
}

/// The development trust file cannot be used.
public struct DevelopmentTrustError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }

    /// The stable identifiers of these failures.
    public enum Code: String, StableErrorCode {
        /// The pinned development root's file cannot be read, parsed or written.
        case file = "SOTTO-TRUST-DEV"
    }

    public var code: Code { .file }
    public var description: String { "\(code): \(message)" }
}
