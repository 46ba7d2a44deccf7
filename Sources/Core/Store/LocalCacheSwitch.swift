import Foundation
import GRDB
import Wire

extension LocalCache {
    /// Opens the device's cache at `path` for `account`. A cache of another account found there
    /// (the device logged out of it, then joined this one) is moved aside, beside it, under a
    /// name derived from its account; this account's own cache comes back from there when it
    /// was set aside before. Switching accounts on a device loses no history and needs no flag.
    /// - Throws: `CacheError` `.openFailed`; `.accountMismatch` when the cache cannot be moved.
    public static func openSwitchingAccounts(path: String, account: AccountID) throws -> LocalCache {
        do {
            return try LocalCache(path: path, account: account)
        } catch let error as CacheError where error.code == .accountMismatch {
            guard let other = try storedAccount(at: path) else { throw error }
            try move(path, to: asidePath(path, for: other))
            let own = asidePath(path, for: account.rawValue)
            if FileManager.default.fileExists(atPath: own) { try move(own, to: path) }
            return try LocalCache(path: path, account: account)
        }
    }

    /// Where a cache of `account` waits while another account uses the device:
    /// `history-<16 hex digits of SHA-256(account id)>.sqlite` beside `path`.
    static func asidePath(_ path: String, for account: String) -> String {
        let digest = HashFunction.sha256.hash(Array(account.utf8)).prefix(8)
        let name = "history-" + digest.map { String(format: "%02x", $0) }.joined() + ".sqlite"
        return (path as NSString).deletingLastPathComponent + "/" + name
    }

    /// The account a cache file belongs to, read without changing it.
    static func storedAccount(at path: String) throws -> String? {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { try String.fetchOne($0, sql: "SELECT account FROM cache_account") }
        } catch {
            throw CacheError(.openFailed, "cannot read which account the history cache \(path) belongs to")
        }
    }

    /// Moves a closed cache and its WAL companions, refusing to replace anything.
    private static func move(_ source: String, to target: String) throws {
        let files = FileManager.default
        for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: source + suffix) {
            guard !files.fileExists(atPath: target + suffix) else {
                throw CacheError(
                    .accountMismatch, "cannot set the history cache aside: \(target + suffix) already exists")
            }
            do {
                try files.moveItem(atPath: source + suffix, toPath: target + suffix)
            } catch {
                throw CacheError(.openFailed, "cannot move the history cache \(source + suffix) aside")
            }
        }
    }
}
