import Foundation
import ServerTesting
import TestSupport
import Testing

/// `sotto ask` against the real server whose model is busy (503 `SOTTO-BACKEND-BUSY` with
/// `Retry-After`): tried again within a bound, saying so, before giving up.
@Suite(.serialized) struct BusyServerTests {
    func ask(_ answer: FakeOpenAIServer.Behaviour) async throws -> Executables.Result {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-busy-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server", answer: answer)
        defer { server.terminate() }
        return try await Executables.run(
            "sotto", ["ask", "--dev", "--no-save", "--server", server.url, "--data-dir", root + "/a", "hello"],
            environment: ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_BUSY_WAIT": "1"])
    }

    @Test func aBusyModelIsTriedAgainAndAnswers() async throws {
        let result = try await ask(.busyFirst(2, then: ["fine"]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("fine"))
        #expect(result.stderr.contains("the server is busy (SOTTO-BACKEND-BUSY); trying again in 1 s (1 of 3)"))
        #expect(result.stderr.contains("(2 of 3)"))
        #expect(!result.stderr.contains("(3 of 3)"))
    }

    @Test func aModelThatStaysBusyEndsTheCommandAfterTheLastTry() async throws {
        let result = try await ask(.status(503))
        #expect(result.status == 1)
        #expect(result.stderr.contains("(3 of 3)"), "\(result.stderr)")
        #expect(result.stderr.contains("HTTP 503"), "\(result.stderr)")
        #expect(result.stderr.contains("SOTTO-BACKEND-BUSY"), "\(result.stderr)")
    }
}
