import Foundation
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// The highest release-manifest security version this device has accepted from each server,
/// so a server cannot be rolled back to an older, vulnerable release once the device has seen
/// a newer one. One owner-only JSON file in the device's data folder, replaced atomically.
public struct SecurityVersionStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    struct Stored: Codable {
        /// Server URL → highest accepted security version.
        var servers: [String: UInt64]
    }

    /// The highest security version accepted from `server`, 0 when none was.
    /// - Throws: `SecurityVersionStoreError` when the file exists but cannot be read: the floor
    ///   is unknown, so nothing is trusted until the user looks.
    public func highest(for server: String) throws(SecurityVersionStoreError) -> UInt64 {
        try load().servers[server] ?? 0
    }

    /// Remembers that `version` was accepted from `server` (keeps the higher of it and the
    /// stored one). Serialised across processes by a lock file beside the store.
    /// - Throws: `SecurityVersionStoreError`.
    public func record(_ version: UInt64, for server: String) throws(SecurityVersionStoreError) {
        try withLock { () throws(SecurityVersionStoreError) in
            var stored = try load()
            guard version > stored.servers[server] ?? 0 else { return }
            stored.servers[server] = version
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do {
                try PrivateFile.write(Array(try encoder.encode(stored)), to: path, replaceExisting: true)
            } catch {
                throw SecurityVersionStoreError(
                    .unwritable, "cannot save the accepted release security versions to \(path); check the folder")
            }
        }
    }

    private func load() throws(SecurityVersionStoreError) -> Stored {
        let bytes: [UInt8]?
        do {
            bytes = try PrivateFile.read(path, maximumByteCount: 1 << 20)
        } catch {
            throw SecurityVersionStoreError(.damaged, "cannot read \(path); check its permissions")
        }
        guard let bytes else { return Stored(servers: [:]) }
        do {
            return try JSONDecoder().decode(Stored.self, from: Data(bytes))
        } catch {
            throw SecurityVersionStoreError(
                .damaged,
                "\(path) is damaged; it remembers which release each server may not roll back below. Restore it, or delete it to start again"
            )
        }
    }

    private func withLock<T>(_ body: () throws(SecurityVersionStoreError) -> T) throws(SecurityVersionStoreError) -> T {
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let descriptor = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SecurityVersionStoreError(.unwritable, "cannot lock \(path); check the folder")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw SecurityVersionStoreError(.unwritable, "cannot lock \(path); check the folder")
            }
        }
        return try body()
    }
}

/// The accepted security versions cannot be read or saved.
public typealias SecurityVersionStoreError = CodedError<SecurityVersionStoreErrorCode>

/// Stable identifiers of `SecurityVersionStoreError`.
public enum SecurityVersionStoreErrorCode: String, StableErrorCode {
    /// The file of accepted security versions is damaged.
    case damaged = "SOTTO-TRUST-VERSIONS-DAMAGED"
    /// The file of accepted security versions cannot be written.
    case unwritable = "SOTTO-TRUST-VERSIONS-UNWRITABLE"
}
