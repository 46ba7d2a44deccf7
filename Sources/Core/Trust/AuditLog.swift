import Foundation
import Wire

/// One line of the verification audit log: what was checked, when, and the verdict.
/// Never holds user content; safe to share in a bug report.
public struct AuditRecord: Codable, Hashable, Sendable {
    public var time: String
    public var server: String
    public var platform: String
    public var simulated: Bool
    public var measurement: String?
    public var manifestVersion: String?
    public var keyID: String?
    /// The release's security version (the rollback floor it sets), when trusted.
    public var securityVersion: UInt64?
    /// The digest of the configuration the report binds (where prompts go), when trusted.
    public var configurationDigest: String?
    /// The processor the evidence came from ("Genoa"), when trusted.
    public var product: String?
    public var verdict: String
    /// The stable error code when the verdict is "refused".
    public var reason: String?

    public init(
        time: Date, server: String, platform: String, simulated: Bool, measurement: String?, manifestVersion: String?,
        keyID: String?, securityVersion: UInt64? = nil, configurationDigest: String? = nil, product: String? = nil,
        verdict: String, reason: String?
    ) {
        self.time = ISO8601DateFormatter().string(from: time)
        self.server = server
        self.platform = platform
        self.simulated = simulated
        self.measurement = measurement
        self.manifestVersion = manifestVersion
        self.keyID = keyID
        self.securityVersion = securityVersion
        self.configurationDigest = configurationDigest
        self.product = product
        self.verdict = verdict
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case time, server, platform, simulated, measurement, verdict, reason, product
        case manifestVersion = "manifest_version"
        case keyID = "key_id"
        case securityVersion = "security_version"
        case configurationDigest = "configuration_digest"
    }
}

/// The local, append-only record of every attestation verification (JSON Lines).
public protocol AuditLog: Sendable {
    func append(_ record: AuditRecord) throws
    func records() throws -> [AuditRecord]
}

/// The audit log as a JSONL file (default: `$XDG_STATE_HOME/sotto/audit.jsonl`). Each
/// append is one `write` of one line to a file opened with `O_APPEND`, so concurrent
/// writers and crashes never interleave or tear a line.
public struct FileAuditLog: AuditLog {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func append(_ record: AuditRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record) + Data("\n".utf8)
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AuditLogError(message: "cannot open the audit log \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // After a crash mid-line, start on a fresh line so this record stays readable.
        var info = stat()
        if fstat(fd, &info) == 0, info.st_size > 0 {
            var last: UInt8 = 0
            if pread(fd, &last, 1, info.st_size - 1) == 1, last != UInt8(ascii: "\n") {
                line = Data("\n".utf8) + line
            }
        }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw AuditLogError(message: "cannot write the audit log \(path): \(String(cString: strerror(errno)))")
        }
    }

    public func records() throws -> [AuditRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        // A torn or foreign line is skipped rather than hiding the rest of the history.
        return data.split(separator: UInt8(ascii: "\n")).compactMap {
            try? decoder.decode(AuditRecord.self, from: Data($0))
        }
    }
}

/// The audit log could not be written.
public struct AuditLogError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String

    /// The stable identifiers of these failures.
    public enum Code: String, StableErrorCode {
        /// The audit log's file could not be written (permissions, a full disk).
        case write = "SOTTO-AUDIT-WRITE"
    }

    public var code: Code { .write }
    public var description: String { "\(code): \(message)" }
}
