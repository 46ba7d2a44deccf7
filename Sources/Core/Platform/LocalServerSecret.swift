import Foundation
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// The secret by which `sotto` recognises the local server it started (`LocalServerProof`).
///
/// It lives in an owner-only file of the device's data folder rather than in one process's
/// memory because a second `sotto` window shares the server the first one started, and must
/// be able to check that server too; no other user can read the file. The child receives it
/// on standard input at spawn, never in its arguments (which `/proc/<pid>/cmdline` shows to
/// every user) nor its environment (which its own children would inherit); so the server
/// needs no knowledge of where the client keeps its files.
enum LocalServerSecret {
    /// The secret in `path`, made (32 random bytes, mode 0600) when there is none.
    /// - Throws: `LocalServerError` `.secret` when the file cannot be made or read, is not
    ///   owner-only or not this user's, or does not hold a secret.
    static func loadOrCreate(at path: String) throws -> SecureBytes {
        var status = stat()
        if lstat(path, &status) != 0 {
            guard errno == ENOENT else { throw unusable(path, "cannot be examined (errno \(errno))") }
            let fresh = SecureBytes.random(count: LocalServerProof.secretByteCount)
            do throws(PrivateFile.Failure) {
                try PrivateFile.write(fresh, to: path, replaceExisting: false)
                return fresh
            } catch .exists {
                // Another window made it at the same moment: use theirs.
                return try loadOrCreate(at: path)
            } catch {
                throw unusable(path, "cannot be written (\(error))")
            }
        }
        guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG), status.st_uid == geteuid() else {
            throw unusable(path, "is not a regular file of yours")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw unusable(path, "can be read by other users, so it proves nothing")
        }
        var bytes: [UInt8]?
        do throws(PrivateFile.Failure) {
            bytes = try PrivateFile.read(path, maximumByteCount: LocalServerProof.secretByteCount)
        } catch {
            throw unusable(path, "cannot be read (\(error))")
        }
        guard var bytes, bytes.count == LocalServerProof.secretByteCount else {
            throw unusable(path, "does not hold a \(LocalServerProof.secretByteCount)-byte secret")
        }
        defer { ConstantTime.wipe(&bytes) }
        return SecureBytes(copying: bytes)
    }

    private static func unusable(_ path: String, _ problem: String) -> LocalServerError {
        LocalServerError(
            .secret,
            "local mode's secret \(path) \(problem); stop any local server (`sotto` windows in local mode), "
                + "delete the file, and start sotto again")
    }
}
