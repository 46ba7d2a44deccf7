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
