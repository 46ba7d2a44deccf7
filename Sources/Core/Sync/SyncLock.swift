import Foundation

/// One syncing process per cache at a time: an advisory lock (flock) on `<cache>.sync.lock`
/// beside the cache, held for a whole pass. Two passes at once would push the same pending
/// records twice and answer each other's pushes as conflicts; one after the other, the second
/// finds the first's work done. The lock goes when released, or when the process ends however
/// it ends, so a killed sync never blocks the next one.
final class SyncLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Takes the lock of the cache at `cachePath`, waiting while another process holds it.
    /// - Parameter limit: how long to wait before giving up.
    /// - Throws: `SyncError` `.busy` when another process held it past `limit`; `.unavailable`
    ///   when the lock file cannot be opened; `CancellationError`.
    static func acquire(cachePath: String, waitingUpTo limit: Duration) async throws -> SyncLock {
        let path = cachePath + ".sync.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SyncError(.unavailable, "cannot open the sync lock \(path) (errno \(errno)); check the data folder")
        }
        let deadline = ContinuousClock.now + limit
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(descriptor)
                throw SyncError(.unavailable, "cannot lock \(path) (errno \(code))")
            }
            guard ContinuousClock.now < deadline else {
                close(descriptor)
                throw SyncError(
                    .busy,
                    "another sotto on this device has been syncing for \(limit.components.seconds) s; this sync stopped, and the next one sends what is left"
                )
            }
            do { try await Task.sleep(for: .milliseconds(50)) } catch {
                close(descriptor)
                throw error
            }
        }
        return SyncLock(descriptor: descriptor)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
