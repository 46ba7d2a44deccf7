// Restoring a large history onto a fresh device, on loopback, release build: the real server
// (Hummingbird, the account and record services, the SQLite or PostgreSQL store) in this
// process, the real libcurl client and sync engine, a fresh encrypted cache per run.
//
//   swift build -c release --product SyncBenchmark
//   .build/release/SyncBenchmark [--postgres postgres://…] [--runs 3] [--conversations 1000] [--messages 100]
//
// Targets (docs): restore of 100,000 messages in 1,000 conversations ≤ 10 s; opening the cache
// and decrypting the conversation list ≤ 300 ms; on SQLite and on PostgreSQL.
import Core
import Foundation
import Logging
import Server
import ServerTesting
import Wire

struct Arguments {
    var postgres: String?
    var runs = 3
    var conversations = 1000
    var messages = 100

    init() {
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = it.next() {
            switch flag {
            case "--postgres": postgres = it.next()
            case "--runs": runs = Int(it.next() ?? "") ?? runs
            case "--conversations": conversations = Int(it.next() ?? "") ?? conversations
            case "--messages": messages = Int(it.next() ?? "") ?? messages
            default:
                FileHandle.standardError.write(Data("unknown argument \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func temporaryFolder(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-syncbench-\(name)-\(UUID())").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// One store: serve it, seed an account, restore it onto fresh devices.
func bench(storeLabel: String, location: String?, arguments: Arguments) async throws {
    var logger = Logger(label: "sotto.bench")
    logger.logLevel = .warning
    let serverFolder = try temporaryFolder("server")
    defer { try? FileManager.default.removeItem(atPath: serverFolder) }
    let store = try await ServerStoreLocation(parsing: location, dataFolder: serverFolder).open(logger: logger)
    let accounts = AccountService(store: store, settings: AccountSettings(rpID: "localhost"), logger: logger)
    let records = RecordService(store: store, sessions: accounts, logger: logger)
    let gateway = try LiveServer.makeGateway(backend: ScriptedBackend(), logger: logger)
    let server = try await LiveServer.start(
        gateway: gateway, accounts: AccountEndpoints(accounts: accounts, records: records), logger: logger)

    // An account and a session, made in the store directly (the ceremonies are not what is measured).
    let accountID = try AccountID(Hex.encode(SecureRandom.bytes(16)))
    let now = Date()
    try await store.createAccount(
        StoredAccount(id: accountID, userHandle: SecureRandom.bytes(16), createdAt: now),
        credential: StoredCredential(
            id: SecureRandom.bytes(16), accountID: accountID, publicKey: [0], signCount: 0, kind: "software-passkey",
            name: "bench", wrappedRootKey: [UInt8](repeating: 0, count: 90), createdAt: now, lastUsedAt: nil),
        recovery: StoredRecovery(
            accountID: accountID, keyID: SecureRandom.bytes(16), wrappedRootKey: [UInt8](repeating: 0, count: 90),
            authPublicKey: [UInt8](repeating: 0, count: 32), updatedAt: now))
    let token = SecureRandom.bytes(32)
    try await store.insertSession(
        StoredSession(
            tokenHash: HashFunction.sha256.hash(token), accountID: accountID, credentialID: nil, createdAt: now,
            expiresAt: now.addingTimeInterval(86_400)))
    let bearer = Base64URL.encode(token)
    let transport = HTTPSyncTransport(serverURL: server.url, http: CurlHTTPClient()) { bearer }

    // Device A's history, sealed and pushed as a device would.
    let keys = try AccountKeys.generate(accountID: accountID.rawValue)
    let codec = RecordCodec(account: accountID, keys: try AccountRecordKeys(keys))
    var clock = HybridLogicalClock(device: .random())
    let words = ["private", "terminal", "attested", "answer", "encrypted", "history", "passkey", "model", "sync"]
    var seed: [SyncRecord] = []
    seed.reserveCapacity(arguments.conversations * (arguments.messages + 1))
    for c in 0..<arguments.conversations {
        let id = RecordID.random()
        let time = Date(timeIntervalSince1970: 1_790_000_000 + Double(c) * 600)
        let conversation = ConversationRecord(
            title: "Conversation \(c)", createdAt: time, updatedAt: time, clock: clock.tick(now: UInt64(c) * 1000))
        seed.append(
            SyncRecord(
                id: id, kind: .conversation, version: 1,
                envelope: try codec.seal(.conversation(conversation), id: id, version: 1).bytes))
        for m in 0..<arguments.messages {
            let messageID = RecordID.random()
            let content = (0..<(20 + (m * 7) % 60)).map { words[($0 + m + c) % words.count] }.joined(separator: " ")
            let message = MessageRecord(
                conversationID: id, role: m % 2 == 0 ? .user : .assistant, content: content,
                time: time.addingTimeInterval(Double(m)), clock: clock.tick(now: UInt64(c) * 1000 + UInt64(m)))
            seed.append(
                SyncRecord(
                    id: messageID, kind: .message, version: 1,
                    envelope: try codec.seal(.message(message), id: messageID, version: 1).bytes))
        }
    }
    let clockNow = ContinuousClock()
    let seedStart = clockNow.now
    var pushed = 0
    for start in stride(from: 0, to: seed.count, by: PushRequest.maximumRecords) {
        let batch = Array(seed[start..<min(start + PushRequest.maximumRecords, seed.count)])
        pushed += try await transport.push(PushRequest(records: batch)).results.filter { $0.status == .accepted }.count
    }
    let seeded = seconds(clockNow.now - seedStart)
    let total = arguments.conversations * (arguments.messages + 1)
    guard pushed == total else {
        throw CodedError<Server.StoreErrorCode>(.duplicate, "only \(pushed) of \(total) pushed")
    }
    print(
        "[\(storeLabel)] seeded \(total) records through HTTP pushes in \(String(format: "%.2f", seeded)) s "
            + "(\(String(format: "%.0f", Double(total) / seeded)) records/s)")

    // The network and server part alone: every page pulled, nothing applied.
    let pullStart = clockNow.now
    var cursor: Int64 = 0
    var pulledOnly = 0
    while true {
        let page = try await transport.pull(after: cursor, limit: PullResponse.maximumLimit)
        pulledOnly += page.records.count
        cursor = page.cursor
        if !page.more { break }
    }
    print(
        "[\(storeLabel)] pull only (HTTP, JSON, no decryption): \(pulledOnly) records in "
            + "\(String(format: "%.2f", seconds(clockNow.now - pullStart))) s")

    do {
        // Where a restore's time goes: pulling pages, and applying them to the cache.
        let device = try temporaryFolder("device-profile")
        defer { try? FileManager.default.removeItem(atPath: device) }
        let history = try HistoryStore(
            cache: LocalCache(path: device + "/" + LocalCache.fileName, account: accountID),
            keys: try AccountRecordKeys(keys), device: .random())
        var pulling = 0.0
        var applying = 0.0
        var opening = 0.0
        var cursor: Int64 = 0
        while true {
            let t0 = clockNow.now
            let page = try await transport.pull(after: cursor, limit: PullResponse.maximumLimit)
            let t1 = clockNow.now
            _ = try history.apply(remote: page.records, cursor: page.cursor)
            applying += seconds(clockNow.now - t1)
            let t2 = clockNow.now
            for record in page.records {
                _ = try codec.open(
                    RecordEnvelope(bytes: record.envelope!.bytes), id: record.id, kind: record.kind,
                    version: record.version)
            }
            opening += seconds(clockNow.now - t2)
            pulling += seconds(t1 - t0)
            cursor = page.cursor
            if !page.more { break }
        }
        print(
            "[\(storeLabel)] restore split: pulling \(String(format: "%.2f", pulling)) s, applying \(String(format: "%.2f", applying)) s (of which opening envelopes \(String(format: "%.2f", opening)) s)"
        )
    }

    var restores: [Double] = []
    var opens: [Double] = []
    for run in 1...arguments.runs {
        let device = try temporaryFolder("device")
        defer { try? FileManager.default.removeItem(atPath: device) }
        let restoreStart = clockNow.now
        let history = try HistoryStore(
            cache: LocalCache(path: device + "/" + LocalCache.fileName, account: accountID),
            keys: try AccountRecordKeys(keys), device: .random())
        let report = try await SyncEngine(transport: transport, pageSize: PullResponse.maximumLimit).sync(history)
        let restore = seconds(clockNow.now - restoreStart)
        guard report.pulled == total, history.conversations.count == arguments.conversations else {
            throw CodedError<Server.StoreErrorCode>(.notFound, "restored \(report.pulled) of \(total)")
        }
        let openStart = clockNow.now
        let reopened = try HistoryStore(
            cache: LocalCache(path: device + "/" + LocalCache.fileName, account: accountID),
            keys: try AccountRecordKeys(keys), device: .random())
        let list = reopened.conversationList
        let open = seconds(clockNow.now - openStart)
        guard list.count == arguments.conversations else {
            throw CodedError<Server.StoreErrorCode>(.notFound, "list short")
        }
        restores.append(restore)
        opens.append(open * 1000)
        print(
            "[\(storeLabel)] run \(run): restore \(String(format: "%.2f", restore)) s, open + decrypt list \(String(format: "%.1f", open * 1000)) ms"
        )
    }
    print(
        "[\(storeLabel)] median restore of \(total) records (\(arguments.conversations) conversations): "
            + "\(String(format: "%.2f", median(restores))) s (target ≤ 10); median open + decrypt list: "
            + "\(String(format: "%.1f", median(opens))) ms (target ≤ 300)")
    await server.stop()
    try await store.close()
}

let arguments = Arguments()
#if DEBUG
    print("warning: debug build; figures are meaningless. Use: swift build -c release --product SyncBenchmark")
#endif
try await bench(storeLabel: "sqlite", location: nil, arguments: arguments)
if let postgres = arguments.postgres ?? ProcessInfo.processInfo.environment["SOTTO_TEST_POSTGRES_URL"] {
    try await bench(storeLabel: "postgres", location: postgres, arguments: arguments)
} else {
    print("[postgres] skipped: pass --postgres URL (scripts/postgres.sh prints one)")
}
