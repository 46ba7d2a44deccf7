import Core
import Foundation
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
