import Core
import Foundation
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// The input's copy for the editor: an owner-only file (0600) in a fresh owner-only folder
/// (0700, from `mkdtemp`), so no other user can read a private prompt while it is edited.
/// `destroy` overwrites what the folder holds with zeros and removes it.
struct ScratchFile {
    let folder: String
    let path: String

    /// Writes `text` to a new scratch file under `temporaryDirectory` (`/tmp` when nil or empty).
    init(_ text: String, temporaryDirectory: String?) throws(EditorProblem) {
        var base = temporaryDirectory ?? ""
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        if base.isEmpty { base = "/tmp" }
        var template = Array((base + "/sotto-edit-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else { throw .file(operation: "create", errno: errno) }
        folder = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The extension lets editors highlight the prompt as Markdown.
        path = folder + "/prompt.md"
        var bytes = Array(text.utf8)
        defer { ConstantTime.wipe(&bytes) }
        do throws(EditorProblem) {
            try Self.create(path, with: bytes)
        } catch {
            destroy()
            throw error
        }
    }

    /// The file as the editor left it (it may have replaced it), refused past `maximumByteCount`.
    func read(maximumByteCount: Int) throws(EditorProblem) -> String {
        let read: [UInt8]?
        do throws(PrivateFile.Failure) {
            read = try PrivateFile.read(path, maximumByteCount: maximumByteCount)
        } catch {
            switch error {
            case .failed(_, let code) where code == EFBIG: throw .tooLong(limit: maximumByteCount)
            case .failed(_, let code): throw .file(operation: "read", errno: code)
            case .exists: throw .file(operation: "read", errno: EEXIST)
            }
        }
        guard var bytes = read else { throw .fileRemoved }
        defer { ConstantTime.wipe(&bytes) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notText }
        return text
    }

    /// Zeroes and removes every file in the folder (the editor's swap and backup files too),
    /// then the folder. Safe to call when something is already gone.
    func destroy() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in entries {
            let entry = folder + "/" + name
            var info = stat()
            guard lstat(entry, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                try? FileManager.default.removeItem(atPath: entry)
                continue
            }
            if info.st_mode & S_IFMT == S_IFREG { Self.zero(entry) }
            unlink(entry)
        }
        rmdir(folder)
    }

    private static func create(_ path: String, with bytes: [UInt8]) throws(EditorProblem) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .file(operation: "create", errno: errno) }
        defer { close(descriptor) }
        // The umask may have cleared bits; set exactly 0600.
        guard fchmod(descriptor, 0o600) == 0 else { throw .file(operation: "create", errno: errno) }
        guard writeAll(descriptor, bytes) else { throw .file(operation: "write", errno: errno) }
    }

    /// Overwrites a regular file's bytes with zeros, so the prompt does not linger on disk.
    private static func zero(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return }
        let zeros = [UInt8](repeating: 0, count: 64 * 1024)
        var left = Int(info.st_size)
        while left > 0 {
            let chunk = Array(zeros.prefix(left))
            guard writeAll(descriptor, chunk) else { return }
            left -= chunk.count
        }
        _ = fsync(descriptor)
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            var written = 0
            while written < buffer.count {
                let result = Glibc.write(descriptor, base + written, buffer.count - written)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { return false }
                written += result
            }
            return true
        }
    }
}
