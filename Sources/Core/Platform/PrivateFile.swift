import Foundation
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// Files only their owner may read (passkey files, recovery keys), written so that a crash or
/// a full disk leaves either the old file or the new one, never a mix.
public enum PrivateFile {
    /// Why a private file could not be written. Names no contents.
    public enum Failure: Error, Hashable, Sendable {
        /// The file exists and was not to be replaced.
        case exists
        /// A system call failed: what was being done, and errno.
        case failed(operation: String, errno: Int32)
    }

    /// Writes `bytes` to `path` with mode 0600, creating its folder (mode 0700) when missing.
    ///
    /// The bytes go to a temporary file in the same folder, which is synced to disk and then
    /// renamed over `path` (or, when `replaceExisting` is false, hard-linked to it: `link`
    /// never replaces a file). The name therefore only ever shows complete contents.
    /// - Throws: `Failure.exists` when `path` exists and `replaceExisting` is false;
    ///   `Failure.failed` for any other problem.
    public static func write(_ bytes: some ByteView, to path: String, replaceExisting: Bool) throws(Failure) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .failed(operation: "create the folder", errno: EACCES)
        }
        let temporary = folder + "/." + url.lastPathComponent + "." + UUID().uuidString + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .failed(operation: "create a temporary file", errno: errno) }
        // After a rename the temporary name is gone and this fails harmlessly; after a link
        // or a failure it removes the temporary file.
        defer { unlink(temporary) }
        let problem: Failure? = bytes.withUnsafeBytes { buffer -> Failure? in
            var written = 0
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { return .failed(operation: "write", errno: errno) }
                written += result
            }
            // The umask may have cleared bits; set exactly 0600, then make the bytes durable
            // before the name points at them.
            guard fchmod(descriptor, 0o600) == 0 else { return .failed(operation: "set the mode of", errno: errno) }
            guard fsync(descriptor) == 0 else { return .failed(operation: "sync", errno: errno) }
            return nil
        }
        close(descriptor)
        if let problem { throw problem }
        if replaceExisting {
            guard rename(temporary, path) == 0 else { throw .failed(operation: "replace", errno: errno) }
        } else if link(temporary, path) != 0 {
            if errno == EEXIST { throw .exists }
            throw .failed(operation: "create", errno: errno)
        }
        // The new name itself must survive a crash: sync the folder's entry too.
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// The contents of `path`, refusing files longer than `maximumByteCount`.
    /// - Returns: nil when there is no such file.
    /// - Throws: `Failure.failed` when it cannot be read or is too long.
    public static func read(_ path: String, maximumByteCount: Int) throws(Failure) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .failed(operation: "open", errno: errno)
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: maximumByteCount + 1)
        // The file may be a passphrase: leave no copy behind but the one returned.
        defer { ConstantTime.wipe(&bytes) }
        var total = 0
        while total < bytes.count {
            let result = bytes.withUnsafeMutableBytes {
                Glibc.read(descriptor, $0.baseAddress! + total, $0.count - total)
            }
            if result < 0 && errno == EINTR { continue }
            guard result >= 0 else { throw .failed(operation: "read", errno: errno) }
            if result == 0 { break }
            total += result
        }
        guard total <= maximumByteCount else { throw .failed(operation: "read (too long)", errno: EFBIG) }
        return Array(bytes[0..<total])
    }
}
