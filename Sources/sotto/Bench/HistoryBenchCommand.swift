import ArgumentParser
import Core
import Foundation
import TUI
import Wire

/// `sotto dev bench history`: unlocking a large cached history — open the encrypted cache,
/// decrypt the conversation list, and paint the main screen (list and the newest
/// conversation) — and the resident memory of a process that does only that. Each
/// measurement runs in a fresh child process, so the page cache is warm but the heap is not.
struct HistoryBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Open, decrypt and first paint of a cached history (1,000 conversations, 100,000 messages).",
        discussion: "Build in release mode for meaningful figures: swift build -c release."
    )

    @Option(help: "Folder for the generated history (kept between runs; created when missing).")
    var folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-bench-history").path

    @Option(help: "Conversations to generate.")
    var conversations = 1000

    @Option(help: "Messages per conversation.")
    var messagesPerConversation = 100

    @Option(help: "Measurements (each in its own process).")
    var runs = 7

    @Option(help: "Terminal size, COLUMNSxROWS.")
    var size = "120x40"

    @Flag(help: .hidden) var measureOnce = false

    /// A fixed stand-in for a passkey's PRF output: the bench's account is reopened each run
    /// by unwrapping its root key, as an unlock does.
    static let benchPRF = SecureBytes(copying: [UInt8](repeating: 0x5a, count: 32))
    static let account = "bench-account"

    func run() async throws {
        #if DEBUG
            if !measureOnce { print("warning: debug build; figures are meaningless. Use: swift build -c release") }
        #endif
        if measureOnce {
            try await measure()
            return
        }
        if !FileManager.default.fileExists(atPath: folder + "/wrapped-root-key") {
            print("generating \(conversations) conversations × \(messagesPerConversation) messages in \(folder) …")
            try generate()
        }
        var millis: [Double] = []
        var openMillis: [Double] = []
        var peaks: [Double] = []
        for _ in 0..<runs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            process.arguments = ["dev", "bench", "history", "--measure-once", "--folder", folder, "--size", size]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let fields = output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
            guard process.terminationStatus == 0, fields.count == 3 else {
                throw ValidationError("a measurement failed: \(output)")
            }
            openMillis.append(fields[0])
            millis.append(fields[1])
            peaks.append(fields[2])
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        print(
            "history of \(conversations) conversations, \(conversations * messagesPerConversation) messages; \(runs) runs"
        )
        print(
            String(
                format: "  open cache + decrypt conversation list: median %.1f ms (target ≤ 300)", median(openMillis)))
        print(
            String(format: "  unlock to first paint of the main screen: median %.1f ms (target ≤ 300)", median(millis)))
        print(String(format: "  peak resident memory: median %.1f MiB (target ≤ 150)", median(peaks)))
        print("  runs (ms): " + millis.map { String(format: "%.1f", $0) }.joined(separator: " "))
    }

    /// Seals the history straight into the cache in large transactions (one per 2,000 records).
    private func generate() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let keys = try AccountKeys.generate(accountID: Self.account)
        let wrapped = try keys.wrap(under: KeyEncryptionKey(prfOutput: Self.benchPRF))
        let account = try AccountID(Self.account)
        let cache = try LocalCache(path: folder + "/" + LocalCache.fileName, account: account)
        let codec = RecordCodec(account: account, keys: try AccountRecordKeys(keys))
        var clock = HybridLogicalClock(device: .random())
        var batch: [CachedRecord] = []
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let words = ["private", "terminal", "attested", "answer", "encrypted", "history", "passkey", "model", "sync"]
        func flush() throws {
            try cache.write(batch)
            batch.removeAll(keepingCapacity: true)
        }
        for c in 0..<conversations {
            let id = RecordID.random()
            let time = start.addingTimeInterval(Double(c) * 600)
            let conversation = ConversationRecord(
                title: "Conversation \(c): \(words[c % words.count]) and \(words[(c / 3) % words.count])",
                pinned: c % 97 == 0, createdAt: time, updatedAt: time, clock: clock.tick(now: UInt64(c) * 1000))
            batch.append(
                CachedRecord(
                    id: id, kind: .conversation, version: 1, parent: nil,
                    envelope: try codec.seal(.conversation(conversation), id: id, version: 1), syncState: .synced))
            for m in 0..<messagesPerConversation {
                let messageID = RecordID.random()
                let content = (0..<(20 + (m * 7) % 60)).map { words[($0 + m + c) % words.count] }.joined(
                    separator: " ")
                let message = MessageRecord(
                    conversationID: id, role: m % 2 == 0 ? .user : .assistant, content: content,
                    time: time.addingTimeInterval(Double(m)), clock: clock.tick(now: UInt64(c) * 1000 + UInt64(m)))
                batch.append(
                    CachedRecord(
                        id: messageID, kind: .message, version: 1, parent: id,
                        envelope: try codec.seal(.message(message), id: messageID, version: 1), syncState: .synced))
                if batch.count >= 2000 { try flush() }
            }
        }
        try flush()
        try cache.checkpoint()
        try Data(wrapped.serialized).write(to: URL(fileURLWithPath: folder + "/wrapped-root-key"))
    }

    /// One unlock to first paint; prints "open-ms paint-ms peak-MiB".
    private func measure() async throws {
        _ = setlocale(LC_CTYPE, "C.UTF-8")
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--size must look like 120x40") }
        let clock = ContinuousClock()
        let begin = clock.now
        let wrapped = try WrappedRootKey(
            serialized: Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/wrapped-root-key"))))
        let keys = try AccountKeys.unwrap(
            wrapped, with: KeyEncryptionKey(prfOutput: Self.benchPRF), accountID: Self.account)
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID(Self.account)),
            keys: try AccountRecordKeys(keys), device: .random())
        let opened = clock.now - begin
        let session = ChatSession(history: history, sender: NoSender(), sync: nil)
        let service = CoreChatService(session: session, client: nil, serverLabel: "bench")
        let backend = InMemoryBackend(size: Size(columns: parts[0], rows: parts[1]))
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        let (list, folders) = try await service.conversations()
        runtime.send(.service(.conversationsLoaded(list, folders: folders)))
        if let first = runtime.model.current ?? list.first?.id {
            runtime.send(.service(.conversationLoaded(first, try await service.messages(of: first))))
        }
        runtime.render()
        let painted = clock.now - begin
        guard backend.screen.text.contains("Conversation") else { throw ValidationError("the list did not paint") }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(
            String(
                format: "%.3f %.3f %.2f", opened.milliseconds, painted.milliseconds,
                Double(usage.ru_maxrss) / 1024))
    }
}

/// The bench sends nothing.
private struct NoSender: ChatSender {
    func chat(_ request: ChatRequest) -> ChatEventStream {
        ChatEventStream(batches: AsyncThrowingStream { $0.finish() })
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
