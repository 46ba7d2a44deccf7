import Foundation
import Synchronization
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// A development server run as a child process on loopback: `sotto-server serve --dev` with
/// the embedded model and its own data folder, for local mode (`sotto` with no server
/// configured). Simulated attestation: the client must trust the development root for it,
/// and says so on every screen.
///
/// Whatever answers on the port must prove it is the child a `sotto` of this device started
/// (`LocalServerProof`, under the secret of `LocalServerSecret`) before anything is sent to
/// it; another process there, another user's included, is refused. The development root the
/// client then trusts is read from the server's data folder on this device, never from the
/// port.
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
        /// The owner-only file holding the secret the child proves it holds; made when missing.
        public var secretPath: String
        /// The environment the child's is made from (without `SOTTO_PASSPHRASE`).
        public var environment: [String: String]
        /// The lease file: every window that uses the server holds a shared lock on it, and the
        /// server stops itself once none does (`serve --exit-when-unused`).
        public var leasePath: String

        /// - Parameter secretPath: default `local-server.secret` beside `dataDirectory`; the
        ///   lease is `local-server.lease` there.
        public init(
            executable: String, modelPath: String, dataDirectory: String, logPath: String,
            startTimeoutSeconds: Double = 120, port: Int = 0, secretPath: String? = nil,
            environment: [String: String] = ProcessInfo.processInfo.environment
        ) {
            self.port = port
            self.secretPath =
                secretPath ?? (dataDirectory as NSString).deletingLastPathComponent + "/local-server.secret"
            self.environment = environment
            self.leasePath = (dataDirectory as NSString).deletingLastPathComponent + "/local-server.lease"
            self.executable = executable
            self.modelPath = modelPath
            self.dataDirectory = dataDirectory
            self.logPath = logPath
            self.startTimeoutSeconds = startTimeoutSeconds
        }
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    public let url: String
    /// The development root and release key of the server, read from its data folder.
    public let developmentTrust: DevelopmentTrust
    /// The roots of development authorities the server set aside when it renewed an outdated
    /// one (`dev-attestation-replaced-*/ark.pem` in its data folder).
    let replacedRoots: [AMDCertificate]
    /// The child, or nil when another window's local server was already answering.
    private let process: Process?
    /// This window's shared lock on the lease file while it uses the server; nil once stopped.
    private let lease: Mutex<Int32?>
    private let leasePath: String

    private init(dataDirectory: String, url: String, process: Process?, lease: Int32, leasePath: String) throws {
        self.leasePath = leasePath
        self.url = url
        self.developmentTrust = try Self.developmentTrust(in: dataDirectory)
        self.replacedRoots = Self.replacedRoots(in: dataDirectory)
        self.process = process
        self.lease = Mutex(lease)
    }

    /// Takes a shared lock on the lease file (made owner-only when missing): this window uses
    /// the local server from now on.
    static func takeLease(_ path: String) throws -> Int32 {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LocalServerError(.startFailed, "cannot open the local server's lease \(path) (errno \(errno))")
        }
        while flock(fd, LOCK_SH) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw LocalServerError(.startFailed, "cannot lock the local server's lease \(path) (errno \(errno))")
            }
        }
        return fd
    }

    /// Whether any window (another process) holds the lease at `path`.
    static func leaseIsHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) != 0
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

    /// Shares the local server another window started on the port, or starts the child, and
    /// waits until it proves itself.
    /// - Throws: `LocalServerError`: `.foreign` when something else answers on the port
    ///   (nothing but the proof's nonce was sent to it); `.secret`; when the executable or
    ///   model is missing, the child exits, or it does not answer in time (the child is
    ///   stopped then).
    public static func start(
        _ options: Options, http: any HTTPTransport = CurlHTTPClient()
    ) async throws
        -> LocalServer
    {
        let secret = try LocalServerSecret.loadOrCreate(at: options.secretPath)
        // Held before the server is looked for or started, so it never sees itself unused
        // while this window is about to use it.
        let lease = try takeLease(options.leasePath)
        do {
            return try await start(options, http: http, secret: secret, lease: lease)
        } catch {
            close(lease)
            throw error
        }
    }

    private static func start(
        _ options: Options, http: any HTTPTransport, secret: SecureBytes, lease: Int32
    ) async throws -> LocalServer {
        if options.port != 0 {
            let url = "http://127.0.0.1:\(options.port)"
            switch await identify(url, secret: secret, http: http) {
            case .ours:
                return try LocalServer(
                    dataDirectory: options.dataDirectory, url: url, process: nil, lease: lease,
                    leasePath: options.leasePath)
            case .foreign:
                throw foreignServer(on: options.port)
            case .nobody:
                break
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
            // Stopped once no window uses it, even a window killed with its terminal (whose
            // lock the kernel releases); not with this process while another window uses it.
            "--exit-when-unused", options.leasePath,
        ]
        process.arguments?.append("--local-secret-on-stdin")
        var environment = options.environment
        // The passphrase of the user's software passkey is none of the server's business.
        environment[PassphraseSource.environmentVariable] = nil
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        let secretPipe = Pipe()
        process.standardInput = secretPipe
        do { try process.run() } catch {
            throw LocalServerError(.startFailed, "cannot start \(options.executable): \(error.localizedDescription)")
        }
        try? log.close()
        // 32 bytes fit in any pipe's buffer: this write does not wait for the child.
        secret.withUnsafeBytes { buffer in
            _ = Glibc.write(secretPipe.fileHandleForWriting.fileDescriptor, buffer.baseAddress!, buffer.count)
        }
        try? secretPipe.fileHandleForWriting.close()
        try? secretPipe.fileHandleForReading.close()
        let deadline = Date().addingTimeInterval(options.startTimeoutSeconds)
        var url: String?
        while Date() < deadline {
            guard process.isRunning else {
                throw LocalServerError(
                    .exited, "the local server exited with status \(process.terminationStatus); see \(options.logPath)")
            }
            if url == nil { url = listeningURL(inLogAt: options.logPath) }
            if let url {
                switch await identify(url, secret: secret, http: http) {
                case .ours:
                    do {
                        return try LocalServer(
                            dataDirectory: options.dataDirectory, url: url, process: process, lease: lease,
                            leasePath: options.leasePath)
                    } catch {
                        stop(process)
                        throw error
                    }
                case .foreign:
                    stop(process)
                    throw foreignServer(on: options.port)
                case .nobody:
                    break
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        stop(process)
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

    /// Who answers at `url`.
    enum Answerer { case ours, foreign, nobody }

    /// Asks whatever listens at `url` to prove it holds `secret`; sends nothing else.
    static func identify(_ url: String, secret: SecureBytes, http: any HTTPTransport) async -> Answerer {
        let nonce = SecureRandom.bytes(LocalServerProof.nonceByteCount)
        let response: HTTPResponse
        do {
            let body = try JSONEncoder().encode(LocalServerProof.Request(nonce: nonce))
            response = try await http.send(
                HTTPRequest(
                    url: url + LocalServerProof.path, method: .post, headers: ["Content-Type": "application/json"],
                    body: Array(body), connectTimeoutSeconds: 2, idleTimeoutSeconds: 5, deadlineSeconds: 10),
                maxBytes: 4096)
        } catch let error as NetError where error.code == .connect {
            return .nobody
        } catch {
            return .foreign
        }
        guard response.status == 200,
            let answer = try? JSONDecoder().decode(LocalServerProof.Response.self, from: Data(response.body)),
            LocalServerProof.verify(answer.proof.bytes, secret: secret, nonce: nonce)
        else { return .foreign }
        return .ours
    }

    static func foreignServer(on port: Int) -> LocalServerError {
        LocalServerError(
            .foreign,
            "something else answers on port \(port), not the local server this device started (nothing was sent "
                + "to it): stop that process (`ss -ltnp 'sport = :\(port)'` shows it; it may be another user's, or "
                + "a local server of an older sotto), or run local mode on another port with SOTTO_LOCAL_PORT")
    }

    /// The development trust of the server whose data folder is `dataDirectory`: the root
    /// and release key its development authority keeps there.
    static func developmentTrust(in dataDirectory: String) throws -> DevelopmentTrust {
        let folder = dataDirectory + "/dev-attestation"
        func unreadable(_ what: String) -> LocalServerError {
            LocalServerError(
                .startFailed,
                "the local server's development \(what) in \(folder) cannot be read; stop sotto, delete that folder "
                    + "and start again")
        }
        guard let pem = try? String(contentsOfFile: folder + "/ark.pem", encoding: .utf8),
            let root = try? AMDCertificate.certificates(pem: pem, role: "development ARK").first
        else { throw unreadable("root (ark.pem)") }
        let read: [UInt8]?
        do throws(PrivateFile.Failure) {
            read = try PrivateFile.read(folder + "/release.key", maximumByteCount: Ed25519.seedByteCount)
        } catch {
            throw unreadable("release key (release.key)")
        }
        guard var seed = read else { throw unreadable("release key (release.key)") }
        defer { ConstantTime.wipe(&seed) }
        guard seed.count == Ed25519.seedByteCount,
            let releaseKey = try? Ed25519.SigningKey(seed: SecureBytes(copying: seed))
        else { throw unreadable("release key (release.key)") }
        return DevelopmentTrust(root: root, releaseSigner: releaseKey.publicKey)
    }

    /// The development roots set aside in `dataDirectory` when the server renewed an outdated
    /// authority; unreadable ones are skipped (they only ever allow a re-pin, never trust).
    static func replacedRoots(in dataDirectory: String) -> [AMDCertificate] {
        let prefix = "dev-attestation-replaced-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted().compactMap { name in
            guard let pem = try? String(contentsOfFile: dataDirectory + "/" + name + "/ark.pem", encoding: .utf8)
            else { return nil }
            return try? AMDCertificate.certificates(pem: pem, role: "development ARK").first
        }
    }

    /// Pins this server's development trust for a device (`store`), unless it already trusts
    /// it, so local mode never learns a root from whatever answers on the port. A pin of a root
    /// the server itself set aside when it renewed an outdated authority (one an older version
    /// made, which clients now refuse), with the same release key, is moved to the new root: both
    /// come from the device's own data folder.
    /// - Returns: true when an outdated authority's pin was replaced (say so to the user).
    /// - Throws: `LocalServerError` `.trust` when the device trusts another development root.
    @discardableResult
    public func pinDevelopmentTrust(in store: DevelopmentTrustStore) throws -> Bool {
        guard let pinned = try store.load() else {
            try store.pin(developmentTrust)
            return false
        }
        if pinned != developmentTrust, pinned.releaseSigner == developmentTrust.releaseSigner,
            let root = pinned.root, replacedRoots.contains(root)
        {
            try store.pin(developmentTrust)
            return true
        }
        guard pinned == developmentTrust else {
            throw LocalServerError(
                .trust,
                "this device trusts another development root than its local server's (\(store.path)); if the local "
                    + "server's folder was deleted on purpose, delete that file too and start again")
        }
        return false
    }

    /// The child's process id, while it runs.
    package var processIdentifier: Int32? { process.flatMap { $0.isRunning ? $0.processIdentifier : nil } }

    /// Whether the child still runs (false when attached to another process's server).
    public var isRunning: Bool { process?.isRunning ?? false }

    /// Whether this process started the server (and stops it).
    public var ownsServer: Bool { process != nil }

    /// This window is done with the server: its lease goes, and the child it started is
    /// stopped (SIGTERM, then SIGKILL after `graceSeconds`) unless another window still uses
    /// it; then the server stops itself when the last one goes. A server this process did not
    /// start is left running.
    public func stop(graceSeconds: Double = 5) {
        let released = lease.withLock { fd -> Bool in
            guard let held = fd else { return false }
            close(held)
            fd = nil
            return true
        }
        guard let process, released else { return }
        if Self.leaseIsHeld(leasePath) { return }
        Self.stop(process, graceSeconds: graceSeconds)
    }

    private static func stop(_ process: Process, graceSeconds: Double = 5) {
        guard process.isRunning else { return }
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
    /// Local mode found no `sotto-server` beside `sotto`.
    case missingExecutable = "SOTTO-LOCAL-EXECUTABLE"
    /// The model file local mode needs is missing.
    case missingModel = "SOTTO-LOCAL-MODEL"
    /// The local server could not be started (or another program holds its port).
    case startFailed = "SOTTO-LOCAL-START"
    /// The local server stopped while it was starting; its log says why.
    case exited = "SOTTO-LOCAL-EXITED"
    /// The local server did not answer in time; its log says why.
    case timeout = "SOTTO-LOCAL-TIMEOUT"
    /// Something other than this device's local server answers on the port.
    case foreign = "SOTTO-LOCAL-FOREIGN"
    /// The secret file that identifies the local server is unusable.
    case secret = "SOTTO-LOCAL-SECRET"
    /// The device trusts another development root than its local server's.
    case trust = "SOTTO-LOCAL-TRUST"
}
