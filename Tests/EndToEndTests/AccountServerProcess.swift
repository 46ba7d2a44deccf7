import Foundation
import ServerTesting
import TestSupport

/// `sotto-server serve --dev` on a loopback port, for the account tests: the real server the
/// client's libcurl and the `sotto` binary talk to.
final class AccountServerProcess {
    let process: Process
    let url: String
    let upstream: FakeOpenAIServer

    /// - Parameters:
    ///   - logFile: where the server's log (standard error) goes; discarded when nil.
    ///   - answer: what the model upstream answers.
    ///   - extraArguments: more `serve` options (`--origin …`).
    ///   - descriptorLimit: the server's limit on open descriptors (`ulimit -n`), when not inherited.
    static func start(
        dataDir: String, logFile: String? = nil, answer: FakeOpenAIServer.Behaviour = .stream(["ok"]),
        extraArguments: [String] = [], descriptorLimit: Int? = nil
    ) async throws -> AccountServerProcess {
        let upstream = try await FakeOpenAIServer.start(answer)
        let process = Process()
        // SOTTO_TEST_SERVER_EXECUTABLE measures another build (a release one) under the same harness.
        let server =
            ProcessInfo.processInfo.environment["SOTTO_TEST_SERVER_EXECUTABLE"].map { URL(fileURLWithPath: $0) }
            ?? Executables.productsDirectory.appendingPathComponent("sotto-server")
        let arguments =
            [
                "serve", "--dev", "--upstream", upstream.url, "--upstream-model", "fake-model", "--listen",
                "127.0.0.1:0",
                "--data-dir", dataDir,
            ] + extraArguments
        if let descriptorLimit {
            // The shell sets the limit and becomes the server (same process id).
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", server.path] + arguments
        } else {
            process.executableURL = server
            process.arguments = arguments
        }
        let out = Pipe()
        process.standardOutput = out
        if let logFile,
            (try? FileManager.default.createDirectory(
                atPath: (logFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)) != nil,
            FileManager.default.createFile(atPath: logFile, contents: nil),
            let log = FileHandle(forWritingAtPath: logFile)
        {
            process.standardError = log
        } else {
            process.standardError = FileHandle.nullDevice
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = out.fileHandleForReading
        // Read on a thread of its own: blocking here would hold a cooperative thread that this
        // process's in-process servers (the fake upstream) need.
        let line = try await Executables.onOwnThread { () -> [UInt8] in
            var line = [UInt8]()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            return line
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://127.0.0.1:[0-9]+", options: .regularExpression) else {
            process.terminate()
            await upstream.stop()
            throw FixtureError(path: "sotto-server did not report its address: \(text)")
        }
        return AccountServerProcess(process: process, url: String(text[range]), upstream: upstream)
    }

    private init(process: Process, url: String, upstream: FakeOpenAIServer) {
        self.process = process
        self.url = url
        self.upstream = upstream
    }

    /// Stops the server process now, without waiting for the upstream (for `defer`).
    func terminate() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func stop() async {
        terminate()
        await upstream.stop()
    }
}
