import Foundation
import GRDB
import Wire

extension LocalCache {
    /// What `setAsideForRebuild` did.
    public struct SetAside: Sendable {
        /// Where the old cache went (with its `-wal` and `-shm` beside it); nil when there was none.
        public var path: String?
        /// Whether the old cache could be read at all; when not, any change it held that never
        /// reached the server is only in the file set aside.
        public var readable: Bool
    }

    /// Moves the cache at `path` aside, to `history-damaged-<time>.sqlite` beside it, so the
    /// next sync restores the history from the server into a fresh one. Nothing is deleted. A
    /// cache that still reads and holds changes not yet pushed stays where it is: a sync would
    /// send them, a rebuild would strand them.
    /// - Throws: `CacheError` `.conflict` naming the unsynced records; `.openFailed` when the
    ///   file cannot be moved or another process has it open.
    public static func setAsideForRebuild(path: String) throws -> SetAside {
        guard FileManager.default.fileExists(atPath: path) else { return SetAside(path: nil, readable: false) }
        let exclusive: CacheFileLock
        do {
            exclusive = try CacheFileLock(cachePath: path, exclusive: true, giveUpAfter: .seconds(1))
        } catch let error as CacheError where error.code == .accountMismatch {
            throw CacheError(
                .openFailed, "another sotto has the history cache \(path) open; close it, then rebuild again")
        }
        defer { exclusive.release() }
        let pending = unsyncedRecords(path)
        if let pending, !pending.isEmpty {
            let shown = pending.prefix(5).map(\.description).joined(separator: ", ")
            throw CacheError(
                .conflict,
                "the history cache \(path) still reads and holds \(pending.count) change(s) not yet synced (\(shown)\(pending.count > 5 ? ", …" : "")); run `sotto sync` without --rebuild-cache to send them"
            )
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime]
        let stamp = formatter.string(from: Date())
        let aside = (path as NSString).deletingLastPathComponent + "/history-damaged-\(stamp).sqlite"
        let files = FileManager.default
        for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: path + suffix) {
            guard !files.fileExists(atPath: aside + suffix) else {
                throw CacheError(.openFailed, "cannot set the history cache aside: \(aside + suffix) already exists")
            }
            do {
                try files.moveItem(atPath: path + suffix, toPath: aside + suffix)
            } catch {
                throw CacheError(
                    .openFailed, "cannot move the history cache \(path + suffix) aside to \(aside + suffix)")
            }
        }
        return SetAside(path: aside, readable: pending != nil)
    }

    /// The records and deletions of the cache at `path` not yet pushed, or nil when it does not
    /// read (its header, schema or tables are damaged).
    private static func unsyncedRecords(_ path: String) -> [RecordID]? {
        var configuration = Configuration()
        configuration.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration),
            let rows = try? queue.read({ db in
                try Data.fetchAll(
                    db,
                    sql:
                        "SELECT id FROM record WHERE sync_state != 0 UNION SELECT id FROM tombstone WHERE sync_state != 0"
                )
            })
        else { return nil }
        return rows.compactMap { try? RecordID(bytes: $0) }
    }
}
