import ArgumentParser
import Core

/// The way into the history for `ask`, `history`, `sync`, `export`, `import`.
enum UnlockedHistory {
    /// Unlocks the device named by `global` (touch or passphrase) and opens its history,
    /// printing the ids of unreadable records.
    /// - Parameter readOnly: for commands that only read: unlock without the server (nothing is
    ///   written, the session stays as it is), and open the cache read-only when the data folder
    ///   cannot be written.
    /// - Throws: `ValidationError` when the folder has no account; the unlock's errors.
    static func open(
        _ global: GlobalOptions, _ account: AccountOptions, readOnly: Bool = false
    ) async throws -> OpenedHistory {
        let opened: OpenedHistory
        do {
            let (device, session) = try account.session(global)
            opened = try await device.unlockHistory(session, readOnly: readOnly)
        } catch let error as DeviceError {
            throw ValidationError(error.message)
        }
        report(opened)
        return opened
    }

    /// Opens the history with keys a ceremony just unlocked (the cache's rebuild).
    static func open(
        keys: AccountKeys, state: AccountState, online: Bool, _ global: GlobalOptions, _ account: AccountOptions
    ) throws -> OpenedHistory {
        let opened = try usage { try global.device(account) }.openHistory(keys: keys, state: state, online: online)
        report(opened)
        return opened
    }

    /// What a user can do about a record that did not open.
    static let repairAdvice = "kept in the cache; the next `sotto sync` fetches the server's copy"

    private static func report(_ opened: OpenedHistory) {
        for corrupt in opened.history.corrupt {
            printError("sotto: skipped unreadable \(corrupt); \(repairAdvice)")
        }
    }
}
