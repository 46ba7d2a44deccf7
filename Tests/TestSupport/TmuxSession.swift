import Foundation
import Testing

/// A private tmux server with one window, `t`, for tests that drive the real binary in a real
/// terminal: keys in, `capture-pane` out. Driven through `/bin/sh`, not Foundation's
/// `Process`, which detects exit through a descriptor the child inherits, and the tmux server
/// the first command forks keeps that open for good.
///
/// A program's standard error goes to a file of the session's, so a test that waits for a
/// screen the program never drew records what it said before it ended.
public final class TmuxSession: Sendable {
    public static let tmuxPath = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    /// The built `sotto`.
    public static var sottoPath: String { Executables.productsDirectory.appendingPathComponent("sotto").path }
    /// Whether tmux and a built `sotto` are here.
    public static var available: Bool { tmuxPath != nil && FileManager.default.isExecutableFile(atPath: sottoPath) }

    public let socket = "sotto-tmux-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    /// A folder of the test's own: the window's home, and where tmux's output is read from.
    public let home: URL
    private let removesHome: Bool

    /// - Parameter home: the window's home; a new temporary folder (removed by `stop`) if nil.
    public init(home: String? = nil) throws {
        self.home =
            home.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tmux-\(UUID())")
        removesHome = home == nil
        try FileManager.default.createDirectory(at: self.home, withIntermediateDirectories: true)
    }

    /// Runs one tmux command (or several, separated by `";"`) and returns what it printed.
    @discardableResult
    public func tmux(_ arguments: [String], input: String? = nil) throws -> String {
        let quoted = ([Self.tmuxPath!, "-L", socket, "-f", "/dev/null"] + arguments).map(Self.quote)
        let outFile = home.path + "/tmux-output"
        var command = quoted.joined(separator: " ") + " >" + Self.quote(outFile) + " 2>/dev/null"
        if let input {
            let inFile = home.path + "/tmux-input"
            try input.write(toFile: inFile, atomically: true, encoding: .utf8)
            command += " <" + Self.quote(inFile)
        } else {
            command += " </dev/null"
        }
        try Self.shell(command, environment: ["LANG=C.UTF-8", "PATH=/usr/bin:/bin", "HOME=" + home.path])
        return (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
    }

    public static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Runs `/bin/sh -c command` and waits for it.
    static func shell(_ command: String, environment: [String]) throws {
        let arguments = ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, &envp) == 0 else {
            throw FixtureError(path: "/bin/sh (could not start)")
        }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// What the window's programs wrote to standard error (it is not on the screen, which the
    /// full-screen app clears): a timed-out wait records it.
    public var errorLog: URL { home.appendingPathComponent("window-stderr.log") }

    /// Opens window `t` running `command`: one argument is run by the shell, several are the
    /// program and its arguments. `environment` holds `NAME=value` settings beside the
    /// terminal's own (UTF-8, tmux-256color, the session's home). The window closes when its
    /// program ends; what the program wrote to standard error is kept in `errorLog`.
    public func launch(_ command: [String], columns: Int, rows: Int, environment: [String] = []) throws {
        let settings = [
            "LANG=C.UTF-8", "TERM=tmux-256color", "HOME=\(home.path)", "XDG_CONFIG_HOME=\(home.path)/config",
        ]
        let program =
            command.count == 1
            ? ["(" + command[0] + ") 2>>" + Self.quote(errorLog.path)]
            : ["/bin/sh", "-c", "exec \"$@\" 2>>" + Self.quote(errorLog.path), "sh"] + command
        try tmux(
            ["new-session", "-d", "-s", "t", "-x", "\(columns)", "-y", "\(rows)"]
                + (settings + environment).flatMap { ["-e", $0] } + program)
    }

    public func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "t"]) }

    /// Polls the screen until it contains `text` (or, with `absent`, until it does not);
    /// records the screen on timeout.
    public func waitFor(
        _ text: String, absent: Bool = false, timeoutSeconds: Double = 5,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for _ in 0..<Int(timeoutSeconds * 40) {
            if try screen().contains(text) != absent { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        let ended = try isRunning() ? "" : " (the program has ended)"
        let errors = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
        Issue.record(
            "timed out waiting for \(absent ? "no " : "")\(text)\(ended); screen:\n\(try screen())\nstandard error:\n\(errors)",
            sourceLocation: sourceLocation)
    }

    public func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", "t"] + keys) }
    public func type(_ text: String) throws { try tmux(["send-keys", "-t", "t", "-l", text]) }

    /// Whether the window's program is still running.
    public func isRunning() throws -> Bool {
        try tmux(["list-panes", "-t", "t", "-F", "#{pane_dead}"]).split(separator: "\n").contains("0")
    }

    /// Waits up to `seconds` for the window's program to end; whether it did.
    public func waitUntilEnded(seconds: Double = 10) async throws -> Bool {
        for _ in 0..<Int(seconds * 40) where try isRunning() { try await Task.sleep(for: .milliseconds(25)) }
        return try !isRunning()
    }

    /// Stops the tmux server, and removes the home it made.
    public func stop() {
        _ = try? tmux(["kill-server"])
        if removesHome { try? FileManager.default.removeItem(at: home) }
    }
}
