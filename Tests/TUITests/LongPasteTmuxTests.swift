import Foundation
import TestSupport
import Testing

/// A long paste on the real binary in local mode (the real server with the embedded model):
/// the server announced its model's context with its attestation, so before sending the
/// composer says how much of it the draft takes, and Enter refuses the paste saying by how
/// much it is over, keeping the draft. The attestation details of the same session say the
/// attestation is simulated and name the model and its digest.
@Suite(.serialized) struct LongPasteTmuxTests {
    @Test(
        .enabled(
            if: TmuxTests.available && LocalModeTmuxTests.modelPath != nil, "needs tmux, a built sotto and the model"))
    func aPasteTooLongForTheContextIsRefusedSayingByHowMuch() async throws {
        let session = try TmuxTests.Session()
        defer { session.stop() }
        let port = LoopbackPort.outsideTheEphemeralRange()
        try LocalModeTmuxTests.startSotto(in: session, localPort: port, passphraseVariable: true)
        try await LocalModeTmuxTests.createAccountFromTheEnvironment(in: session)

        // 300 lines, 14.5 KB: more than the model's 4096-token context less the answer's room.
        let line = "This is line of the pasted log file, with some words to make it long.\n"
        let paste = (1...300).map { "\($0 % 10) " + line }.joined()
        #expect(paste.utf8.count > 14_000)
        try session.tmux(["load-buffer", "-"], input: paste)
        try session.tmux(["paste-buffer", "-p", "-t", "t"])
        try await session.waitFor("— too long", timeoutSeconds: 15)
        #expect(try session.screen().contains("of 3.6k tokens (draft"))
        try session.keys("Enter")
        try await session.waitFor("Not sent: too long for the model", timeoutSeconds: 10)
        let screen = try session.screen()
        #expect(screen.contains("Shorten it by about"), "\(screen)")
        #expect(screen.contains("4.1k"), "\(screen)")
        // Any key closes the notice; the draft is still there, nothing was sent.
        try session.keys("Escape")
        try await session.waitFor("Not sent", absent: true, timeoutSeconds: 10)
        #expect(try session.screen().contains("— too long"))
        #expect(try !session.screen().contains("Assistant"))

        // The attestation details: simulated, never trusted; the model and its digest.
        try session.keys("C-u")
        try session.keys("C-p")
        try session.type("attestation")
        try session.keys("Enter")
        try await session.waitFor("Verdict: simulated (development)", timeoutSeconds: 10)
        let details = try session.screen()
        #expect(!details.contains("trusted"), "\(details)")
        #expect(details.contains("Model: Smol"), "\(details)")
        #expect(details.contains("Model SHA-256:"), "\(details)")
        try session.keys("Escape")
        try session.keys("C-q")
        #expect(try await session.waitUntilEnded())
    }
}
