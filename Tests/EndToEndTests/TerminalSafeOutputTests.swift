import Foundation
import ServerTesting
import TestSupport
import Testing

/// A model, a server and a synced record that answer with escape sequences (OSC 52 to set
/// the clipboard, OSC 8 to hide a link, CSI to clear the screen, their 8-bit C1 forms) reach
/// the user's terminal only as visible text: through the real `sotto-server` and the real
/// `sotto` binary, on the command line and on the full screen in tmux.
@Suite(.serialized) struct TerminalSafeOutputTests {
    /// The model's answer, in streamed pieces; one ESC ends a piece and its sequence
    /// continues in the next.
    static let hostilePieces = [
        "Look", " \u{1B}", "]52;c;cm0gLXJmIH4=\u{07}", " \u{1B}]8;;https://evil.example\u{1B}\\here\u{1B}]8;;\u{1B}\\",
        " \u{1B}[2J\u{1B}[H", " \u{9B}31m", "\u{9D}52;c;eA==\u{9C}", " fin-7e1\u{7F}",
    ]
    static var hostileAnswer: String { hostilePieces.joined() }
    /// The answer as the terminal must receive it: every control shown, nothing obeyed.
    static let shownAnswer =
        "Look ␛]52;c;cm0gLXJmIH4=␇ ␛]8;;https://evil.example␛\\here␛]8;;␛\\ ␛[2J␛[H ␛[31m␛]52;c;eA==␛\\ fin-7e1␡"

    /// The bytes of `text` a terminal would act on: C0 other than newline and tab, DEL, C1.
    static func obeyable(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var found = bytes.filter { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || $0 == 0x7F }
        for (index, byte) in bytes.enumerated().dropLast()
        where byte == 0xC2 && (0x80...0x9F).contains(bytes[index + 1]) {
            found.append(bytes[index + 1])
        }
        return found
    }

    @Test func askHistoryAndExportShowControlsAndRawOutputKeepsThem() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tsafe-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(
            dataDir: root + "/server", answer: .stream(Self.hostilePieces))
        defer { server.terminate() }
        let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": "correct horse battery staple"]
        func sotto(_ arguments: [String]) async throws -> Executables.Result {
            try await Executables.run("sotto", arguments, environment: env)
        }

        // Without an account: the streamed answer, made safe (standard output is a pipe here).
        let ask = try await sotto(["ask", "--dev", "--server", server.url, "--data-dir", root + "/bare", "hi"])
        #expect(ask.status == 0, "\(ask.stderr)")
        #expect(ask.stdout == Self.shownAnswer + "\n")
        #expect(Self.obeyable(ask.stdout).isEmpty)
        let raw = try await sotto([
            "ask", "--dev", "--server", server.url, "--data-dir", root + "/bare", "--raw-output", "hi",
        ])
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(raw.stdout == Self.hostileAnswer + "\n")

        // With an account: a title that carries a sequence too (as another device could sync).
        let register = try await sotto([
            "register", "--server", server.url, "--data-dir", root + "/a", "--software-passkey", root + "/passkey",
            "--recovery-key-out", root + "/recovery",
        ])
        #expect(register.status == 0, "\(register.stderr)")
        let saved = try await sotto(["ask", "--dev", "--data-dir", root + "/a", "title \u{1B}]52;c;dGl0bGU=\u{07}x"])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout == Self.shownAnswer + "\n")

        let list = try await sotto(["history", "--data-dir", root + "/a"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("title ␛]52;c;dGl0bGU=␇x"), "\(list.stdout)")
        #expect(Self.obeyable(list.stdout).isEmpty)
        let id = try #require(
            list.stdout.split(separator: "\n").first { $0.contains("title") }.map { String($0.prefix(32)) })

        let one = try await sotto(["history", "--data-dir", root + "/a", id])
        #expect(one.stdout.contains(Self.shownAnswer), "\(one.stdout)")
        #expect(Self.obeyable(one.stdout).isEmpty)

        let markdown = try await sotto(["export", "--data-dir", root + "/a", "--format", "markdown"])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.contains(Self.shownAnswer))
        #expect(Self.obeyable(markdown.stdout).isEmpty)
        let rawMarkdown = try await sotto(["export", "--data-dir", root + "/a", "--format", "markdown", "--raw-output"])
        #expect(rawMarkdown.stdout.contains(Self.hostileAnswer))

        // JSON on standard output: no control byte, and still the same document.
        let json = try await sotto(["export", "--data-dir", root + "/a", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(Self.obeyable(json.stdout).isEmpty)
        var document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rawJSON = try await sotto(["export", "--data-dir", root + "/a", "--format", "json", "--raw-output"])
        var rawDocument = try #require(
            try JSONSerialization.jsonObject(with: Data(rawJSON.stdout.utf8)) as? [String: Any])
        // The two exports differ only in when they were made.
        document["exported_at"] = nil
        rawDocument["exported_at"] = nil
        #expect(NSDictionary(dictionary: document).isEqual(to: rawDocument))
        #expect(rawJSON.stdout.contains("\u{9B}31m"))
        #expect(json.stdout.contains("\\u009b31m"))
    }

    /// A server whose error code and message carry sequences: `sotto` quotes them, harmlessly.
    @Test func aServersErrorMessageIsShownNotObeyed() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tsafe-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let hostile = try await FixedAnswerServer.start(
            status: 503,
            json:
                #"{"code":"SOTTO-X\u001b]52;c;ZXJy\u0007","message":"down\u001b[2J\u009b1m\u001b]8;;https://evil.example\u001b\\"}"#
        )
        let env = ["HOME": root, "PATH": "/usr/bin:/bin"]
        for command in [["verify"], ["ask", "hello"]] {
            let result = try await Executables.run(
                "sotto", command + ["--dev", "--server", hostile.url, "--data-dir", root + "/device"], environment: env)
            #expect(result.status == 1)
            #expect(result.stderr.contains("SOTTO-X␛]52;c;ZXJy␇"), "\(result.stderr)")
            #expect(result.stderr.contains("down␛[2J␛[1m␛]8;;https://evil.example␛\\"), "\(result.stderr)")
            #expect(Self.obeyable(result.stderr).isEmpty)
            #expect(Self.obeyable(result.stdout).isEmpty)
        }
        await hostile.stop()
    }

    /// The full screen in a real terminal (tmux with `set-clipboard on`, so an application's
    /// OSC 52 would fill tmux's paste buffer): the hostile answer is drawn as text; no buffer
    /// is set and the pane holds no escape sequence other than colours.
    @Test(.enabled(if: TmuxSession.available, "needs tmux and a built sotto (swift build --build-tests)"))
    func theFullScreenDrawsTheAnswerAsText() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-tsafe-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(
            dataDir: root + "/server", answer: .stream(Self.hostilePieces))
        defer { server.terminate() }
        let passphrase = "correct horse battery staple"
        let register = try await Executables.run(
            "sotto",
            [
                "register", "--server", server.url, "--data-dir", root + "/a", "--software-passkey", root + "/passkey",
                "--recovery-key-out", root + "/recovery",
            ],
            environment: ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": passphrase])
        #expect(register.status == 0, "\(register.stderr)")

        let pane = try TmuxSession(home: root)
        defer { pane.stop() }
        // The harness first shows it would see an obeyed OSC 52: a shell in the pane sends one.
        try pane.start(command: "printf '\\033]52;c;cHJvYmU=\\007'; sleep 30", columns: 120, rows: 30)
        try await pane.waitForBuffer("probe")
        try pane.tmux(["kill-session", "-t", "t"])
        try pane.tmux(["delete-buffer"])

        try pane.start(
            command: TmuxSession.quote(Executables.productsDirectory.appendingPathComponent("sotto").path)
                + " --dev --server " + server.url + " --data-dir " + TmuxSession.quote(root + "/a"),
            columns: 120, rows: 30, environment: ["SOTTO_PASSPHRASE=\(passphrase)"])
        try await pane.waitFor("software passkey", timeoutSeconds: 60)
        try #require(try pane.isRunning())
        try pane.tmux(["send-keys", "-t", "t", "-l", "hello"])
        try pane.tmux(["send-keys", "-t", "t", "Enter"])
        try await pane.waitFor("cm0gLXJmIH4=", timeoutSeconds: 60)
        try await pane.waitFor("fin-7e1", timeoutSeconds: 30)

        let screen = try pane.tmux(["capture-pane", "-p", "-e", "-t", "t"])
        #expect(screen.contains("evil.example"), "\(screen)")
        #expect(!screen.contains("\u{1B}]"), "an OSC sequence reached the pane")
        #expect(!screen.contains("\u{07}"))
        // Only colour and attribute changes (SGR, ending in m) are left from what tmux wrote.
        let sequences = screen.matches(of: /\x1B\[[0-9;:?]*[\x40-\x7E]/).map { String(screen[$0.range]) }
        #expect(sequences.allSatisfy { $0.hasSuffix("m") }, "\(sequences.filter { !$0.hasSuffix("m") })")
        #expect(try pane.tmux(["list-buffers"]).isEmpty, "an OSC 52 from the answer set tmux's clipboard")
    }
}

extension TmuxSession {
    /// Opens window `t` running `command` under `/bin/sh`, with tmux accepting OSC 52.
    func start(command: String, columns: Int, rows: Int, environment: [String] = []) throws {
        try launch(["sleep 1; " + command], columns: columns, rows: rows, environment: environment)
        try tmux(["set-option", "-g", "set-clipboard", "on"])
    }

    /// Waits until tmux's paste buffer (what an OSC 52 sets) holds `text`.
    func waitForBuffer(_ text: String) async throws {
        for _ in 0..<200 {
            if try tmux(["show-buffer"]) == text { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("tmux never received the probe's OSC 52: the test could not see an obeyed one")
        throw CancellationError()
    }
}
