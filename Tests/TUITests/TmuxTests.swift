import Foundation
import TestSupport
import Testing

/// The real binary in a real terminal: `sotto dev tui-demo` inside a private tmux server,
/// driven by keys and read back with capture-pane (ncurses, wide characters, bracketed
/// paste, resizes).
@Suite(.serialized) struct TmuxTests {
    static let tmuxPath = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static var sottoPath: String { Executables.productsDirectory.appendingPathComponent("sotto").path }
    static var available: Bool { tmuxPath != nil && FileManager.default.isExecutableFile(atPath: sottoPath) }

    final class Session {
        let socket = "sotto-tui-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tmux-\(UUID())")

        init() throws {
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        }

        @discardableResult
        func tmux(_ arguments: [String], input: String? = nil) throws -> String {
            // Not Foundation's Process: it detects exit through a descriptor the child
            // inherits, and the tmux server the first command forks keeps that open for good.
            let quoted = ([TmuxTests.tmuxPath!, "-L", socket, "-f", "/dev/null"] + arguments).map(Self.quote)
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

        static func quote(_ text: String) -> String {
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

        /// - Parameter environment: more `NAME=value` settings for the app.
        func start(columns: Int, rows: Int, environment: [String] = []) throws {
            try tmux(
                [
                    "new-session", "-d", "-s", "t", "-x", "\(columns)", "-y", "\(rows)", "-e", "LANG=C.UTF-8",
                    "-e", "TERM=tmux-256color", "-e", "HOME=\(home.path)", "-e",
                    "XDG_CONFIG_HOME=\(home.path)/config",
                ] + environment.flatMap { ["-e", $0] } + ["\(TmuxTests.sottoPath) dev tui-demo --token-delay 1"])
        }

        func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "t"]) }

        /// Polls the screen until it contains `text` (or, with `absent`, until it does not);
        /// records the screen on timeout.
        func waitFor(
            _ text: String, absent: Bool = false, timeoutSeconds: Double = 5,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            for _ in 0..<Int(timeoutSeconds * 40) {
                if try screen().contains(text) != absent { return }
                try await Task.sleep(for: .milliseconds(25))
            }
            Issue.record(
                "timed out waiting for \(absent ? "no " : "")\(text); screen:\n\(try screen())",
                sourceLocation: sourceLocation)
        }

        func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", "t"] + keys) }
        func type(_ text: String) throws { try tmux(["send-keys", "-t", "t", "-l", text]) }

        func isRunning() throws -> Bool { try tmux(["list-sessions"]).contains("t:") }

        func stop() {
            _ = try? tmux(["kill-server"])
            try? FileManager.default.removeItem(at: home)
        }
    }

    @Test(.enabled(if: TmuxTests.available, "needs tmux and a built sotto (swift build --build-tests)"))
    func theDemoRunsInARealTerminal() async throws {
        let session = try Session()
        defer { session.stop() }
        try session.start(columns: 80, rows: 24)
        try await session.waitFor("Welcome to Sotto")
        try await session.waitFor("DEV: simulated attestation")

        try session.type("hello 你好 😀")
        try session.keys("Enter")
        try await session.waitFor("You said: hello 你好 😀")

        // A bracketed paste lands in the composer, newlines and all, without being sent.
        try session.tmux(["load-buffer", "-"], input: "pasted one\npasted two")
        try session.tmux(["paste-buffer", "-p", "-t", "t"])
        try await session.waitFor("› pasted one")
        #expect(try session.screen().contains("pasted two"))
        #expect(try !session.screen().contains("You said: pasted"))

        // Narrow: the list gives way to the chat.
        try session.tmux(["resize-window", "-t", "t", "-x", "40", "-y", "12"])
        try await session.waitFor("Conversations", absent: true)
        #expect(try session.screen().contains("› pasted one"))
        try session.tmux(["resize-window", "-t", "t", "-x", "20", "-y", "6"])
        try await session.waitFor("too small")
        try session.tmux(["resize-window", "-t", "t", "-x", "100", "-y", "30"])
        try await session.waitFor("Conversations")

        try session.keys("C-q")
        for _ in 0..<100 where try session.isRunning() { try await Task.sleep(for: .milliseconds(25)) }
        #expect(try !session.isRunning())
    }

    /// Ctrl-E runs $EDITOR on the input with curses suspended; the edited text comes back and
    /// the whole screen is redrawn, whatever the editor left on it.
    @Test(.enabled(if: TmuxTests.available, "needs tmux and a built sotto (swift build --build-tests)"))
    func ctrlEEditsTheInputInTheEditor() async throws {
        let session = try Session()
        defer { session.stop() }
        let script = session.home.appendingPathComponent("editor.sh").path
        // Like an editor, it takes the alternate screen and draws; unlike one, it leaves junk there.
        try """
        #!/bin/sh
        printf '\\033[?1049h\\033[2J\\033[1;1HJUNK AT THE TOP\\033[24;1HJUNK OVER THE STATUS BAR'
        cat "$1" > "$(dirname "$0")/seen"
        printf 'edited in the editor\\n' > "$1"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try session.start(columns: 80, rows: 24, environment: ["EDITOR=" + script])
        try await session.waitFor("Welcome to Sotto")
        try await session.waitFor("DEV: simulated attestation")

        try session.type("draft")
        try await session.waitFor("› draft")
        try session.keys("C-e")
        try await session.waitFor("› edited in the editor")
        let screen = try session.screen()
        #expect(!screen.contains("JUNK"))
        #expect(screen.contains("unlocked · DEV: simulated attestation · ✓ sev-snp 3f2a9c1e"))
        #expect(screen.contains("Conversations"))
        #expect(screen.contains("What is Sotto?"))
        let seen = try? String(contentsOfFile: session.home.appendingPathComponent("seen").path, encoding: .utf8)
        #expect(seen == "draft")

        // Bracketed paste is back on: a pasted newline does not send.
        try session.tmux(["load-buffer", "-"], input: " pasted\nsecond")
        try session.tmux(["paste-buffer", "-p", "-t", "t"])
        try await session.waitFor("› edited in the editor pasted")
        #expect(try !session.screen().contains("You said"))
        // The app still takes keys: the edited text is sent.
        try session.keys("Enter")
        try await session.waitFor("You said:")
        #expect(try session.screen().contains("edited in the editor pasted"))
        try session.keys("C-q")
        for _ in 0..<100 where try session.isRunning() { try await Task.sleep(for: .milliseconds(25)) }
        #expect(try !session.isRunning())
    }
}
