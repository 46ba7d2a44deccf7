import ArgumentParser
import Core
import Foundation
import Wire

/// An unlocked device's history: the account unlocked with its passkey, the encrypted cache
/// decrypted, and the sync engine when a session exists.
struct UnlockedHistory {
    /// The account as the device knows it (server, passkey, session).
    let state: AccountState
    /// Whether the server answered the unlock (else the history is this device's copy).
    let online: Bool
    let history: HistoryStore
    let sync: SyncEngine?

    /// Unlocks the device named by `global` (touch or passphrase) and opens its history.
    /// - Throws: `ValidationError` when the folder has no account; the unlock's errors.
    static func open(_ global: GlobalOptions, _ account: AccountOptions) async throws -> UnlockedHistory {
        let session = try account.session(global)
        guard try session.state() != nil else {
            throw ValidationError(
                "this data folder has no account: run `sotto register` (new account) or `sotto login` (existing one)")
        }
        let unlocked = try await session.unlock()
        return try open(
            keys: unlocked.keys, state: unlocked.state, online: unlocked.online, global,
            previousKeys: unlocked.previousKeys, rootChanged: unlocked.rootChanged)
    }

    /// Opens the history with keys a ceremony just unlocked (registration, login, recovery).
    /// - Parameters:
    ///   - reportCorrupt: print the ids of unreadable records (the full screen shows their
    ///     count instead).
    ///   - previousKeys: the account's earlier roots this device holds (after a rotation).
    ///   - rootChanged: the account's root was rotated since this device last unlocked: the
    ///     next sync pulls everything again, to replace copies sealed under the old root.
    static func open(
        keys: AccountKeys, state: AccountState, online: Bool, _ global: GlobalOptions, reportCorrupt: Bool = true,
        previousKeys: [AccountKeys] = [], rootChanged: Bool = false
    ) throws -> UnlockedHistory {
        let folders = try global.folders()
        let cache = try LocalCache.openSwitchingAccounts(
            path: folders.historyCachePath, account: try AccountID(keys.accountID))
        if rootChanged { try cache.resetSyncCursor() }
        if !previousKeys.isEmpty {
            // Earlier roots stay only while the cache holds something sealed under them.
            try AccountStateFile(dataFolder: folders.data).forgetEarlierRoots(notIn: cache.keyIDs())
        }
        let history = try HistoryStore(
            cache: cache, keys: try AccountRecordKeys(keys, previous: previousKeys),
            device: try DeviceID.load(dataFolder: folders.data))
        if !previousKeys.isEmpty, try KeyRotationProgressFile(dataFolder: folders.data).load() == nil {
            // Changes made here under the old root go out under the new one, which every
            // device of the account now has (during a rotation of this device's, that
            // rotation seals them).
            _ = try history.sealAgainUnderCurrentKey(limit: .max, pendingOnly: true)
        }
        for corrupt in history.corrupt where reportCorrupt {
            printError("sotto: skipped unreadable record \(corrupt) (kept in the cache)")
        }
        var sync: SyncEngine?
        if let grant = state.session {
            let token = grant.token
            sync = SyncEngine(
                transport: HTTPSyncTransport(serverURL: state.server, http: CurlHTTPClient()) { token })
        }
        return UnlockedHistory(state: state, online: online, history: history, sync: sync)
    }
}
