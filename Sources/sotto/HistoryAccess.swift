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
    /// - Parameter readOnly: for commands that only read: unlock without the server (nothing is
    ///   written, the session stays as it is), and open the cache read-only when the data folder
    ///   cannot be written.
    /// - Throws: `ValidationError` when the folder has no account; the unlock's errors.
    static func open(
        _ global: GlobalOptions, _ account: AccountOptions, readOnly: Bool = false
    ) async throws
        -> UnlockedHistory
    {
        let session = try account.session(global)
        guard try session.state() != nil else {
            throw ValidationError(
                "this data folder has no account: run `sotto register` (new account) or `sotto login` (existing one)")
        }
        let unlocked = try await readOnly ? session.unlockLocally() : session.unlock()
        return try open(keys: unlocked.keys, state: unlocked.state, online: unlocked.online, global, readOnly: readOnly)
    }

    /// Opens the history with keys a ceremony just unlocked (registration, login, recovery).
    /// - Parameter reportCorrupt: print the ids of unreadable records (the full screen shows
    ///   their count instead).
    static func open(
        keys: AccountKeys, state: AccountState, online: Bool, _ global: GlobalOptions, reportCorrupt: Bool = true,
        readOnly: Bool = false
    ) throws -> UnlockedHistory {
        let folders = try global.folders()
        let accountID = try AccountID(keys.accountID)
        let cache =
            readOnly && !FolderAccess.isWritable(folders.data)
            ? try LocalCache(readingOnly: folders.historyCachePath, account: accountID)
            : try LocalCache.openSwitchingAccounts(path: folders.historyCachePath, account: accountID)
        let history = try HistoryStore(
            cache: cache, keys: try AccountRecordKeys(keys), device: try DeviceID.load(dataFolder: folders.data))
        for corrupt in history.corrupt where reportCorrupt {
            printError("sotto: skipped unreadable \(corrupt); \(UnlockedHistory.repairAdvice)")
        }
        var sync: SyncEngine?
        if let grant = state.session {
            let opened = grant.token
            let file = AccountStateFile(dataFolder: folders.data)
            // The device's current session: another process unlocking meanwhile replaces this one's.
            sync = SyncEngine(
                transport: HTTPSyncTransport(serverURL: state.server, http: CurlHTTPClient()) {
                    guard let current = try? file.load(), current.accountID == state.accountID,
                        let token = current.session?.token
                    else { return opened }
                    return token
                })
        }
        return UnlockedHistory(state: state, online: online, history: history, sync: sync)
    }
}
