import Foundation
import TestSupport
import Testing

/// The real binary in a real terminal: `sotto dev tui-demo` inside a private tmux server,
/// driven by keys and read back with capture-pane (ncurses, wide characters, bracketed
/// paste, resizes).
@Suite(.serialized) struct TmuxTests {
    typealias Session = TmuxSession
    static var sottoPath: String { TmuxSession.sottoPath }
    static var available: Bool { TmuxSession.available }

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
        #expect(try await session.waitUntilEnded(seconds: 2.5))
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
        #expect(try await session.waitUntilEnded(seconds: 2.5))
    }
}

extension TmuxSession {
    /// Opens `sotto dev tui-demo` (a scripted assistant, one token a millisecond).
    /// - Parameter environment: more `NAME=value` settings for the app.
    func start(columns: Int, rows: Int, environment: [String] = []) throws {
        try launch(
            ["\(TmuxTests.sottoPath) dev tui-demo --token-delay 1"], columns: columns, rows: rows,
            environment: environment)
    }
}
