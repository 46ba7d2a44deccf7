import Foundation
import Glibc
import TUI
import Testing

/// The runtime loop on the in-memory terminal, against the in-memory chat service.
@Suite struct RuntimeTests {
    init() { TestEnvironment.prepare() }

    /// Steps the runtime until `condition` holds or about five seconds pass.
    func run(_ runtime: Runtime, until condition: (Runtime) -> Bool) async throws -> Bool {
        for _ in 0..<1000 {
            runtime.step()
            if condition(runtime) { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    func screenContains(_ text: String) -> (Runtime) -> Bool {
        { ($0.backend as! InMemoryBackend).screen.text.contains(text) }
    }

    @Test func sendsAPromptAndShowsTheStreamedAnswer() async throws {
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let service = InMemoryChatService()
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        backend.type("hello 你好<CR>")
        #expect(try await run(runtime, until: screenContains("You said: hello 你好")))
        #expect(try await run(runtime, until: { $0.model.streaming.isEmpty }))
        #expect(backend.screen.text.contains("• nothing left this machine"))
        #expect(service.sentRequests.count == 1)
        #expect(service.sentRequests.first?.1.map(\.text) == ["hello 你好"])
    }

    /// Started offline, the app says so from the first frame and still shows the history.
    @Test func aStartupBannerShowsFromTheFirstFrame() async throws {
        let backend = InMemoryBackend(size: Size(columns: 100, rows: 24))
        let runtime = Runtime(
            backend: backend, service: DemoContent.service(tokenDelay: .zero), themes: .shipped(),
            banner: "Server unreachable: this is the history on this device")
        runtime.render()
        #expect(backend.screen.text.contains("Server unreachable"))
        #expect(try await run(runtime, until: screenContains("Welcome to Sotto")))
    }

    @Test func loadsTheDemoAndSwitchesConversations() async throws {
        let backend = InMemoryBackend(size: Size(columns: 100, rows: 30))
        let runtime = Runtime(backend: backend, service: DemoContent.service(tokenDelay: .zero), themes: .shipped())
        #expect(try await run(runtime, until: screenContains("Sotto is a private assistant")))
        #expect(backend.screen.text.contains("DEV: simulated attestation"))
        backend.type("<Tab>/long<CR>")
        #expect(try await run(runtime, until: screenContains("Answer 5000")))
        backend.type("<C-q>")
        runtime.step()
        #expect(runtime.model.quitting)
    }

    @Test func aDroppedConnectionKeepsThePartialAnswer() async throws {
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let service = InMemoryChatService(failAfterTokens: 3)
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        backend.type("question<CR>")
        #expect(try await run(runtime, until: screenContains("interrupted")))
        #expect(runtime.model.messages.last?.text == "You said: **question**\n")
        #expect(backend.screen.text.contains("The answer broke off"))
    }

    @Test func stoppingCancelsTheStream() async throws {
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let service = InMemoryChatService(tokenDelay: .milliseconds(50))
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        backend.type("go<CR>")
        #expect(try await run(runtime, until: { !($0.model.messages.last?.text.isEmpty ?? true) }))
        backend.type("<Esc>")
        runtime.step()
        let stopped = runtime.model.messages.last?.text
        try await Task.sleep(for: .milliseconds(200))
        runtime.step()
        #expect(runtime.model.messages.last?.text == stopped)
        #expect(runtime.model.messages.last?.interrupted == true)
    }

    @Test func aKeystrokeInALongChatRedrawsLittle() async throws {
        let backend = InMemoryBackend(size: Size(columns: 100, rows: 30))
        let runtime = Runtime(backend: backend, service: DemoContent.service(tokenDelay: .zero), themes: .shipped())
        #expect(try await run(runtime, until: screenContains("Sotto is a private")))
        backend.type("<Tab>/long<CR>")
        #expect(try await run(runtime, until: screenContains("Answer 5000")))
        backend.type("x")
        runtime.step()
        #expect(backend.lastChangedCells < 40)
        #expect(backend.lastChangedCells > 0)
    }

    @Test func copyGoesToTheTerminalClipboard() async throws {
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let runtime = Runtime(backend: backend, service: DemoContent.service(tokenDelay: .zero), themes: .shipped())
        #expect(try await run(runtime, until: screenContains("Sotto is a private")))
        backend.type("<C-p>copy last answer<CR>")
        runtime.step()
        #expect(backend.clipboard.first?.hasPrefix("# Welcome") == true)
    }
}

/// An editor that answers from a script and notes what it was given and whether the
/// terminal had been handed over when it ran.
final class FakeEditor: EditorRunner {
    let backend: InMemoryBackend
    let answer: Result<String, EditorProblem>
    private(set) var received: [String] = []
    private(set) var terminalWasSuspended: [Bool] = []

    init(backend: InMemoryBackend, answer: Result<String, EditorProblem>) {
        self.backend = backend
        self.answer = answer
    }

    func edit(_ text: String) -> Result<String, EditorProblem> {
        received.append(text)
        terminalWasSuspended.append(backend.isSuspended)
        return answer
    }
}

/// Ctrl-E: the flow on the in-memory terminal with a fake editor, and the real editor runner
/// on scripts standing in for an editor.
extension RuntimeTests {
    @Test func ctrlEHandsTheTerminalToTheEditorAndTakesTheTextBack() {
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let editor = FakeEditor(backend: backend, answer: .success("edited in the editor\n"))
        let runtime = Runtime(
            backend: backend, service: InMemoryChatService(), themes: .shipped(), editor: editor)
        backend.type("draft<C-e>")
        runtime.step()
        #expect(editor.received == ["draft"])
        #expect(editor.terminalWasSuspended == [true])
        #expect(backend.suspendCount == 1)
        #expect(backend.resumeCount == 1)
        #expect(!backend.isSuspended)
        #expect(runtime.model.input.text == "edited in the editor")
        #expect(backend.screen.text.contains("› edited in the editor"))
    }

    @Test func aFailedEditKeepsTheInputAndSaysWhy() {
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let editor = FakeEditor(backend: backend, answer: .failure(.exited(editor: "$EDITOR", status: 1)))
        let runtime = Runtime(
            backend: backend, service: InMemoryChatService(), themes: .shipped(), editor: editor)
        backend.type("draft<C-e>")
        runtime.step()
        #expect(backend.resumeCount == 1)
        #expect(runtime.model.input.text == "draft")
        #expect(backend.screen.text.contains("$EDITOR exited with status 1; the input is unchanged"))
        #expect(backend.screen.text.contains("› draft"))
    }

    /// A folder with an executable shell script for $EDITOR; `marks` is where it notes things.
    struct EditorScript {
        let folder: String
        var path: String { folder + "/editor.sh" }
        /// The editor command: the script run by the shell, not executed by path. A script
        /// just written can be refused with ETXTBSY (status 126) while a process another test
        /// forks at that moment still holds the write descriptor; reading it never is.
        var command: String { "/bin/sh " + path }
        var temporary: String { folder + "/tmp" }

        init(_ body: String) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-editor-\(UUID())").path
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
            let script = "#!/bin/sh\nMARKS='\(folder)'\n" + body + "\n"
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }

        func mark(_ name: String) -> String? {
            try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// The real runner through `/bin/sh -c '$EDITOR "$1"'`: arguments in $EDITOR work, the copy
    /// is 0600 in a 0700 folder while the editor runs, and both are gone afterwards.
    @Test func theRealEditorEditsAPrivateCopyAndRemovesIt() throws {
        let script = try EditorScript(
            """
            for file; do :; done
            printf '%s %s' "$#" "$1" > "$MARKS/arguments"
            printf '%s' "$file" > "$MARKS/path"
            stat -c %a "$file" > "$MARKS/mode"
            stat -c %a "$(dirname "$file")" > "$MARKS/folder-mode"
            printf '%s' "${SOTTO_PASSPHRASE-unset}" > "$MARKS/passphrase"
            if ls -l /proc/$$/fd | grep -q held-open; then printf open; else printf closed; fi > "$MARKS/descriptor"
            printf '\nsecond line\n' >> "$file"
            """)
        defer { script.remove() }
        // A file this process holds open without close-on-exec (like a database or a socket),
        // at whatever descriptor is free: the editor must not see it.
        let held = open(script.folder + "/held-open", O_RDWR | O_CREAT, 0o600)
        #expect(held > 2)
        defer { close(held) }
        let editor = ExternalEditor(environment: [
            "EDITOR": script.command + " --wait", "PATH": "/usr/bin:/bin", "TMPDIR": script.temporary,
            "SOTTO_PASSPHRASE": "correct horse",
        ])
        #expect(editor.edit("first line 你好") == .success("first line 你好\nsecond line\n"))
        #expect(script.mark("arguments") == "2 --wait")
        #expect(script.mark("mode") == "600\n")
        #expect(script.mark("folder-mode") == "700\n")
        #expect(script.mark("passphrase") == "unset", "the editor does not get the passkey's passphrase")
        #expect(script.mark("descriptor") == "closed", "the editor inherits no open file but the terminal")
        let path = try #require(script.mark("path"))
        #expect(path.hasPrefix(script.temporary + "/sotto-edit-"))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: script.temporary).isEmpty)
    }

    @Test func theRealEditorReportsFailuresAndStillRemovesTheCopy() throws {
        let failing = try EditorScript("printf 'half-edited' > \"$1\"; printf x > \"$1.swp\"; exit 1")
        defer { failing.remove() }
        let environment = ["PATH": "/usr/bin:/bin", "TMPDIR": failing.temporary]
        #expect(
            ExternalEditor(environment: environment.merging(["EDITOR": failing.command]) { $1 }).edit("draft")
                == .failure(.exited(editor: "$EDITOR", status: 1)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: failing.temporary).isEmpty)

        // $VISUAL comes first; an answer over the limit is refused.
        let long = try EditorScript("printf '0123456789' > \"$1\"")
        defer { long.remove() }
        #expect(
            ExternalEditor(
                environment: environment.merging(["VISUAL": long.command, "EDITOR": failing.command]) { $1 },
                maximumByteCount: 8
            ).edit("draft") == .failure(.tooLong(limit: 8)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: failing.temporary).isEmpty)

        #expect(
            ExternalEditor(environment: ["PATH": failing.temporary, "TMPDIR": failing.temporary]).edit("draft")
                == .failure(.noEditor))
    }
}
