import Foundation
import Wire

/// One device as the client opens it: its folder (one folder is one device), the server it
/// talks to, how its passkey unlocks, and what an unlock opens (the decrypted history, its
/// sync, and the chat on it). The executable turns its flags into one; the command line and
/// the full screen then open everything through it, so the rules live in one place.
public struct Device: Sendable {
    public let folders: DeviceFolders
    /// The server given for this run (`--server`), over the account's and config.toml's.
    public let serverOption: String?
    /// Trust the development attestation root (`--dev`).
    public let development: Bool
    /// Where a software passkey's passphrase comes from when nobody types it (a file, or
    /// `SOTTO_PASSPHRASE`), decided once; nil: it is typed.
    public let passphraseSource: PassphraseSource?
    /// How a chat turn refused as busy is tried again (`SOTTO_BUSY_WAIT`, seconds, shortens
    /// each wait); the command line sets its `notice` to say so on standard error.
    public var busyRetry: BusyRetry
    let environment: [String: String]
    let transport: any HTTPTransport

    /// - Parameters:
    ///   - passphraseFile: `--passphrase-file`; without it, `SOTTO_PASSPHRASE` when set.
    ///   - transport: the network (tests pass an in-memory server).
    public init(
        folders: DeviceFolders, server: String? = nil, development: Bool = false, passphraseFile: String? = nil,
        environment: [String: String], transport: any HTTPTransport = CurlHTTPClient()
    ) {
        self.folders = folders
        serverOption = server
        self.development = development
        passphraseSource = PassphraseSource.choose(passphraseFile: passphraseFile, environment: environment)
        self.environment = environment
        self.transport = transport
        busyRetry = BusyRetry()
        if let text = environment["SOTTO_BUSY_WAIT"], let seconds = Int(text), seconds >= 1 {
            busyRetry.longestWait = min(busyRetry.longestWait, seconds)
        }
    }

    /// The account this device belongs to, if any.
    public func accountState() throws -> AccountState? { try AccountStateFile(dataFolder: folders.data).load() }

    /// The passphrase given without typing, or nil when it must be typed.
    /// - Throws: `PasskeyError` when the file or variable cannot be read or is empty.
    public func givenPassphrase() throws -> SecureBytes? { try passphraseSource?.read(environment: environment) }

    /// The device's account session. Its server is `--server`; without it, the account's own,
    /// or config.toml's for a device with no account yet.
    /// - Parameters:
    ///   - passphrase: an unlock's software passkey passphrase (called only when one is needed).
    ///   - securityKey: an unlock's security key (the terminal's prompts, or the full screen's).
    public func accountSession(
        passphrase: @escaping @Sendable () throws -> SecureBytes,
        securityKey: @escaping @Sendable () throws -> any Authenticator
    ) throws -> AccountSession {
        let configuration = (try? ClientConfiguration.load(path: folders.configurationPath)) ?? ClientConfiguration()
        var server = serverOption
        if server == nil, (try? accountState()) == nil { server = configuration.server }
        return AccountSession(
            dataFolder: folders.data, server: server, transport: transport, configuration: configuration
        ) { passkey in
            switch passkey.kind {
            case .softwarePasskey:
                guard let path = passkey.softwarePasskeyPath else {
                    throw AccountError(
                        .stateCorrupt, "the account file names a software passkey without its file; run `sotto login`")
                }
                return SoftwareAuthenticator(path: path, passphrase: try passphrase())
            case .securityKey:
                return try securityKey()
            }
        }
    }

    /// The server to talk to: `--server`, else the one this device's account is on, else
    /// config.toml's.
    /// - Throws: `DeviceError` `.noServer` when none is known; config.toml's errors.
    public func serverURL() throws -> String {
        if let serverOption { return serverOption }
        if let state = try? accountState() { return state.server }
        guard let server = try ClientConfiguration.load(path: folders.configurationPath).server else {
            throw DeviceError(
                .noServer,
                "no server given: pass --server URL or set server = \"https://…\" in \(folders.configurationPath)")
        }
        return server
    }

    /// The length limit of an answer that config.toml sets (`max_tokens`), or nil.
    /// - Throws: `ConfigurationFileError` when config.toml cannot be used.
    public func answerTokenLimit() throws -> Int? {
        try ClientConfiguration.load(path: folders.configurationPath).maxTokens
    }

    /// The shipped attestation policy tightened by the user's policy.toml.
    public func attestationPolicy() throws -> VerificationPolicy {
        try AttestationPolicyFile.apply(path: AttestationPolicyFile.path(inConfigFolder: folders.config), to: .shipped)
    }

    /// A client for `server` (default: `serverURL()`) with the device's trust settings, audit
    /// log and memory of each server's release security version.
    public func inferenceClient(server: String? = nil) throws -> InferenceClient {
        var trust = TrustSettings.production
        trust.policy = try attestationPolicy()
        return InferenceClient(
            serverURL: try server ?? serverURL(), transport: transport, trust: trust,
            developmentStore: development ? DevelopmentTrustStore(path: folders.developmentTrustPath) : nil,
            securityVersions: SecurityVersionStore(path: folders.securityVersionsPath),
            auditLog: FileAuditLog(path: folders.auditLogPath), busyRetry: busyRetry)
    }

    /// Unlocks the account with its passkey (through `session`) and opens its history: the
    /// commands' way in.
    /// - Throws: `DeviceError` `.noAccount` when the device belongs to no account; the unlock's.
    /// - Parameter readOnly: for commands that only read: unlock without the server (nothing
    ///   is written, the session stays as it is), and open the cache read-only when the data
    ///   folder cannot be written.
    public func unlockHistory(_ session: AccountSession, readOnly: Bool = false) async throws -> OpenedHistory {
        guard try session.state() != nil else {
            throw DeviceError(
                .noAccount,
                "this data folder has no account: run `sotto register` (new account) or `sotto login` (existing one)")
        }
        let unlocked = try await readOnly ? session.unlockLocally() : session.unlock()
        return try openHistory(
            keys: unlocked.keys, state: unlocked.state, online: unlocked.online, previousKeys: unlocked.previousKeys,
            rootChanged: unlocked.rootChanged, readOnly: readOnly)
    }

    /// The history an unlock gave the keys to, decrypted from the device's cache, and the sync
    /// engine when the account has a session.
    /// - Parameters:
    ///   - online: whether the server answered the unlock.
    ///   - previousKeys: the account's earlier roots this device holds (after a rotation).
    ///   - rootChanged: the account's root was rotated since this device last unlocked: the
    ///     next sync pulls everything again, to replace copies sealed under the old root.
    ///   - readOnly: open the cache read-only when the data folder cannot be written.
    public func openHistory(
        keys: AccountKeys, state: AccountState, online: Bool, previousKeys: [AccountKeys] = [],
        rootChanged: Bool = false, readOnly: Bool = false
    ) throws -> OpenedHistory {
        let accountID = try AccountID(keys.accountID)
        let readingOnly = readOnly && !FolderAccess.isWritable(folders.data)
        let cache =
            readingOnly
            ? try LocalCache(readingOnly: folders.historyCachePath, account: accountID)
            : try LocalCache.openSwitchingAccounts(path: folders.historyCachePath, account: accountID)
        if rootChanged, !readingOnly { try cache.resetSyncCursor() }
        if !previousKeys.isEmpty, !readingOnly {
            // Earlier roots stay only while the cache holds something sealed under them.
            try AccountStateFile(dataFolder: folders.data).forgetEarlierRoots(notIn: cache.keyIDs())
        }
        let history = try HistoryStore(
            cache: cache, keys: try AccountRecordKeys(keys, previous: previousKeys),
            device: try DeviceID.load(dataFolder: folders.data))
        if !previousKeys.isEmpty, !readingOnly, try KeyRotationProgressFile(dataFolder: folders.data).load() == nil {
            // Changes made here under the old root go out under the new one, which every
            // device of the account now has (during a rotation of this device's, that
            // rotation seals them).
            _ = try history.sealAgainUnderCurrentKey(limit: .max, pendingOnly: true)
        }
        var sync: SyncEngine?
        if let grant = state.session {
            let opened = grant.token
            let file = AccountStateFile(dataFolder: folders.data)
            // The device's current session: another process unlocking meanwhile replaces this one's.
            sync = SyncEngine(
                transport: HTTPSyncTransport(serverURL: state.server, http: transport) {
                    guard let current = try? file.load(), current.accountID == state.accountID,
                        let token = current.session?.token
                    else { return opened }
                    return token
                })
        }
        return OpenedHistory(state: state, online: online, history: history, sync: sync)
    }

    /// The chat on the history an unlock opened (its sync started now), the client of the
    /// account's server, and how many records were skipped as unreadable (kept in the cache).
    public func openChat(
        keys: AccountKeys, state: AccountState, online: Bool, previousKeys: [AccountKeys] = [],
        rootChanged: Bool = false
    ) throws -> (chat: ChatSession, client: InferenceClient, corruptRecords: Int) {
        let opened = try openHistory(
            keys: keys, state: state, online: online, previousKeys: previousKeys, rootChanged: rootChanged)
        let corrupt = opened.history.corrupt.count
        let client = try inferenceClient(server: state.server)
        let chat = ChatSession(history: opened.history, sender: client, sync: opened.sync)
        Task { await chat.scheduleSync() }
        return (chat, client, corrupt)
    }
}

/// An unlocked account's history, and how it syncs.
public struct OpenedHistory {
    /// The account as the device knows it (server, passkey, session).
    public let state: AccountState
    /// Whether the server answered the unlock (else the history is this device's copy).
    public let online: Bool
    public let history: HistoryStore
    /// Nil without a session (history kept on this device until the next login).
    public let sync: SyncEngine?
}

/// Why a device cannot do what was asked.
public typealias DeviceError = CodedError<DeviceErrorCode>

/// Stable identifiers of `DeviceError`.
public enum DeviceErrorCode: String, StableErrorCode {
    /// No server given, remembered or configured.
    case noServer = "SOTTO-DEVICE-NO-SERVER"
    /// The device belongs to no account.
    case noAccount = "SOTTO-DEVICE-NO-ACCOUNT"
}
