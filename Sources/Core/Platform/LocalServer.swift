import Foundation
import Wire

/// A development server run as a child process on loopback: `sotto-server serve --dev` with
/// the embedded model and its own data folder, for local mode (`sotto` with no server
/// configured). Simulated attestation: the client must trust the development root for it,
/// and says so on every screen.
public final class LocalServer: Sendable {
    /// What to start.
    public struct Options: Sendable, Hashable {
        /// The `sotto-server` executable.
        public var executable: String
        /// The GGUF model the embedded engine loads.
        public var modelPath: String
        /// The server's data folder (its store and development keys).
        public var dataDirectory: String
        /// Where the child's output goes.
        public var logPath: String
        /// How long to wait for it to listen and answer `/healthz`.
        public var startTimeoutSeconds: Double
        /// The loopback port; 0 picks a free one. A fixed port lets the device's account
        /// remember the same server URL across runs, and lets a second window share the
        /// server the first one started.
        public var port: Int

        public init(
            executable: String, modelPath: String, dataDirectory: String, logPath: String,
            startTimeoutSeconds: Double = 120, port: Int = 0
        ) {
            self.port = port
            self.executable = executable
            self.modelPath = modelPath
            self.dataDirectory = dataDirectory
            self.logPath = logPath
            self.startTimeoutSeconds = startTimeoutSeconds
        }
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    public let url: String
    /// The child, or nil when another process's local server was already answering.
    private let process: Process?

    private init(url: String, process: Process?) {
        self.url = url
        self.process = process
    }

    /// The port local mode uses unless configured otherwise.
    public static let defaultPort = 47_391

    /// Finds `sotto-server` beside the running executable, else on `PATH`.
    public static func findExecutable(environment: [String: String]) -> String? {
        let here = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("sotto-server").path
        if FileManager.default.isExecutableFile(atPath: here) { return here }
        for folder in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(folder)/sotto-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts the child and waits until it answers `/healthz`.
    /// - Throws: `LocalServerError` when the executable or model is missing, the child exits,
    ///   or it does not answer in time (the child is stopped then).
    public static func start(
        _ options: Options, http: any HTTPTransport = CurlHTTPClient()
    ) async throws
        -> LocalServer
    {
        if options.port != 0 {
            let url = "http://127.0.0.1:\(options.port)"
            if let health = try? await http.send(
                HTTPRequest(url: url + "/healthz", connectTimeoutSeconds: 1, idleTimeoutSeconds: 3)),
                health.status == 200,
                String(decoding: health.body, as: UTF8.self).contains("\"simulated\":true")
            {
                return LocalServer(url: url, process: nil)
            }
        }
        guard FileManager.default.isExecutableFile(atPath: options.executable) else {
            throw LocalServerError(.missingExecutable, "cannot run \(options.executable); build it with `swift build`")
        }
        guard FileManager.default.fileExists(atPath: options.modelPath) else {
            throw LocalServerError(
                .missingModel,
                "no model at \(options.modelPath); run scripts/fetch-model.sh or set SOTTO_MODEL to a GGUF file")
        }
        for folder in [options.dataDirectory, (options.logPath as NSString).deletingLastPathComponent] {
            try? FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        guard
            FileManager.default.createFile(
                atPath: options.logPath, contents: nil, attributes: [.posixPermissions: 0o600]),
            let log = FileHandle(forWritingAtPath: options.logPath)
        else {
            throw LocalServerError(.startFailed, "cannot write the server log \(options.logPath)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.executable)
        process.arguments = [
            "serve", "--dev", "--model", options.modelPath, "--listen", "127.0.0.1:\(options.port)", "--data-dir",
            options.dataDirectory,
            // Stopped with this process even when it cannot stop it (killed with its terminal).
            "--exit-with-parent",
        ]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw LocalServerError(.startFailed, "cannot start \(options.executable): \(error.localizedDescription)")
        }
        try? log.close()
        let deadline = Date().addingTimeInterval(options.startTimeoutSeconds)
        var url: String?
        while Date() < deadline {
            guard process.isRunning else {
                throw LocalServerError(
                    .exited, "the local server exited with status \(process.terminationStatus); see \(options.logPath)")
            }
            if url == nil { url = listeningURL(inLogAt: options.logPath) }
            if let url,
                let health = try? await http.send(
                    HTTPRequest(url: url + "/healthz", connectTimeoutSeconds: 2, idleTimeoutSeconds: 5)),
                health.status == 200
            {
                return LocalServer(url: url, process: process)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        process.waitUntilExit()
        throw LocalServerError(
            .timeout,
            "the local server did not answer within \(Int(options.startTimeoutSeconds)) s; see \(options.logPath)")
    }

    /// The URL the server announced in its log ("listening on http://127.0.0.1:PORT").
    static func listeningURL(inLogAt path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression)
        else { return nil }
        return String(text[range])
    }

    /// Whether the child still runs (false when attached to another process's server).
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Whether this process started the server (and stops it).
    public var ownsServer: Bool { process != nil }

    /// Stops the child: SIGTERM, then SIGKILL after `graceSeconds`. A server this process
    /// did not start is left running.
    public func stop(graceSeconds: Double = 5) {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(graceSeconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Why the local server could not run.
public typealias LocalServerError = CodedError<LocalServerErrorCode>

/// Stable identifiers of `LocalServerError`.
public enum LocalServerErrorCode: String, StableErrorCode {
    case missingExecutable = "SOTTO-LOCAL-EXECUTABLE"
    case missingModel = "SOTTO-LOCAL-MODEL"
    case startFailed = "SOTTO-LOCAL-START"
    case exited = "SOTTO-LOCAL-EXITED"
    case timeout = "SOTTO-LOCAL-TIMEOUT"
}
