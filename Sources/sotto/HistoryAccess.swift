import ArgumentParser
import Core

/// The way into the history for `ask`, `history`, `sync`, `export`, `import`.
enum UnlockedHistory {
    /// Unlocks the device named by `global` (touch or passphrase) and opens its history,
    /// printing the ids of unreadable records.
    /// - Throws: `ValidationError` when the folder has no account; the unlock's errors.
    static func open(_ global: GlobalOptions, _ account: AccountOptions) async throws -> OpenedHistory {
        let opened: OpenedHistory
        do {
            let (device, session) = try account.session(global)
            opened = try await device.unlockHistory(session)
        } catch let error as DeviceError {
            throw ValidationError(error.message)
        }
        for corrupt in opened.history.corrupt {
            printError("sotto: skipped unreadable record \(corrupt) (kept in the cache)")
        }
        return opened
    }
}
