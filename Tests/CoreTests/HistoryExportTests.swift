import Core
import CoreTesting
import Foundation
import GRDB
import Testing
import Wire

/// `sotto export` and `sotto import`: our JSON round-trips, importing twice adds nothing, and
/// bad files are refused before anything is written.
@Suite struct HistoryExportTests {
    let account = try! AccountID("export-account")
    let keys = TestRecordKeys()
    let clock = ManualWallClock()

    func makeHistory() throws -> (HistoryStore, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-export-\(UUID().uuidString)")
            .path
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: account), keys: keys,
            device: .random(), wallClock: clock)
        return (history, folder)
    }

    func fill(_ history: HistoryStore) throws -> (RecordID, RecordID) {
        let folderID = RecordID.random()
        try history.save(
            folder: FolderRecord(
                name: "Work", customInstructions: "Answer briefly.", order: .between(nil, nil), clock: history.tick()),
            id: folderID)
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        let first = RecordID.random()
        try history.save(
            conversation: ConversationRecord(
                title: "Trains in Japan", folderID: folderID, pinned: true,
                modelSettings: ModelSettings(model: "smollm2", temperature: 0.7), createdAt: time, updatedAt: time,
                clock: history.tick()),
            id: first)
        for (role, text) in [(MessageRole.user, "How fast is the Shinkansen?"), (.assistant, "Up to **320 km/h**.")] {
            clock.set(clock.millisecondsSince1970() + 10)
            try history.append(
                message: MessageRecord(
                    conversationID: first, role: role, content: text, time: time, clock: history.tick()))
        }
        let second = RecordID.random()
        try history.save(
            conversation: ConversationRecord(
                title: "Empty one", createdAt: time, updatedAt: time, clock: history.tick()),
            id: second)
        return (first, second)
    }

    @Test func anImportThatStopsPartWaySaysHowFarItGotAndARerunFinishesIt() throws {
        let (source, sourceFolder) = try makeHistory()
        defer { try? FileManager.default.removeItem(atPath: sourceFolder) }
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        for n in 0..<30 {
            let id = RecordID.random()
            try source.save(
                conversation: ConversationRecord(
                    title: "Conversation \(n)", createdAt: time, updatedAt: time, clock: source.tick()), id: id)
            try source.append(
                message: MessageRecord(
                    conversationID: id, role: .user, content: "question \(n)", time: time, clock: source.tick()))
        }
        let export = try HistoryExport(json: try HistoryExport(history: source).json())

        let (target, targetFolder) = try makeHistory()
        defer { try? FileManager.default.removeItem(atPath: targetFolder) }
        // The disk "fills" after 12 records: every later insert fails, as SQLite's would.
        let database = try DatabaseQueue(path: targetFolder + "/" + LocalCache.fileName)
        try database.write {
            try $0.execute(
                sql: """
                    CREATE TRIGGER disk_full BEFORE INSERT ON record WHEN (SELECT count(*) FROM record) >= 12
                    BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END
                    """)
        }
        let stopped = try #require(throws: HistoryExport.ImportInterrupted.self) { try export.importInto(target) }
        #expect(stopped.done.conversations == 6)
        #expect(stopped.done.messages == 6)
        #expect(stopped.conversationsInFile == 30)
        #expect("\(stopped)".contains("stopped after adding 6 conversation(s) and 6 message(s)"), "\(stopped)")
        #expect("\(stopped)".contains("run the same import again"))

        try database.write { try $0.execute(sql: "DROP TRIGGER disk_full") }
        let rerun = try export.importInto(target)
        #expect(rerun.conversations == 24)
        #expect(rerun.messages == 24)
        #expect(rerun.skipped == 12)
        #expect(target.conversations.count == 30)
    }

    @Test func jsonRoundTripsAndImportingTwiceAddsNothing() throws {
        let (source, sourceFolder) = try makeHistory()
        defer { try? FileManager.default.removeItem(atPath: sourceFolder) }
        let (first, second) = try fill(source)
        let json = try HistoryExport(history: source).json()

        let (target, targetFolder) = try makeHistory()
        defer { try? FileManager.default.removeItem(atPath: targetFolder) }
        let parsed = try HistoryExport(json: json)
        let once = try parsed.importInto(target)
        #expect(once.folders == 1 && once.conversations == 2 && once.messages == 2 && once.skipped == 0)
        let twice = try HistoryExport(json: json).importInto(target)
        #expect(twice.folders == 0 && twice.conversations == 0 && twice.messages == 0 && twice.skipped == 5)

        #expect(Set(target.conversations.keys) == [first, second])
        let imported = target.conversations[first]!
        #expect(imported.title == "Trains in Japan" && imported.pinned && imported.modelSettings.model == "smollm2")
        #expect(
            try target.messages(in: first).map(\.record.content) == source.messages(in: first).map(\.record.content))
        #expect(try target.messages(in: first).map(\.id) == source.messages(in: first).map(\.id))
        #expect(target.folderList.map(\.record.customInstructions) == ["Answer briefly."])
        // A second export of the imported history says the same (apart from the time).
        var again = try HistoryExport(history: target)
        again.exportedAt = parsed.exportedAt
        #expect(again == parsed)
    }

    @Test func markdownAndSingleConversation() throws {
        let (history, folder) = try makeHistory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (first, _) = try fill(history)
        let one = try HistoryExport(history: history, conversation: first)
        #expect(one.conversations.count == 1 && one.folders.count == 1)
        let markdown = one.markdown()
        #expect(markdown.hasPrefix("# Trains in Japan\n"))
        #expect(markdown.contains("## You\n\nHow fast is the Shinkansen?"))
        #expect(markdown.contains("## Assistant\n\nUp to **320 km/h**."))
        #expect(markdown.contains("folder Work"))
        #expect(throws: CacheError.self) { try HistoryExport(history: history, conversation: .random()) }
    }

    /// An answer that broke off keeps its mark through export and import, and the Markdown says
    /// so; a record written before the mark existed reads as complete.
    @Test func anInterruptedAnswerKeepsItsMark() throws {
        let (source, sourceFolder) = try makeHistory()
        defer { try? FileManager.default.removeItem(atPath: sourceFolder) }
        let (first, _) = try fill(source)
        let time = Date(timeIntervalSince1970: 1_800_000_100)
        try source.append(
            message: MessageRecord(
                conversationID: first, role: .user, content: "And in winter?", time: time, clock: source.tick()))
        try source.append(
            message: MessageRecord(
                conversationID: first, role: .assistant, content: "Snow rarely", time: time, interrupted: true,
                clock: source.tick()))
        let export = try HistoryExport(history: source, conversation: first)
        #expect(export.conversations[0].messages.map(\.interrupted) == [nil, nil, nil, true])
        #expect(export.markdown().contains("## Assistant\n\nSnow rarely\n\n_(interrupted)_\n"))
        #expect(!export.markdown().contains("320 km/h**.\n\n_(interrupted)_"))

        let (target, targetFolder) = try makeHistory()
        defer { try? FileManager.default.removeItem(atPath: targetFolder) }
        _ = try HistoryExport(json: try export.json()).importInto(target)
        #expect(try target.messages(in: first).map(\.record.interrupted) == [false, false, false, true])

        // A message sealed before the field existed (no key) decodes as complete, and a complete
        // message is written without the key, so its plaintext is unchanged.
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        let complete = try #require(target.messages(in: first).first?.record)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let json = try encoder.encode(complete)
        #expect(!String(decoding: json, as: UTF8.self).contains("interrupted"))
        #expect(try decoder.decode(MessageRecord.self, from: json) == complete)
    }

    @Test(arguments: [
        ("not json", "not a Sotto export"),
        (
            #"{"format":"other","version":1,"exported_at":"2026-01-01T00:00:00Z","folders":[],"conversations":[]}"#,
            "format"
        ),
        (
            #"{"format":"sotto-export","version":9,"exported_at":"2026-01-01T00:00:00Z","folders":[],"conversations":[]}"#,
            "version 9"
        ),
        (#"{"format":"sotto-export","version":1,"exported_at":"2026-01-01T00:00:00Z","folders":[]}"#, "conversations"),
        (
            #"{"format":"sotto-export","version":1,"exported_at":"2026-01-01T00:00:00Z","folders":[],"conversations":[{"id":"xyz"}]}"#,
            "invalid id"
        ),
    ])
    func badFilesAreRefusedWithAReason(text: String, reason: String) throws {
        let (history, folder) = try makeHistory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            _ = try HistoryExport(json: Data(text.utf8))
            Issue.record("accepted a bad export")
        } catch let error as CacheError {
            #expect(error.code == .invalidExport)
            #expect(error.message.contains(reason), "\(error.message)")
        }
        #expect(history.conversations.isEmpty)
    }
}
