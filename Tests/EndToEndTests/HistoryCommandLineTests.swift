import Foundation
import TestSupport
import Testing

/// History from the command line against the real server: `ask` on device A saves the
/// exchange, `sync` pushes it, a fresh device B logs in, syncs and exports it; the prompt is in
/// no file of the server or of either device in the clear.
@Suite(.serialized) struct HistoryCommandLineTests {
    @Test func askOnOneDeviceExportOnAnother() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-hist-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let passkey = root + "/passkey"
        let canary = "canary prompt \(UUID().uuidString) about trains"
        let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": "correct horse battery staple"]
        func sotto(_ arguments: [String], input: String? = nil) async throws -> Executables.Result {
            try await Executables.run("sotto", arguments, environment: env)
        }

        let register = try await sotto([
            "register", "--server", server.url, "--data-dir", root + "/a", "--software-passkey", passkey,
            "--recovery-key-out", root + "/recovery",
        ])
        #expect(register.status == 0, "\(register.stderr)")
        let ask = try await sotto(["ask", "--dev", "--data-dir", root + "/a", canary])
        #expect(ask.status == 0, "\(ask.stderr)")
        #expect(ask.stdout.contains("ok"))
        #expect(ask.stderr.contains("saved in conversation"))
        let noSave = try await sotto(["ask", "--dev", "--data-dir", root + "/a", "--no-save", "not kept"])
        #expect(noSave.status == 0, "\(noSave.stderr)")
        let sync = try await sotto(["sync", "--data-dir", root + "/a"])
        #expect(sync.status == 0, "\(sync.stderr)")

        let history = try await sotto(["history", "--data-dir", root + "/a"])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("canary prompt"))
        #expect(!history.stdout.contains("not kept"))
        let rows = history.stdout.split(separator: "\n").filter { $0.contains("canary prompt") }
        #expect(rows.count == 1)
        let id = String(rows.first?.prefix(32) ?? "")

        // Continue the same conversation, then device B joins and exports it.
        let again = try await sotto(["ask", "--dev", "--data-dir", root + "/a", "--conversation", id, "and buses?"])
        #expect(again.status == 0, "\(again.stderr)")
        let login = try await sotto([
            "login", "--server", server.url, "--data-dir", root + "/b", "--software-passkey", passkey,
        ])
        #expect(login.status == 0, "\(login.stderr)")
        let syncB = try await sotto(["sync", "--data-dir", root + "/b"])
        #expect(syncB.status == 0, "\(syncB.stderr)")
        #expect(syncB.stdout.contains("Pulled 5 record(s)"), "\(syncB.stdout)")
        let exportFile = root + "/export.json"
        let export = try await sotto(["export", "--data-dir", root + "/b", "--format", "json", "-o", exportFile])
        #expect(export.status == 0, "\(export.stderr)")
        let exported = try String(contentsOfFile: exportFile, encoding: .utf8)
        #expect(exported.contains(canary))
        #expect(exported.contains("and buses?"))
        let mode = try FileManager.default.attributesOfItem(atPath: exportFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let markdown = try await sotto(["history", "--data-dir", root + "/b", id])
        #expect(markdown.stdout.contains("## You\n\n\(canary)"))
        // A unique prefix of the id names it too, as git takes a commit's.
        let byPrefix = try await sotto(["history", "--data-dir", root + "/b", String(id.prefix(7))])
        #expect(byPrefix.status == 0, "\(byPrefix.stderr)")
        #expect(byPrefix.stdout == markdown.stdout)
        let tooShort = try await sotto(["history", "--data-dir", root + "/b", String(id.prefix(3))])
        #expect(tooShort.status != 0)
        #expect(tooShort.stderr.contains("SOTTO-CACHE-ID"), "\(tooShort.stderr)")

        // Importing the export on A adds nothing; a bad file is refused clearly.
        let importAgain = try await sotto(["import", "--data-dir", root + "/a", exportFile])
        #expect(importAgain.status == 0, "\(importAgain.stderr)")
        #expect(importAgain.stdout.contains("Imported 0 conversation(s), 0 message(s)"))
        try Data("{\"format\":\"other\"}".utf8).write(to: URL(fileURLWithPath: root + "/bad.json"))
        let bad = try await sotto(["import", "--data-dir", root + "/a", root + "/bad.json"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("not a Sotto export") || bad.stderr.contains("lacks"), "\(bad.stderr)")

        // Only ciphertext at rest: the server's folder and both devices' caches.
        try? FileManager.default.removeItem(atPath: exportFile)
        for folder in ["/server", "/a", "/b"] {
            let names = FileManager.default.enumerator(atPath: root + folder)?.allObjects as? [String] ?? []
            for name in names {
                guard let data = FileManager.default.contents(atPath: root + folder + "/" + name) else { continue }
                #expect(!data.contains(Data(canary.utf8)), "\(folder)/\(name) holds the prompt in the clear")
            }
        }
    }
}
