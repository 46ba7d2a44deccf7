import Wire

/// What a PIN prompt is told: which key asks, and how many wrong PINs it will still take.
public struct PINRequest: Sendable, Hashable {
    /// The key that asks for its PIN.
    public let device: SecurityKeyDevice
    /// Attempts left before the key blocks its PIN.
    public let retriesLeft: Int

    public init(device: SecurityKeyDevice, retriesLeft: Int) {
        self.device = device
        self.retriesLeft = retriesLeft
    }
}

/// Asks the user for a security key's PIN (a terminal prompt, a TUI modal, a test script).
public protocol PINSource: Sendable {
    /// The PIN for `request.device`, or nil when the user cancels.
    func pin(for request: PINRequest) async throws -> SecureBytes?
}
