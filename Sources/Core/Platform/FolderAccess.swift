import Foundation

/// Whether a folder can take writes, asked before a command that only reads decides how to
/// open what is in it.
public enum FolderAccess {
    /// Whether this process can create and change files in `folder`: its file system is
    /// mounted read-write and its permissions let this user write (root passes any mode).
    public static func isWritable(_ folder: String) -> Bool {
        var info = statvfs()
        if statvfs(folder, &info) == 0, info.f_flag & UInt(ST_RDONLY) != 0 { return false }
        return access(folder, W_OK) == 0
    }
}
