import Foundation
import GRDB
import Wire

/// A file operation the system refused, in the project's words: which folder, and what the
/// user can do. Foundation's own text (`Error Domain=NSCocoaErrorDomain Code=642 …`) says
/// neither in a form a user acts on.
public typealias FileSystemError = CodedError<FileSystemErrorCode>

/// Stable identifiers of `FileSystemError`.
public enum FileSystemErrorCode: String, StableErrorCode {
    /// The folder is on a file system mounted read-only.
    case readOnly = "SOTTO-FILES-READ-ONLY"
    /// The disk (or the user's quota) is full.
    case full = "SOTTO-FILES-FULL"
    /// This user may not write there.
    case permission = "SOTTO-FILES-PERMISSION"
}

extension FileSystemError {
    /// The error in words when `error` is one of the refusals above, from Foundation, POSIX or
    /// SQLite; nil for anything else (the caller keeps its own message).
    /// - Parameter path: the file or folder involved, when the error does not name it.
    public static func describing(_ error: any Error, path: String? = nil) -> FileSystemError? {
        guard let code = kind(of: error) else { return nil }
        let named = path ?? (error as NSError).userInfo[NSFilePathErrorKey] as? String
        let folder = named.map { "the folder " + containingFolder($0) } ?? "a folder Sotto writes to"
        switch code {
        case .readOnly:
            return FileSystemError(
                .readOnly,
                "\(folder) is on a read-only file system; mount it read-write, or pass --data-dir with a writable folder (`sotto history` and `sotto export` also work read-only)"
            )
        case .full:
            return FileSystemError(
                .full, "the disk holding \(folder) is full; free some space, then run the command again")
        case .permission:
            return FileSystemError(
                .permission, "\(folder) cannot be written by this user; check its owner and permissions (chmod u+w)")
        }
    }

    /// What `error` says about the file system, if anything.
    static func kind(of error: any Error) -> FileSystemErrorCode? {
        if let error = error as? DatabaseError {
            switch error.resultCode.primaryResultCode {
            case .SQLITE_FULL: return .full
            case .SQLITE_READONLY: return .readOnly
            default: return nil
            }
        }
        if let failure = error as? PrivateFile.Failure {
            guard case .failed(_, let code) = failure else { return nil }
            return kind(errno: code)
        }
        if let posix = error as? POSIXError { return kind(errno: posix.code.rawValue) }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteVolumeReadOnly: return .readOnly
            case .fileWriteOutOfSpace: return .full
            case .fileWriteNoPermission: return .permission
            default: break
            }
            if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError { return kind(of: underlying) }
            return nil
        }
        if ns.domain == NSPOSIXErrorDomain { return kind(errno: Int32(ns.code)) }
        return nil
    }

    private static func kind(errno code: Int32) -> FileSystemErrorCode? {
        switch code {
        case EROFS: .readOnly
        case ENOSPC, EDQUOT: .full
        case EACCES, EPERM: .permission
        default: nil
        }
    }

    /// The folder of `path` (itself when it is one).
    private static func containingFolder(_ path: String) -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return path }
        return (path as NSString).deletingLastPathComponent
    }
}
