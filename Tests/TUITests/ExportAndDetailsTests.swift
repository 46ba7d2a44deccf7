import Core
import CoreTesting
import Foundation
import TUI
import Testing
import Wire

/// Export to Markdown and the attestation details, from the palette.
@Suite struct ExportAndDetailsTests {
    init() { TestEnvironment.prepare() }

    @Test func thePaletteExportsTheOpenConversation() async throws {
        let id = RecordID.test(1)
        let service = InMemoryChatService(
            conversations: [ConversationSummary(id: id, title: "Trains")],
            messages: [
                id: [
                    ChatMessage(id: .test(1), role: .user, text: "How fast?"),
                    ChatMessage(id: .test(2), role: .assistant, text: "Fast."),
                ]
            ])
        let backend = InMemoryBackend(size: Size(columns: 100, rows: 30))
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        for _ in 0..<200 where !backend.screen.text.contains("Fast.") {
            runtime.step()
            try await Task.sleep(for: .milliseconds(5))
        }
        backend.type("<C-p>export<CR>")
        for _ in 0..<200 where !backend.screen.text.contains("Exported to memory:\(id)") {
            runtime.step()
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(backend.screen.text.contains("Exported to memory:\(id)"))
        #expect(service.exports[id]?.contains("How fast?") == true)
    }

    @Test func theHistoryBackedServiceWritesAPrivateMarkdownFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sotto-export-tui-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let history = try HistoryStore(
            cache: LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID("export-account")),
            keys: TestRecordKeys(), device: .random())
        let session = ChatSession(history: history, sender: ScriptedSender(answer: "ok"), sync: nil)
        let id = try await session.startConversation(firstPrompt: "Trains in Japan?")
        try await session.append(.user, "Trains in Japan?", to: id)
        let auditPath = folder + "/audit.jsonl"
        let audit = FileAuditLog(path: auditPath)
        try audit.append(
            AuditRecord(
                time: Date(timeIntervalSince1970: 1_800_000_000), server: "http://127.0.0.1:1", platform: "sev-snp",
                simulated: true, measurement: "ab" + String(repeating: "0", count: 94), manifestVersion: "0.1.0",
                keyID: "k1", verdict: "trusted", reason: nil))
        let service = CoreChatService(
            session: session, client: nil, serverLabel: "test", exportDirectory: folder + "/exports", auditLog: audit)
        let path = try await service.exportMarkdown(id, showing: [])
        #expect(path.hasPrefix(folder + "/exports/Trains-in-Japan"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("# Trains in Japan?") && text.contains("## You\n\nTrains in Japan?"))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        await #expect(throws: ChatServiceError.self) { _ = try await service.exportMarkdown(.random(), showing: []) }

        let status = await service.status()
        // Simulated attestation is never called trusted, in the audit record's lines either.
        #expect(status.audit.contains("verdict: simulated (development)"))
        #expect(!status.audit.contains { $0.contains("trusted") })
        #expect(status.audit.contains("platform: sev-snp (simulated)"))
        var model = AppModel(size: Size(columns: 100, rows: 30))
        _ = Update.update(&model, .service(.status(status)))
        _ = Update.update(&model, .key(.control("p")))
        for c in "attestation" { _ = Update.update(&model, .key(.character(c))) }
        _ = Update.update(&model, .key(.enter))
        guard case .notice(_, let lines)? = model.overlay else {
            Issue.record("no details overlay")
            return
        }
        #expect(lines.contains("Last audit record:"))
        #expect(lines.contains("  manifest: 0.1.0"))
    }

    /// Development attestation says so in the verdict, and the details name the model and the
    /// digest of its file (issue 20, bug 13).
    @Test func theDetailsSaySimulatedAndNameTheModelAndItsDigest() {
        let digest = String(repeating: "5e", count: 32)
        var status = StatusInfo(
            lock: .unlocked, server: "http://127.0.0.1:7878",
            attestation: .verified(platform: "sev-snp", measurement: "3f2a9c1e77d0", simulated: true),
            model: "SmolLM2-135M-Instruct-Q4_1")
        status.modelDigest = digest
        var model = AppModel(size: Size(columns: 100, rows: 30))
        _ = Update.update(&model, .service(.status(status)))
        _ = Update.perform(&model, .attestationDetails)
        guard case .notice(_, let lines)? = model.overlay else {
            Issue.record("no details overlay")
            return
        }
        #expect(lines.contains("Verdict: simulated (development)"))
        #expect(!lines.contains { $0.contains("trusted") })
        #expect(lines.contains("Model: SmolLM2-135M-Instruct-Q4_1"))
        #expect(lines.contains("Model SHA-256: \(digest)"))
        let screen = AppView.render(model).text
        #expect(screen.contains("simulated (development)"))
        #expect(screen.contains(String(digest.prefix(40))))

        // Hardware attestation that passed is trusted.
        status.attestation = .verified(platform: "sev-snp", measurement: "3f2a9c1e77d0", simulated: false)
        _ = Update.update(&model, .service(.status(status)))
        _ = Update.perform(&model, .attestationDetails)
        guard case .notice(_, let hardware)? = model.overlay else { return }
        #expect(hardware.contains("Verdict: trusted"))
    }
}
