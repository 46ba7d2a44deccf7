import Core
import CoreTesting
import Foundation
import TestSupport
import Testing
import Wire

/// A writer killed with SIGKILL at random moments loses nothing it had acknowledged, and the
/// cache it leaves opens without a corrupt record.
@Suite struct CacheCrashTests {
    @Test(.timeLimit(.minutes(5))) func killedWriterLosesNothingAcknowledged() throws {
        let helper = Executables.productsDirectory.appendingPathComponent("CacheCrashHelper")
        guard FileManager.default.isExecutableFile(atPath: helper.path) else {
            Issue.record("CacheCrashHelper is not built; run swift build --build-tests")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-crash-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keys = TestRecordKeys()
        let account = try AccountID("crash-account")
        let device = DeviceID.random()
        let path = folder + "/" + LocalCache.fileName
        var acknowledged: [(conversation: RecordID, message: RecordID)] = []

        for round in 0..<8 {
            let outPath = folder + "/acks-\(round).txt"
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
            let process = Process()
            process.executableURL = helper
            process.arguments = [
                path, account.rawValue, Hex.encode(keys.root.unsafeCopyToArray()), Hex.encode(keys.currentKeyID.bytes),
                device.description,
            ]
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Let it commit at least one pair, then kill it at a random moment mid-loop.
            let deadline = Date().addingTimeInterval(60)
            while (try? FileManager.default.attributesOfItem(atPath: outPath)[.size] as? Int) ?? 0 == 0,
                process.isRunning, Date() < deadline
            {
                usleep(5_000)
            }
            usleep(UInt32.random(in: 20_000...300_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try out.close()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the writer stopped by itself")
            let text = try String(contentsOfFile: outPath, encoding: .utf8)
            // Only whole lines count: a line cut short by the kill was never acknowledged.
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()
            for line in lines {
                let ids = line.split(separator: " ")
                acknowledged.append((try RecordID(ids[0]), try RecordID(ids[1])))
            }
        }

        #expect(acknowledged.count >= 8)
        let store = try HistoryStore(cache: LocalCache(path: path, account: account), keys: keys, device: device)
        #expect(store.corrupt.isEmpty)
        for (conversation, message) in acknowledged {
            #expect(store.conversations[conversation]?.title == CrashRecords.title(for: conversation))
            let messages = try store.messages(in: conversation)
            #expect(messages.map { $0.id } == [message])
            #expect(messages.first?.record.content == CrashRecords.content(for: conversation))
        }
        #expect(store.corrupt.isEmpty)
    }
}
