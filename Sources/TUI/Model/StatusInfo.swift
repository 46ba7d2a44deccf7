import Core

/// Sync's state, and a counter of the passes that changed the history (another device's
/// changes arrived): when it moves, the screen reloads what it shows.
public struct SyncSnapshot: Hashable, Sendable {
    public var state: StatusInfo.SyncState
    public var generation: Int
    /// The server withheld, rolled back or forged deletions (`SOTTO-SYNC-INTEGRITY`, with what
    /// to do); nil while it behaves.
    public var integrityWarning: String?

    public init(state: StatusInfo.SyncState, generation: Int, integrityWarning: String? = nil) {
        self.state = state
        self.generation = generation
        self.integrityWarning = integrityWarning
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
    /// The model the verified server runs, as its attested configuration names it.
    public var model: String
    /// The SHA-256 of the model file the release pins (hex; empty when unknown or upstream).
    public var modelDigest: String = ""
    /// What the model's context holds (announced by the verified server), with the answer's
    /// room; nil until known.
    public var budget: ContextBudget?
    public var sync: SyncState
    /// Sync's integrity warning, shown until the session ends (see `SyncSnapshot`).
    public var integrityWarning: String?
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
