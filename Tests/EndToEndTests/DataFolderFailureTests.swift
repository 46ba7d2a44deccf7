import Core
import Foundation
import TestSupport
import Testing
import Wire

/// A data folder damaged on disk, read-only or full, with the real `sotto` against the real
/// server: what is missing is said, with its id, and sync brings the server's copy back; what
/// only reads works without writing.
@Suite(.serialized) struct DataFolderFailureTests {
    /// A registered device with one conversation (a question and its answer), synced.
    struct Device {
        let root: String
        let data: String
        let server: AccountServerProcess
        let env: [String: String]
        let conversation: String

        static func start(_ name: String) async throws -> Device {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sotto-\(name)-\(UUID().uuidString)"
            )
            .path
            let server = try await AccountServerProcess.start(dataDir: root + "/server")
            let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": "correct horse battery staple"]
            let data = root + "/a"
            let register = try await Executables.run(
                "sotto",
                [
                    "register", "--server", server.url, "--data-dir", data, "--software-passkey", root + "/passkey",
                    "--recovery-key-out", root + "/recovery",
                ], environment: env)
            #expect(register.status == 0, "\(register.stderr)")
            let ask = try await Executables.run(
                "sotto", ["ask", "--dev", "--data-dir", data, "which trains stop here"], environment: env)
            #expect(ask.status == 0, "\(ask.stderr)")
            let history = try await Executables.run("sotto", ["history", "--data-dir", data], environment: env)
            let conversation = String(
                history.stdout.split(separator: "\n").first { $0.contains("which trains") }?.prefix(32) ?? "")
            #expect(conversation.count == 32, "\(history.stdout)")
            return Device(root: root, data: data, server: server, env: env, conversation: conversation)
        }

        func sotto(_ arguments: [String]) async throws -> Executables.Result {
            try await Executables.run("sotto", arguments + ["--data-dir", data], environment: env)
        }

        /// The cache, opened as the device's account.
        func cache() throws -> LocalCache {
            let state = try #require(try AccountStateFile(dataFolder: data).load())
            return try LocalCache(path: data + "/" + LocalCache.fileName, account: state.accountID)
        }

        func stop() {
            server.terminate()
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    @Test func aDamagedMessageIsReportedAndSyncFetchesTheServersCopy() async throws {
        let device = try await Device.start("damaged")
        defer { device.stop() }
        let intact = try await device.sotto(["history", device.conversation])
        #expect(intact.status == 0, "\(intact.stderr)")
        let message: RecordID
        do {
            // One flipped byte in the middle of the question's envelope: its tag fails.
            let cache = try device.cache()
            let messages = try cache.records(of: [.message]).compactMap { try? $0.get() }
            #expect(messages.count == 2)
            var damaged = try #require(messages.first)
            #expect(damaged.syncState == .synced)
            var bytes = damaged.envelope.bytes
            bytes[bytes.count / 2] ^= 0x01
            damaged.envelope = try RecordEnvelope(bytes: bytes)
            try cache.write([damaged])
            message = damaged.id
        }

        let shown = try await device.sotto(["history", device.conversation])
        #expect(shown.status == 1, "\(shown.stdout)")
        #expect(shown.stdout != intact.stdout)
        #expect(shown.stderr.contains("skipped unreadable message \(message)"), "\(shown.stderr)")
        #expect(shown.stderr.contains("1 record(s) did not open"), "\(shown.stderr)")
        // Said in words, not as a Swift value.
        #expect(!shown.stderr.contains("Optional("), "\(shown.stderr)")
        #expect(!shown.stderr.contains("CorruptRecord("), "\(shown.stderr)")
        let export = try await device.sotto(["export", "--format", "json"])
        #expect(export.status == 1, "\(export.stderr)")
        #expect(export.stderr.contains("message \(message)"), "\(export.stderr)")

        let sync = try await device.sotto(["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stdout.contains("1 changed here"), "\(sync.stdout)")
        let repaired = try await device.sotto(["history", device.conversation])
        #expect(repaired.status == 0, "\(repaired.stderr)")
        #expect(repaired.stdout == intact.stdout, "\(repaired.stdout)")
        #expect(!repaired.stderr.contains("unreadable"), "\(repaired.stderr)")

        // Repaired once: a second sync does not pull everything again.
        let again = try await device.sotto(["sync"])
        #expect(again.stdout.contains("Pulled 0 record(s)"), "\(again.stdout)")
    }

    @Test func historyAndExportWriteNothingAndWorkOnAReadOnlyFolder() async throws {
        let device = try await Device.start("readonly")
        defer { device.stop() }
        let accountFile = device.data + "/account.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: accountFile))

        // Reading the history neither logs in nor rewrites the session.
        let history = try await device.sotto(["history"])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("which trains stop here"))
        let export = try await device.sotto(["export", "--format", "json"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("which trains stop here"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: accountFile)) == before)

        // The cache opened only to read: the records are there, a write is refused.
        do {
            let state = try #require(try AccountStateFile(dataFolder: device.data).load())
            let cache = try LocalCache(readingOnly: device.data + "/" + LocalCache.fileName, account: state.accountID)
            #expect(cache.isReadOnly)
            #expect(try cache.count(of: .message) == 2)
            #expect(throws: CacheError.self) { try cache.requestRepair(RecordID.random()) }
        }

        // Root writes through any mode, so only another user sees the folder as read-only.
        guard getuid() != 0 else { return }
        let files = (try FileManager.default.contentsOfDirectory(atPath: device.data)).map { device.data + "/" + $0 }
        for path in files + [device.data] { chmod(path, 0o500) }
        defer { for path in files + [device.data] { chmod(path, 0o700) } }
        #expect(!FolderAccess.isWritable(device.data))
        let readOnlyHistory = try await device.sotto(["history"])
        #expect(readOnlyHistory.status == 0, "\(readOnlyHistory.stderr)")
        #expect(readOnlyHistory.stdout.contains("which trains stop here"))
        let readOnlyExport = try await device.sotto(["export", "--format", "json"])
        #expect(readOnlyExport.status == 0, "\(readOnlyExport.stderr)")
        #expect(readOnlyExport.stdout.contains("which trains stop here"))
    }

    @Test func aDamagedCacheFileIsSetAsideAndRestoredBySyncRebuildCache() async throws {
        let device = try await Device.start("rebuild")
        defer { device.stop() }
        let cachePath = device.data + "/" + LocalCache.fileName
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cachePath + suffix) }
        let garbage = Data(repeating: 0x5a, count: 8192)
        try garbage.write(to: URL(fileURLWithPath: cachePath))

        let history = try await device.sotto(["history"])
        #expect(history.status == 1)
        #expect(history.stderr.contains("SOTTO-CACHE-OPEN"), "\(history.stderr)")
        #expect(history.stderr.contains("sotto sync --rebuild-cache"), "\(history.stderr)")

        let rebuild = try await device.sotto(["sync", "--rebuild-cache"])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stderr.contains("set the old cache aside as"), "\(rebuild.stderr)")
        #expect(rebuild.stderr.contains("could not be read"), "\(rebuild.stderr)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: device.data)
            .filter { $0.hasPrefix("history-damaged-") && $0.hasSuffix(".sqlite") }
        #expect(aside.count == 1, "\(aside)")
        if let name = aside.first {
            #expect(FileManager.default.contents(atPath: device.data + "/" + name) == garbage)
        }
        let restored = try await device.sotto(["history"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("which trains stop here"), "\(restored.stdout)")
    }

    @Test func rebuildLeavesACacheWithUnsyncedChangesWhereItIs() async throws {
        let device = try await Device.start("unsynced")
        defer { device.stop() }
        let pending: RecordID
        do {
            let cache = try device.cache()
            var record = try #require(try cache.records(of: [.conversation]).first?.get())
            record.syncState = .pending
            try cache.write([record])
            pending = record.id
        }
        let rebuild = try await device.sotto(["sync", "--rebuild-cache"])
        #expect(rebuild.status == 1)
        #expect(rebuild.stderr.contains("not yet synced (\(pending))"), "\(rebuild.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: device.data)
        #expect(!files.contains { $0.hasPrefix("history-damaged-") }, "\(files)")
        #expect(files.contains(LocalCache.fileName))
    }
}
