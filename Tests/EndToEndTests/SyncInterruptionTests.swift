import Core
import Foundation
import TestSupport
import Testing
import Wire

/// Sync survives the real interruptions: the client process killed (SIGKILL) at random points
/// of an import and its sync, and the server process killed and restarted between requests.
/// Afterwards a fresh device restores exactly the history, with nothing lost or doubled.
@Suite(.serialized) struct SyncInterruptionTests {
    static let passphrase = "correct horse battery staple"

    /// An export of `conversations` × `messages`, with fixed ids so the test knows what to expect.
    static func exportFile(at path: String, conversations: Int, messages: Int) throws -> HistoryExport {
        var json: [String: Any] = ["format": "sotto-export", "version": 1, "exported_at": "2026-11-29T20:00:00Z"]
        json["folders"] = [[String: Any]]()
        json["conversations"] = (0..<conversations).map { c -> [String: Any] in
            [
                "id": RecordID.random().description, "title": "conversation \(c)", "pinned": false,
                "archived": false, "created_at": "2026-11-29T19:00:00Z", "updated_at": "2026-11-29T19:00:00Z",
                "messages": (0..<messages).map { m -> [String: Any] in
                    [
                        "id": RecordID.random().description, "role": m % 2 == 0 ? "user" : "assistant",
                        "content": "message \(m) of conversation \(c) " + String(repeating: "·", count: m * 13),
                        "time": "2026-11-29T19:00:00Z",
                    ]
                },
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: json)
        try data.write(to: URL(fileURLWithPath: path))
        return try HistoryExport(json: data)
    }

    @Test func aClientKilledMidImportAndMidSyncLosesNothing() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-kill-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": Self.passphrase]
        let passkey = root + "/passkey"
        let register = try await Executables.run(
            "sotto",
            [
                "register", "--server", server.url, "--data-dir", root + "/a", "--software-passkey", passkey,
                "--recovery-key-out", root + "/recovery",
            ], environment: env)
        #expect(register.status == 0, "\(register.stderr)")
        let expected = try Self.exportFile(at: root + "/export.json", conversations: 60, messages: 12)

        // Start an import (which syncs when done) and kill it at growing delays.
        for delay in [300, 700, 1200, 1800, 2600] {
            let process = Process()
            process.executableURL = Executables.productsDirectory.appendingPathComponent("sotto")
            process.arguments = ["import", "--data-dir", root + "/a", root + "/export.json"]
            process.environment = env
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // The kills landed while work was under way: part of the import is committed already.
        let partial = try await Executables.run("sotto", ["history", "--data-dir", root + "/a"], environment: env)
        let held = partial.stdout.split(separator: "\n").filter { $0.contains("conversation ") }.count
        #expect(held > 0, "no kill landed after the import began: \(partial.stdout)\(partial.stderr)")
        let finish = try await Executables.run(
            "sotto", ["import", "--data-dir", root + "/a", root + "/export.json"], environment: env)
        #expect(finish.stdout.contains("\(60 - held) conversation(s)") || held == 60, "\(finish.stdout)")
        #expect(finish.status == 0, "\(finish.stderr)")
        let sync = try await Executables.run("sotto", ["sync", "--data-dir", root + "/a"], environment: env)
        #expect(sync.status == 0, "\(sync.stderr)")

        // A fresh device restores exactly what was imported.
        let login = try await Executables.run(
            "sotto", ["login", "--server", server.url, "--data-dir", root + "/b", "--software-passkey", passkey],
            environment: env)
        #expect(login.status == 0, "\(login.stderr)")
        let syncB = try await Executables.run("sotto", ["sync", "--data-dir", root + "/b"], environment: env)
        #expect(syncB.status == 0, "\(syncB.stderr)")
        #expect(syncB.stdout.contains("Pulled \(60 * 13) record(s)"), "\(syncB.stdout)")
        let export = try await Executables.run(
            "sotto", ["export", "--data-dir", root + "/b", "--format", "json", "-o", root + "/b-export.json"],
            environment: env)
        #expect(export.status == 0, "\(export.stderr)")
        let restored = try HistoryExport(json: try Data(contentsOf: URL(fileURLWithPath: root + "/b-export.json")))
        #expect(Set(restored.conversations.map(\.id)) == Set(expected.conversations.map(\.id)))
        let restoredMessages = Dictionary(
            uniqueKeysWithValues: restored.conversations.map { ($0.id, $0.messages.map(\.content)) })
        for conversation in expected.conversations {
            #expect(restoredMessages[conversation.id] == conversation.messages.map(\.content))
        }
    }

    /// Kills the server (SIGKILL) just before the `killAt`-th request reaches it.
    final class KillingTransport: SyncTransport, @unchecked Sendable {
        let inner: HTTPSyncTransport
        let server: AccountServerProcess
        let killAt: Int
        private var calls = 0
        private let lock = NSLock()

        init(inner: HTTPSyncTransport, server: AccountServerProcess, killAt: Int) {
            self.inner = inner
            self.server = server
            self.killAt = killAt
        }

        private func count() {
            lock.lock()
            calls += 1
            let now = calls
            lock.unlock()
            if now == killAt {
                kill(server.process.processIdentifier, SIGKILL)
                server.process.waitUntilExit()
            }
        }

        func push(_ request: PushRequest) async throws -> PushResponse {
            count()
            return try await inner.push(request)
        }

        func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
            count()
            return try await inner.pull(after: cursor, limit: limit)
        }
    }

    @Test func aServerKilledAndRestartedMidSyncLosesNothing() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-restart-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let software = SoftwareAuthenticator(
            path: root + "/passkey", passphrase: SecureBytes(copying: Array("pw".utf8)), parameters: .minimum)
        let registration = try await AccountSession(dataFolder: root + "/a", server: server.url) { _ in software }
            .register(authenticator: software)
        let token = try #require(registration.state.session).token
        let history = try HistoryStore(
            cache: LocalCache(path: root + "/a/" + LocalCache.fileName, account: registration.state.accountID),
            keys: try AccountRecordKeys(registration.keys), device: .random())
        var ids: [RecordID] = []
        for c in 0..<20 {
            let id = RecordID.random()
            ids.append(id)
            let now = Date()
            try history.save(
                conversation: ConversationRecord(title: "c\(c)", createdAt: now, updatedAt: now, clock: history.tick()),
                id: id)
            for m in 0..<10 {
                try history.append(
                    message: MessageRecord(
                        conversationID: id, role: .user, content: "m\(m)", time: now, clock: history.tick()))
            }
        }
        // Small pushes, so the sync takes many requests; the server dies before the fourth.
        let killing = KillingTransport(
            inner: HTTPSyncTransport(serverURL: server.url, http: CurlHTTPClient()) { token }, server: server, killAt: 4
        )
        await #expect(throws: (any Error).self) {
            _ = try await SyncEngine(transport: killing, maximumPushBytes: 8 * 1024).sync(history)
        }
        #expect(try !history.pendingChanges().isEmpty)

        // Restarted on the same data folder (a new port): the sync resumes and completes.
        await server.stop()
        server = try await AccountServerProcess.start(dataDir: root + "/server")
        let transport = HTTPSyncTransport(serverURL: server.url, http: CurlHTTPClient()) { token }
        let report = try await SyncEngine(transport: transport, maximumPushBytes: 8 * 1024).sync(history)
        #expect(report.conflicts == 0)
        #expect(try history.pendingChanges().isEmpty)

        // A fresh device sees every record once.
        let fresh = try HistoryStore(
            cache: LocalCache(path: root + "/b/" + LocalCache.fileName, account: registration.state.accountID),
            keys: try AccountRecordKeys(registration.keys), device: .random())
        let restored = try await SyncEngine(transport: transport, pageSize: 37).sync(fresh)
        #expect(restored.pulled == 20 * 11)
        #expect(Set(fresh.conversations.keys) == Set(ids))
        for id in ids { #expect(try fresh.messages(in: id).count == 10) }
    }
}
