/// Sync's state, and a counter of the passes that changed the history (another device's
/// changes arrived): when it moves, the screen reloads what it shows.
public struct SyncSnapshot: Hashable, Sendable {
    public var state: StatusInfo.SyncState
    public var generation: Int

    public init(state: StatusInfo.SyncState, generation: Int) {
        self.state = state
        self.generation = generation
    }
}

/// What the status bar tells about the session; filled by the chat service.
public struct StatusInfo: Hashable, Sendable {
    public enum LockState: Hashable, Sendable { case locked, unlocked }

    /// The outcome of the last verification of the server.
    public enum Attestation: Hashable, Sendable {
        case unverified
        /// - Parameters:
        ///   - platform: `sev-snp`, `tdx` or `dev`.
        ///   - measurement: the launch measurement, hex.
        ///   - simulated: the development authority signed it, not hardware.
        case verified(platform: String, measurement: String, simulated: Bool)
        case failed(code: String)
    }

    public enum SyncState: Hashable, Sendable {
        case idle, syncing, synced, offline
    }

    public var lock: LockState
    public var server: String
    public var attestation: Attestation
    public var model: String
    public var sync: SyncState
    /// What unlocked the account when it is not hardware-backed ("software passkey"): always shown.
    public var softwareLabel: String?
    /// The audit record of the last verification, line by line (attestation details).
    public var audit: [String] = []

    public init(
        lock: LockState = .locked, server: String = "", attestation: Attestation = .unverified, model: String = "",
        sync: SyncState = .idle, softwareLabel: String? = nil
    ) {
        self.softwareLabel = softwareLabel
        self.lock = lock
        self.server = server
        self.attestation = attestation
        self.model = model
        self.sync = sync
    }
}
