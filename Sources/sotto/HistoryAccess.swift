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
        return try open(keys: unlocked.keys, state: unlocked.state, online: unlocked.online, global)
    }

    /// Opens the history with keys a ceremony just unlocked (registration, login, recovery).
    /// - Parameter reportCorrupt: print the ids of unreadable records (the full screen shows
    ///   their count instead).
    static func open(
        keys: AccountKeys, state: AccountState, online: Bool, _ global: GlobalOptions, reportCorrupt: Bool = true
    ) throws -> UnlockedHistory {
        let folders = try global.folders()
        let history = try HistoryStore(
            cache: LocalCache.openSwitchingAccounts(
                path: folders.historyCachePath, account: try AccountID(keys.accountID)),
            keys: try AccountRecordKeys(keys), device: try DeviceID.load(dataFolder: folders.data))
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
