import Foundation
import TestSupport
import Testing

/// One device's data folder used by several `sotto` processes at once (a script, the full
/// screen, a second window), against the real server: writers wait their turn on the cache,
/// one process syncs at a time, and nobody sees "database is locked".
@Suite(.serialized) struct SharedDeviceTests {
    @Test func parallelAsksAndSyncsOnOneFolderAllSucceed() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-shared-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Ceremony begins are limited per address; 26 logins from one address are this test's.
        let server = try await AccountServerProcess.start(
            dataDir: root + "/server", extraArguments: ["--rate-limit", "ceremony=100", "--rate-limit", "chat=100"])
        defer { server.terminate() }
        let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": "correct horse battery staple"]
        let data = root + "/a"
        let register = try await Executables.run(
            "sotto",
            [
                "register", "--server", server.url, "--data-dir", data, "--software-passkey", root + "/passkey",
                "--recovery-key-out", root + "/recovery",
            ], environment: env)
        #expect(register.status == 0, "\(register.stderr)")

        let asks = 20
        let syncs = 5
        let results = try await withThrowingTaskGroup(of: (String, Executables.Result).self) { group in
            for n in 0..<asks {
                group.addTask {
                    (
                        "ask \(n)",
                        try await Executables.run(
                            "sotto", ["ask", "--dev", "--data-dir", data, "question \(n)"], environment: env)
                    )
                }
            }
            for n in 0..<syncs {
                group.addTask {
                    ("sync \(n)", try await Executables.run("sotto", ["sync", "--data-dir", data], environment: env))
                }
            }
            var out: [(String, Executables.Result)] = []
            for try await result in group { out.append(result) }
            return out
        }
        #expect(results.count == asks + syncs)
        for (name, result) in results {
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(!result.stderr.contains("locked"), "\(name): \(result.stderr)")
            #expect(!result.stderr.contains("sync failed"), "\(name): \(result.stderr)")
        }

        // Every question was saved once, and a last sync finds nothing left to push.
        let history = try await Executables.run("sotto", ["history", "--data-dir", data], environment: env)
        #expect(history.status == 0, "\(history.stderr)")
        for n in 0..<asks {
            #expect(history.stdout.split(separator: "\n").count { $0.hasSuffix("question \(n)") } == 1, "\(n)")
        }
        let last = try await Executables.run("sotto", ["sync", "--data-dir", data], environment: env)
        #expect(last.status == 0, "\(last.stderr)")
        #expect(last.stdout.contains("pushed 0"), "\(last.stdout)")
    }
}
