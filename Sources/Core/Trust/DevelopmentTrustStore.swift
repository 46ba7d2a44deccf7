import Foundation
import Wire

/// Remembers the development root and release key a device trusts with `--dev`. The first
/// development server a device verifies is pinned (trust on first use, labelled as such);
/// afterwards a different root is refused until the user deletes the file.
public struct DevelopmentTrustStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    struct Stored: Codable {
        var root: Base64Bytes
        var releaseSigner: Base64Bytes

        enum CodingKeys: String, CodingKey {
            case root
            case releaseSigner = "release_signer"
        }
    }

    /// The pinned development trust, if any.
    /// - Throws: `DevelopmentTrustError` when the file exists but cannot be read.
    public func load() throws -> DevelopmentTrust? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            let stored = try JSONDecoder().decode(Stored.self, from: data)
            return DevelopmentTrust(
                root: try AMDCertificate(derEncoded: stored.root.bytes, role: "development ARK"),
                releaseSigner: stored.releaseSigner.bytes)
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
        let stored = Stored(
            root: Base64Bytes(trust.root.derRepresentation), releaseSigner: Base64Bytes(trust.releaseSigner))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(stored).write(to: URL(fileURLWithPath: path), options: [.atomic])
    }

    /// The development trust a response proposes: its ARK and manifest signer.
    public static func proposed(by response: AttestationResponse) -> DevelopmentTrust? {
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
