import Foundation
import TestSupport
import Testing

/// Two `sotto` windows in local mode on the real binaries: the first starts the local server,
/// the second shares it; quitting the first leaves the server to the second, which still gets
/// its answer (issue 20, bug 10).
@Suite(.serialized) struct TwoWindowsTmuxTests {
    @Test(
        .enabled(
            if: TmuxTests.available && LocalModeTmuxTests.modelPath != nil, "needs tmux, a built sotto and the model"))
    func quittingTheFirstWindowLeavesTheServerToTheSecond() async throws {
        let session = try TmuxTests.Session()
        defer { session.stop() }
        let port = LoopbackPort.outsideTheEphemeralRange()
        try LocalModeTmuxTests.startSotto(in: session, localPort: port, passphraseVariable: true)
        try await LocalModeTmuxTests.createAccountFromTheEnvironment(in: session)

        // The second window: the same device, in another terminal.
        let home = session.home.path
        try session.tmux([
            "new-session", "-d", "-s", "u", "-x", "100", "-y", "30", "-e", "LANG=C.UTF-8", "-e",
            "TERM=tmux-256color", "-e", "HOME=\(home)", "-e", "XDG_CONFIG_HOME=\(home)/config", "-e",
            "XDG_DATA_HOME=\(home)/data", "-e", "XDG_STATE_HOME=\(home)/state", "-e",
            "SOTTO_MODEL=\(LocalModeTmuxTests.modelPath!)", "-e", "SOTTO_LOCAL_PORT=\(port)", "-e",
            "SOTTO_PASSPHRASE=\(LocalModeTmuxTests.passphrase)", TmuxTests.sottoPath,
        ])
        func second() throws -> String { try session.tmux(["capture-pane", "-p", "-t", "u"]) }
        func waitForSecond(_ text: String, timeoutSeconds: Double) async throws -> Bool {
            for _ in 0..<Int(timeoutSeconds * 20) {
                if try second().contains(text) { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }
        let unlocked = try await waitForSecond("software passkey", timeoutSeconds: 60)
        #expect(unlocked, "\((try? second()) ?? "")")

        // The first window, which started the server, quits.
        try session.keys("C-q")
        #expect(try await session.waitUntilEnded())
        try await Task.sleep(for: .seconds(3))

        // The second still has its server.
        try session.tmux(["send-keys", "-t", "u", "-l", "What is the capital of Germany?"])
        try session.tmux(["send-keys", "-t", "u", "Enter"])
        let answered = try await waitForSecond("Berlin", timeoutSeconds: 60)
        #expect(answered, "\((try? second()) ?? "")")
        #expect(try !second().contains("SOTTO-NET-CONNECT"))
        try session.tmux(["send-keys", "-t", "u", "C-q"])
    }
}
