import Foundation
import TestSupport
import Testing

/// The real binaries, run as a user runs them.
@Suite struct CommandLineTests {
    @Test func helpListsTheDeveloperCommands() async throws {
        let help = try await Executables.run("sotto", ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: sotto"))
        #expect(help.stdout.contains("dev"))
        let dev = try await Executables.run("sotto", ["dev", "--help"])
        #expect(dev.stdout.contains("noise-vectors"))
        #expect(dev.stdout.contains("bench"))
        let server = try await Executables.run("sotto-server", ["--help"])
        #expect(server.status == 0)
        #expect(server.stdout.contains("USAGE: sotto-server"))
    }

    @Test func versionNamesTheLinkedLibraries() async throws {
        let result = try await Executables.run("sotto", ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("libsodium 1.0."))
        #expect(result.stdout.contains("libcurl"))
    }

    @Test func noiseVectorsCommandReportsTheCacophonyCounts() async throws {
        let result = try await Executables.run(
            "sotto", ["dev", "noise-vectors", Fixtures.url("vectors/noise/cacophony.txt").path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.last == "472 passed, 0 failed, 472 skipped")
        #expect(lines.contains { $0.hasPrefix("skipped 472:") && $0.contains("448") })
        #expect(!result.stdout.contains("FAIL"))

        let fallback = try await Executables.run(
            "sotto", ["dev", "noise-vectors", Fixtures.url("vectors/noise/noise-c-fallback.txt").path])
        #expect(fallback.status == 0)
        #expect(fallback.stdout.split(separator: "\n").last == "8 passed, 0 failed, 24 skipped")
    }

    @Test func noiseVectorsCommandFailsOnATamperedFile() async throws {
        let text = try Fixtures.text("vectors/noise/cacophony.txt")
        // Corrupt the first ciphertext of the file: exactly one 25519 vector must fail.
        let marker = "\"ciphertext\": \""
        let range = try #require(text.range(of: marker))
        let digit = text[range.upperBound]
        let tampered = text.replacingCharacters(
            in: range.upperBound..<text.index(after: range.upperBound), with: digit == "0" ? "1" : "0")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tampered-\(UUID().uuidString).json")
        try Data(tampered.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await Executables.run("sotto", ["dev", "noise-vectors", file.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL #0 Noise_NN_25519_AESGCM_BLAKE2b"))
        #expect(result.stdout.split(separator: "\n").last == "471 passed, 1 failed, 472 skipped")
    }

    @Test func badInputGivesAClearErrorAndNonZeroExit() async throws {
        let missing = try await Executables.run("sotto", ["dev", "noise-vectors", "/nonexistent/vectors.json"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read /nonexistent/vectors.json"))
        let notJSON = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).txt")
        try Data("hello".utf8).write(to: notJSON)
        defer { try? FileManager.default.removeItem(at: notJSON) }
        let bad = try await Executables.run("sotto", ["dev", "noise-vectors", notJSON.path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("is not a Noise vector file"))
        let listen = try await Executables.run(
            "sotto-server", ["serve", "--dev", "--upstream", "http://127.0.0.1:9", "--listen", "nowhere"])
        #expect(listen.status != 0)
        #expect(listen.stderr.contains("SOTTO-CONFIG-LISTEN"))
    }
}
