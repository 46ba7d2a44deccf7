import Foundation
import TestSupport
import Testing

/// `sotto` with no arguments in a real terminal: local mode (the real server binary with the
/// embedded model as a child), onboarding on the full screen with a software passkey (the
/// passphrase typed twice, the recovery key read off the screen and its last group typed
/// back), a streamed answer from the model, search, a resize, quitting; then a second start
/// whose unlock screen refuses a wrong passphrase and opens with the right one, showing the
/// saved conversation; then a third that unlocks from `SOTTO_PASSPHRASE` without asking, and
/// a fourth with the server down, which opens the device's history with a banner.
@Suite(.serialized) struct LocalModeTmuxTests {
    static let modelPath = TestSupport.Fixtures.defaultModelPath
    static let passphrase = "correct horse battery staple"

    /// Starts `sotto` (local mode on `localPort`, the embedded model) in a 100×30 tmux window
    /// whose home and XDG folders are the session's.
    static func startSotto(
        in session: TmuxTests.Session, localPort: Int, passphraseVariable: Bool, arguments: [String] = []
    ) throws {
        let home = session.home.path
        let variable = passphraseVariable ? ["SOTTO_PASSPHRASE=\(passphrase)"] : []
        try session.launch(
            [TmuxTests.sottoPath] + arguments, columns: 100, rows: 30,
            environment: [
                "XDG_DATA_HOME=\(home)/data", "XDG_STATE_HOME=\(home)/state", "SOTTO_MODEL=\(modelPath!)",
                "SOTTO_LOCAL_PORT=\(localPort)",
            ] + variable)
    }

    /// Onboards a `sotto` started with `SOTTO_PASSPHRASE` (nobody is asked for it): a new
    /// account, its recovery key read off the screen and its last group typed back, until the
    /// chat opens. Returns the recovery key.
    @discardableResult
    static func createAccountFromTheEnvironment(in session: TmuxTests.Session) async throws -> String {
        try await session.waitFor("This device has no account yet", timeoutSeconds: 60)
        try session.keys("Enter")
        try await session.waitFor("Recovery key — shown once", timeoutSeconds: 60)
        let rows = recoveryKeyRows(try session.screen())
        try #require(rows.count == 2, "the recovery key is shown in two rows of seven groups")
        try session.type(String(rows[1].split(separator: "-").last!))
        try session.keys("Enter")
        try await session.waitFor("software passkey", timeoutSeconds: 60)
        return rows.joined(separator: "-")
    }

    /// The rows of seven dash-separated groups the recovery key screen shows.
    static func recoveryKeyRows(_ screen: String) -> [String] {
        var rows: [String] = []
        for line in screen.split(separator: "\n") {
            for word in line.split(separator: " ") where word.count == 34 && word.split(separator: "-").count == 7 {
                rows.append(String(word))
            }
        }
        return rows
    }

    @Test(.enabled(if: TmuxTests.available && modelPath != nil, "needs tmux, a built sotto and the model"))
    func onboardChatQuitAndUnlockAgain() async throws {
        let session = try TmuxTests.Session()
        defer { session.stop() }
        let port = LoopbackPort.outsideTheEphemeralRange()
        func start(passphraseVariable: Bool, localPort: Int = port) throws {
            try Self.startSotto(in: session, localPort: localPort, passphraseVariable: passphraseVariable)
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
        let rows = Self.recoveryKeyRows(screen)
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
        #expect(try await session.waitUntilEnded())

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
        #expect(try await session.waitUntilEnded())

        // Third start: unlocked from SOTTO_PASSPHRASE without asking.
        try start(passphraseVariable: true)
        try await session.waitFor("What is the capital of Germany", timeoutSeconds: 60)
        #expect(try !session.screen().contains("Unlock"))
        try session.keys("C-q")
        #expect(try await session.waitUntilEnded())

        // Fourth start with the account's server down (local mode now on another port, so the
        // account's server is not started): the device's history opens, with a banner.
        try start(passphraseVariable: true, localPort: port + 1)
        try await session.waitFor("Server unreachable", timeoutSeconds: 60)
        try await session.waitFor("What is the capital of Germany", timeoutSeconds: 15)
        try session.keys("C-q")
        #expect(try await session.waitUntilEnded())
    }

    /// Switching devices on the full screen: device A creates the account and chats; device B
    /// (another data folder) chooses "I already have an account" and logs in with A's software
    /// passkey file, and A's conversation arrives by sync while B's screen is open; device C
    /// recovers with the recovery key read off A's screen, enrolling a new passkey, and sees
    /// the same history.
    @Test(.enabled(if: TmuxTests.available && modelPath != nil, "needs tmux, a built sotto and the model"))
    func logInAndRecoverOnOtherDevices() async throws {
        let session = try TmuxTests.Session()
        defer { session.stop() }
        let port = LoopbackPort.outsideTheEphemeralRange()
        let home = session.home.path
        func start(device: String, passphraseVariable: Bool) throws {
            try Self.startSotto(
                in: session, localPort: port, passphraseVariable: passphraseVariable,
                arguments: ["--data-dir", "\(home)/\(device)"])
        }
        func quit() async throws {
            try session.keys("C-q")
            #expect(try await session.waitUntilEnded())
        }

        // A: a new account whose passphrase comes from SOTTO_PASSPHRASE (nobody is asked).
        try start(device: "a", passphraseVariable: true)
        let recoveryKey = try await Self.createAccountFromTheEnvironment(in: session)
        try session.type("Name one primary colour.")
        try session.keys("Enter")
        try await session.waitFor("Assistant", timeoutSeconds: 60)
        try await session.waitFor("tok/s", absent: true, timeoutSeconds: 60)
        // Quitting gives the sync of the new answer time to reach the server.
        try await quit()

        // B: log in with A's passkey file; the passphrase field is typed.
        try start(device: "b", passphraseVariable: false)
        try await session.waitFor("This device has no account yet", timeoutSeconds: 60)
        try session.type("2")
        try await session.waitFor("Passkey file:", timeoutSeconds: 10)
        try session.keys("C-u")
        try session.type("\(home)/a/passkey/software-passkey")
        try session.keys("Enter")
        try session.type(Self.passphrase)
        try session.keys("Enter")
        try await session.waitFor("Name one primary colour", timeoutSeconds: 60)
        try await quit()

        // C: recover with the recovery key and a new software passkey.
        try start(device: "c", passphraseVariable: false)
        try await session.waitFor("This device has no account yet", timeoutSeconds: 60)
        try session.type("3")
        try await session.waitFor("Recover your account", timeoutSeconds: 10)
        try session.type(recoveryKey)
        try session.keys("Enter")
        try await session.waitFor("New software passkey", timeoutSeconds: 10)
        try session.type("another passphrase")
        try session.keys("Enter")
        try session.type("another passphrase")
        try session.keys("Enter")
        try await session.waitFor("Name one primary colour", timeoutSeconds: 60)
        #expect(try !session.screen().contains(recoveryKey))
        try await quit()
    }
}
