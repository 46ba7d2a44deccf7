import Core
import Foundation
import GRDB
import Testing
import Wire

/// Refusals of the file system reach the user in words, with the folder and what to do,
/// instead of Foundation's `Error Domain=NSCocoaErrorDomain Code=642 …`.
@Suite struct FileSystemErrorTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-fs-\(UUID().uuidString)").path

    @Test func foundationsReadOnlyAndFullVolumesAreNamedWithTheirFolder() throws {
        let file = folder + "/account.json"
        let readOnly = try #require(
            FileSystemError.describing(CocoaError(.fileWriteVolumeReadOnly, userInfo: [NSFilePathErrorKey: file])))
        #expect(readOnly.code == .readOnly)
        #expect(readOnly.message.contains("the folder \(folder) is on a read-only file system"), "\(readOnly)")
        #expect(readOnly.message.contains("--data-dir"))
        #expect(!"\(readOnly)".contains("NSCocoaErrorDomain"))

        let full = try #require(
            FileSystemError.describing(CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: file])))
        #expect(full.code == .full)
        #expect(full.message.contains("the disk holding the folder \(folder) is full; free some space"), "\(full)")
        #expect(FileSystemError.describing(POSIXError(.EROFS), path: file)?.code == .readOnly)
        #expect(FileSystemError.describing(POSIXError(.ENOSPC), path: file)?.code == .full)
    }

    @Test func sqliteRefusalsAreNamedAndOtherErrorsKeepTheirOwnWords() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/full.sqlite"
        // A database that may not grow: SQLite's own SQLITE_FULL.
        let queue = try DatabaseQueue(path: path)
        let fullError = try #require(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE t (b BLOB)")
                try db.execute(sql: "PRAGMA max_page_count = 3")
                try db.execute(sql: "INSERT INTO t VALUES (zeroblob(100000))")
            }
        }
        #expect(FileSystemError.describing(fullError, path: path)?.code == .full)
        // A read-only connection refused a write: SQLITE_READONLY.
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        let readOnlyError = try #require(throws: DatabaseError.self) {
            try reader.inDatabase { try $0.execute(sql: "CREATE TABLE u (x)") }
        }
        #expect(FileSystemError.describing(readOnlyError, path: path)?.code == .readOnly)
        // A folder under a file is not one of these: the caller's message stays.
        let notFolder = try #require(throws: (any Error).self) {
            try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        }
        #expect(FileSystemError.describing(notFolder) == nil)
        #expect(FileSystemError.describing(CacheError(.conflict, "x")) == nil)
    }
}
