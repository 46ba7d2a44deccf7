import ArgumentParser
import Core
import Foundation
import Wire

/// An unlocked device's history: the account unlocked with its passkey, the encrypted cache
/// decrypted, and the sync engine when a session exists.
struct UnlockedHistory {
    let unlocked: Unlocked
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
        let folders = try global.folders()
        let history = try HistoryStore(
            cache: LocalCache(path: folders.historyCachePath, account: try AccountID(unlocked.keys.accountID)),
            keys: try AccountRecordKeys(unlocked.keys), device: try DeviceID.load(dataFolder: folders.data))
        for corrupt in history.corrupt {
            printError("sotto: skipped unreadable record \(corrupt) (kept in the cache)")
        }
        var sync: SyncEngine?
        if let grant = unlocked.state.session {
            let token = grant.token
            sync = SyncEngine(
                transport: HTTPSyncTransport(serverURL: unlocked.state.server, http: CurlHTTPClient()) { token })
        }
        return UnlockedHistory(unlocked: unlocked, history: history, sync: sync)
    }
}
