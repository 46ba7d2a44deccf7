import Core
import Foundation
import Glibc
import TestSupport
import Testing

/// Local mode's child server: the real `sotto-server` binary started, health-checked and
/// stopped; failures to start are clear errors.
@Suite struct LocalServerTests {
    static let modelPath = Fixtures.defaultModelPath

    func options(root: URL, model: String) -> LocalServer.Options {
        LocalServer.Options(
            executable: Executables.productsDirectory.appendingPathComponent("sotto-server").path, modelPath: model,
            dataDirectory: root.appendingPathComponent("server").path,
            logPath: root.appendingPathComponent("server.log").path, startTimeoutSeconds: 60)
    }

    @Test(.enabled(if: modelPath != nil)) func startsAnswersAndStops() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try await LocalServer.start(options(root: root, model: Self.modelPath!))
        #expect(server.url.hasPrefix("http://127.0.0.1:"))
        let health = try await CurlHTTPClient().send(HTTPRequest(url: server.url + "/healthz"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self).contains("\"simulated\":true"))
        server.stop()
        #expect(!server.isRunning)
        await #expect(throws: NetError.self) {
            _ = try await CurlHTTPClient().send(HTTPRequest(url: server.url + "/healthz"))
        }
    }

    /// On a fixed port, a second start finds the running server and shares it; only the
    /// process that started it stops it.
    @Test(.enabled(if: modelPath != nil)) func aSecondStartSharesTheRunningServer() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var fixed = options(root: root, model: Self.modelPath!)
        fixed.port = Int.random(in: 42_000..<46_000)
        let first = try await LocalServer.start(fixed)
        defer { first.stop() }
        #expect(first.ownsServer && first.url == "http://127.0.0.1:\(fixed.port)")
        let second = try await LocalServer.start(fixed)
        #expect(!second.ownsServer && second.url == first.url)
        second.stop()
        #expect(first.isRunning)
        let health = try await CurlHTTPClient().send(HTTPRequest(url: first.url + "/healthz"))
        #expect(health.status == 200)
    }

    /// A `sotto` killed with its terminal cannot stop its child: the child sees its parent go
    /// and shuts down by itself.
    @Test(.enabled(if: modelPath != nil)) func theServerEndsWhenItsParentIsKilled() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let server = Executables.productsDirectory.appendingPathComponent("sotto-server").path
        let pidFile = root.appendingPathComponent("server.pid").path
        // A parent that starts the server as local mode does, then is killed.
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sh")
        parent.arguments = [
            "-c",
            "\"$0\" serve --dev --model \"$1\" --listen 127.0.0.1:0 --data-dir \"$2\" --exit-with-parent "
                + ">\"$2.log\" 2>&1 & echo $! >\"$3\"; wait",
            server, Self.modelPath!, root.appendingPathComponent("data").path, pidFile,
        ]
        try parent.run()
        var pid: pid_t = 0
        for _ in 0..<200 where pid == 0 {
            let text = try? String(contentsOfFile: pidFile, encoding: .utf8)
            pid = text.flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(pid > 0)
        // Up and listening before its parent goes.
        for _ in 0..<600 {
            let log = (try? String(contentsOfFile: root.appendingPathComponent("data.log").path, encoding: .utf8)) ?? ""
            if log.contains("listening on") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(kill(pid, 0) == 0)
        kill(parent.processIdentifier, SIGKILL)
        var gone = false
        for _ in 0..<300 where !gone {
            try await Task.sleep(for: .milliseconds(50))
            // Reaped by init once it exits; until then it may linger as a zombie.
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ")
            gone = state == nil || state?[2] == "Z"
        }
        #expect(gone, "the server outlived its parent")
        if !gone { kill(pid, SIGKILL) }
    }

    @Test func aMissingModelOrBadModelIsAClearError() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        do {
            _ = try await LocalServer.start(options(root: root, model: root.appendingPathComponent("none.gguf").path))
            Issue.record("started without a model")
        } catch let error as LocalServerError {
            #expect(error.code == .missingModel)
        }
        let bogus = root.appendingPathComponent("bogus.gguf")
        try Data("not a gguf file".utf8).write(to: bogus)
        do {
            _ = try await LocalServer.start(options(root: root, model: bogus.path))
            Issue.record("started with a bogus model")
        } catch let error as LocalServerError {
            #expect(error.code == .exited, "\(error)")
            #expect(error.message.contains("server.log"))
        }
    }
}
