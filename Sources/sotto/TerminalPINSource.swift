import Core
import Foundation
import Wire

/// Asks for a security key's PIN on the terminal (echo off), saying how many tries are left.
struct TerminalPINSource: PINSource {
    func pin(for request: PINRequest) async throws -> SecureBytes? {
        let warning = request.retriesLeft <= 3 ? " — \(request.retriesLeft) tries left before the key locks" : ""
        return TerminalPassphrase.read(prompt: "PIN for \(request.device.product)\(warning): ")
    }

    /// What to show before the key waits for a touch.
    static let touchPrompt: @Sendable (SecurityKeyDevice) -> Void = { device in
        printError("Touch your security key (\(device.product))…")
    }
}

/// The security key authenticator with terminal prompts.
func terminalSecurityKey() throws -> any Authenticator {
    try makeSecurityKeyAuthenticator(pinSource: TerminalPINSource(), touchPrompt: TerminalPINSource.touchPrompt)
}
