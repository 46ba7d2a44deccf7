import Foundation
import TestSupport
import Testing

/// `sotto` with no arguments in a real terminal: local mode (the real server binary with the
/// embedded model as a child), onboarding on the full screen with a software passkey (the
/// passphrase typed twice, the recovery key read off the screen and its last group typed
/// back), a streamed answer from the model, search, a resize, quitting; then a second start
/// whose unlock screen refuses a wrong passphrase and opens with the right one, showing the
/// saved conversation; then a third that unlocks from `SOTTO_PASSPHRASE` without asking.
@Suite(.serialized) struct LocalModeTmuxTests {
    static let modelPath = TestSupport.Fixtures.defaultModelPath
    static let passphrase = "correct horse battery staple"

    @Test(.enabled(if: TmuxTests.available && modelPath != nil, "needs tmux, a built sotto and the model"))
    func onboardChatQuitAndUnlockAgain() async throws {
        let session = try TmuxTests.Session()
        defer { session.stop() }
        let port = Int.random(in: 46_000..<50_000)
        let home = session.home.path
        func start(passphraseVariable: Bool) throws {
            let variable = passphraseVariable ? ["-e", "SOTTO_PASSPHRASE=\(Self.passphrase)"] : []
            try session.tmux(
                [
                    "new-session", "-d", "-s", "t", "-x", "100", "-y", "30", "-e", "LANG=C.UTF-8", "-e",
                    "TERM=tmux-256color", "-e", "HOME=\(home)", "-e", "XDG_CONFIG_HOME=\(home)/config", "-e",
                    "XDG_DATA_HOME=\(home)/data", "-e", "XDG_STATE_HOME=\(home)/state", "-e",
                    "SOTTO_MODEL=\(Self.modelPath!)", "-e", "SOTTO_LOCAL_PORT=\(port)",
                ] + variable + [TmuxTests.sottoPath])
        }
        try start(passphraseVariable: false)
        try await session.waitFor("This device has no account yet", timeoutSeconds: 60)
        #expect(try session.screen().contains("DEV: simulated attestation"))
        try session.keys("Enter")
        try await session.waitFor("New software passkey", timeoutSeconds: 10)
        try session.type(Self.passphrase)
        try session.keys("Enter")
        try session.type(Self.passphrase)
        try session.keys("Enter")
        try await session.waitFor("Recovery key — shown once", timeoutSeconds: 60)
        let screen = try session.screen()
        #expect(!screen.contains(Self.passphrase))
        let rows = screen.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first { $0.count == 34 && $0.split(separator: "-").count == 7 }
        }
        try #require(rows.count == 2, "the recovery key is shown in two rows of seven groups")
        let lastGroup = String(rows[1].split(separator: "-").last!)
        try session.type("XXXX")
        try session.keys("Enter")
        try await session.waitFor("not the key's last group", timeoutSeconds: 10)
        try session.type(lastGroup)
        try session.keys("Enter")
        try await session.waitFor("DEV: simulated attestation", timeoutSeconds: 30)
        try await session.waitFor("software passkey", timeoutSeconds: 30)
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

        // Second start: the unlock screen; a wrong passphrase is refused and asked again.
        try start(passphraseVariable: false)
        try await session.waitFor("Unlock — software passkey", timeoutSeconds: 60)
        try session.type("not the passphrase")
        try session.keys("Enter")
        try await session.waitFor("does not open the software passkey; try again", timeoutSeconds: 30)
        try session.type(Self.passphrase)
        try session.keys("Enter")
        try await session.waitFor("What is the capital of Germany", timeoutSeconds: 60)
        try session.keys("C-q")
        for _ in 0..<400 where try session.isRunning() { try await Task.sleep(for: .milliseconds(25)) }
        #expect(try !session.isRunning())

        // Third start: unlocked from SOTTO_PASSPHRASE without asking.
        try start(passphraseVariable: true)
        try await session.waitFor("What is the capital of Germany", timeoutSeconds: 60)
        #expect(try !session.screen().contains("Unlock"))
        try session.keys("C-q")
        for _ in 0..<400 where try session.isRunning() { try await Task.sleep(for: .milliseconds(25)) }
        #expect(try !session.isRunning())
    }
}
