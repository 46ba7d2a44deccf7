import Foundation
import TestSupport
import Testing

/// `sotto` with no arguments in a real terminal: local mode (the real server binary with the
/// embedded model as a child), onboarding with a software passkey, a streamed answer from
/// the model, the list filter, a resize, quitting; then a second start that unlocks from
/// `SOTTO_PASSPHRASE` and shows the saved conversation.
@Suite(.serialized) struct LocalModeTmuxTests {
    static let modelPath = TestSupport.Fixtures.defaultModelPath

    @Test(.enabled(if: TmuxTests.available && modelPath != nil, "needs tmux, a built sotto and the model"))
    func onboardChatQuitAndUnlockAgain() async throws {
        let session = try TmuxTests.Session()
        defer { session.stop() }
        let port = Int.random(in: 46_000..<50_000)
        let home = session.home.path
        func start() throws {
            try session.tmux([
                "new-session", "-d", "-s", "t", "-x", "100", "-y", "30", "-e", "LANG=C.UTF-8", "-e",
                "TERM=tmux-256color", "-e", "HOME=\(home)", "-e", "XDG_CONFIG_HOME=\(home)/config", "-e",
                "XDG_DATA_HOME=\(home)/data", "-e", "XDG_STATE_HOME=\(home)/state", "-e",
                "SOTTO_MODEL=\(Self.modelPath!)", "-e", "SOTTO_PASSPHRASE=correct horse battery staple", "-e",
                "SOTTO_LOCAL_PORT=\(port)", TmuxTests.sottoPath,
            ])
        }
        try start()
        try await session.waitFor("This device has no account yet", timeoutSeconds: 60)
        try session.keys("Enter")
        try await session.waitFor("Your recovery key", timeoutSeconds: 60)
        #expect(try session.screen().contains("software passkey"))
        try session.keys("Enter")
        try await session.waitFor("DEV: simulated attestation", timeoutSeconds: 30)
        #expect(try session.screen().contains("software passkey"))

        try session.type("What is the capital of Germany?")
        try session.keys("Enter")
        try await session.waitFor("Berlin", timeoutSeconds: 60)
        try await session.waitFor("tok/s", absent: true, timeoutSeconds: 60)

        // Search the decrypted history: the hit opens with the message marked.
        try session.keys("C-f")
        try session.type("germany")
        try session.keys("Enter")
        try await session.waitFor("Search (", timeoutSeconds: 10)
        try session.keys("Enter")
        // Opening the hit reloads the conversation from the service: give it the time the
        // other waits of this test have when the whole suite runs in parallel on two cores.
        try await session.waitFor("◀ found", timeoutSeconds: 15)

        try session.tmux(["resize-window", "-t", "t", "-x", "50", "-y", "14"])
        try await session.waitFor("Berlin")
        try session.tmux(["resize-window", "-t", "t", "-x", "100", "-y", "30"])
        try session.keys("C-q")
        for _ in 0..<400 where try session.isRunning() { try await Task.sleep(for: .milliseconds(25)) }
        #expect(try !session.isRunning())

        // Second start: unlocked from SOTTO_PASSPHRASE, the conversation is there.
        try start()
        try await session.waitFor("What is the capital of Germany", timeoutSeconds: 60)
        #expect(try !session.screen().contains("no account yet"))
        try session.keys("C-q")
        for _ in 0..<400 where try session.isRunning() { try await Task.sleep(for: .milliseconds(25)) }
        #expect(try !session.isRunning())
    }
}
