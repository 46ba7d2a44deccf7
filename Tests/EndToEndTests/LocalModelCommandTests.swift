import Foundation
import TestSupport
import Testing

/// `sotto-server generate` and `bench` as a user runs them; never on a real model here, since debug builds are
/// too slow for that.
@Suite struct LocalModelCommandTests {
    @Test func helpDescribesBothCommands() async throws {
        let generate = try await Executables.run("sotto-server", ["generate", "--help"])
        #expect(generate.status == 0)
        #expect(generate.stdout.contains("USAGE: sotto-server generate"))
        for option in ["--raw", "--greedy", "--temperature", "--top-k", "--top-p", "--min-p", "--repeat-penalty"] {
            #expect(generate.stdout.contains(option), "generate --help lacks \(option)")
        }
        #expect(generate.stdout.contains("--seed") && generate.stdout.contains("-n"))
        let bench = try await Executables.run("sotto-server", ["bench", "--help"])
        #expect(bench.status == 0)
        #expect(bench.stdout.contains("USAGE: sotto-server bench"))
        #expect(bench.stdout.contains("--threads") && bench.stdout.contains("--runs"))
        let top = try await Executables.run("sotto-server", ["--help"])
        #expect(top.stdout.contains("generate") && top.stdout.contains("bench"))
    }

    @Test func generateWithAMissingModelFailsClearly() async throws {
        let path = "/nonexistent/model-\(UUID().uuidString).gguf"
        let result = try await Executables.run("sotto-server", ["generate", "--model", path, "hello"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("SOTTO-GGUF-OPEN"), "\(result.stderr)")
        #expect(result.stderr.contains(path))
        #expect(result.stdout.isEmpty)
        let bench = try await Executables.run("sotto-server", ["bench", "--model", path])
        #expect(bench.status != 0)
        #expect(bench.stderr.contains("SOTTO-GGUF-OPEN"))
    }

    @Test func contradictoryOptionsAreRejected() async throws {
        let result = try await Executables.run(
            "sotto-server", ["generate", "--model", "/nonexistent.gguf", "--greedy", "--temperature", "0.7", "hi"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--greedy"))
    }
}
