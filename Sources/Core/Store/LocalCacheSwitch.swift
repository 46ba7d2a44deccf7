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
            do {
                // Nobody may have the other account's cache open while it moves.
                // A second allows for a descriptor a child process holds between fork and exec.
                let exclusive = try CacheFileLock(cachePath: path, exclusive: true, giveUpAfter: .seconds(1))
                defer { exclusive.release() }
                guard let other = try storedAccount(at: path) else { throw error }
                let aside = asidePath(path, for: other)
                let own = asidePath(path, for: account.rawValue)
                try checkFree(aside)
                try move(path, to: aside)
                if FileManager.default.fileExists(atPath: own) { try move(own, to: path) }
            }
            return try LocalCache(path: path, account: account)
        }
    }

    /// Where a cache of `account` waits while another account uses the device:
    /// `history-<16 hex digits of SHA-256(account id)>.sqlite` beside `path`.
    static func asidePath(_ path: String, for account: String) -> String {
        let digest = HashFunction.sha256.hash(Array(account.utf8)).prefix(8)
        let name = "history-" + Hex.encode(digest) + ".sqlite"
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

    /// Refuses a target where a cache or one of its WAL companions already is, before
    /// anything moves.
    private static func checkFree(_ target: String) throws {
        for suffix in ["", "-wal", "-shm"] {
            if FileManager.default.fileExists(atPath: target + suffix) {
                throw CacheError(
                    .accountMismatch, "cannot set the history cache aside: \(target + suffix) already exists")
            }
        }
    }

    /// Moves a closed cache and its WAL companions.
    private static func move(_ source: String, to target: String) throws {
        let files = FileManager.default
        for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: source + suffix) {
            do {
                try files.moveItem(atPath: source + suffix, toPath: target + suffix)
            } catch {
                throw CacheError(.openFailed, "cannot move the history cache \(source + suffix) aside")
            }
        }
    }
}

/// An advisory lock on a cache (`<cache>.lock` beside it, flock): shared while a cache is
/// open, exclusive while one is moved. Released when closed or when the process ends.
final class CacheFileLock: Sendable {
    private let descriptor: Int32

    /// - Parameters:
    ///   - exclusive: exclusive (to move the cache), else shared (to use it).
    ///   - giveUpAfter: how long to try before refusing; nil waits as long as it takes.
    /// - Throws: `CacheError` `.openFailed`, or `.accountMismatch` when another process kept
    ///   the cache open past `giveUpAfter`.
    init(cachePath: String, exclusive: Bool, giveUpAfter: Duration? = nil) throws {
        let path = cachePath + ".lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CacheError(.openFailed, "cannot open the history cache's lock \(path) (errno \(errno))")
        }
        var operation = exclusive ? LOCK_EX : LOCK_SH
        if giveUpAfter != nil { operation |= LOCK_NB }
        let deadline = giveUpAfter.map { ContinuousClock.now + $0 }
        while flock(descriptor, operation) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK, let deadline, ContinuousClock.now < deadline {
                usleep(20_000)
                continue
            }
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK {
                throw CacheError(
                    .accountMismatch,
                    "this folder's history belongs to another account and another sotto has it open; close it, then try again"
                )
            }
            throw CacheError(.openFailed, "cannot lock the history cache \(cachePath) (errno \(code))")
        }
    }

    /// Gives the lock back now (else when the object goes).
    func release() {
        flock(descriptor, LOCK_UN)
    }

    deinit { close(descriptor) }
}
