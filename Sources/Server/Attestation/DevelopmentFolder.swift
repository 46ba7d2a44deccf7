import Foundation

/// The files of `<data-dir>/dev-attestation/`: each written once, complete or not at all, with
/// its final mode from the first byte, and never replaced.
enum DevelopmentFolder {
    /// The folder's name inside the server's data folder.
    static let name = "dev-attestation"
    /// The note that says what the folder is.
    static let readmeName = "README.txt"

    /// Mode of private key files: the owner alone reads them.
    static let secretMode: mode_t = 0o600
    /// Mode of certificates and the README: public material.
    static let publicMode: mode_t = 0o644

    /// Creates `folder` (owner-only) and its parents when missing.
    static func ensureExists(_ folder: URL) throws(DevelopmentAttestationError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw DevelopmentAttestationError(
                    .writeFailed, "\(folder.path) exists but is not a folder; move it away or choose another --data-dir"
                )
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DevelopmentAttestationError(
                .writeFailed, "cannot create \(folder.path); check that the data folder is writable")
        }
    }

    /// True when `name` exists in `folder` (as anything: a folder in its place is corrupt, not absent).
    static func exists(_ name: String, in folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)
    }

    /// The contents of `name`.
    /// - Throws: `.unreadable` when it cannot be read.
    static func read(_ name: String, in folder: URL) throws(DevelopmentAttestationError) -> Data {
        let url = folder.appendingPathComponent(name)
        do {
            return try Data(contentsOf: url)
        } catch {
            throw DevelopmentAttestationError(
                .unreadable,
                "cannot read \(url.path); check its owner and permissions (the server must be able to read it)",
                file: name)
        }
    }

    /// Writes a new file `name` holding `bytes` with `mode`, unless one exists.
    ///
    /// The bytes go to a hidden temporary file that is then hard-linked to `name`: the name
    /// appears only once the contents are complete, and `link` never replaces an existing file.
    /// - Returns: false when `name` already existed (nothing was written).
    /// - Throws: `.writeFailed`.
    @discardableResult
    static func writeNew(
        _ bytes: UnsafeRawBufferPointer, as name: String, in folder: URL, mode: mode_t
    ) throws(DevelopmentAttestationError) -> Bool {
        let final = folder.appendingPathComponent(name).path
        let temporary = folder.appendingPathComponent(".\(name).\(UUID().uuidString).tmp").path
        func failure(_ what: String) -> DevelopmentAttestationError {
            DevelopmentAttestationError(
                .writeFailed, "cannot \(what) \(final) (errno \(errno)); check that \(folder.path) is writable",
                file: name)
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("create a temporary file for") }
        defer { unlink(temporary) }
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            guard result > 0 else {
                let error = failure("write")
                close(descriptor)
                throw error
            }
            written += result
        }
        // The umask may have cleared bits of `mode`; set exactly it. Then make the contents
        // durable before the name appears.
        guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else {
            let error = failure("finish writing")
            close(descriptor)
            throw error
        }
        close(descriptor)
        if link(temporary, final) != 0 {
            if errno == EEXIST { return false }
            throw failure("create")
        }
        return true
    }

    /// `writeNew` for bytes in an array.
    @discardableResult
    static func writeNew(
        _ bytes: [UInt8], as name: String, in folder: URL, mode: mode_t
    ) throws(DevelopmentAttestationError) -> Bool {
        let result: Result<Bool, DevelopmentAttestationError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(DevelopmentAttestationError) in
                try writeNew(buffer, as: name, in: folder, mode: mode)
            }
        }
        return try result.get()
    }

    /// Writes the README unless there is one (an operator may have annotated it).
    static func writeReadme(in folder: URL) throws(DevelopmentAttestationError) {
        try writeNew(Array(readme.utf8), as: readmeName, in: folder, mode: publicMode)
    }

    static let readme = """
        SOTTO DEVELOPMENT ATTESTATION AUTHORITY - NOT AMD, NOT A ROOT OF TRUST

        `sotto-server serve --dev` created this folder. It holds a development stand-in for
        AMD's SEV-SNP key hierarchy and a development release key, so a server without
        confidential-computing hardware produces evidence in the exact SEV-SNP format:

          ark.pem, ark.key     "Sotto Development ARK (NOT AMD)", RSA-4096, self-signed
          ask.pem, ask.key     "Sotto Development ASK (NOT AMD)", RSA-4096, signed by the ARK
          vcek.pem, vcek.key   "Sotto Development VCEK (NOT AMD)", ECDSA P-384, signed by the ASK;
                               signs the simulated attestation reports
          release.key          Ed25519 seed of the development release key; signs the release
                               manifest that names this server's measurement

        Anyone who can read the .key files can forge "attestation" that a client in
        development mode accepts. That is the point: these reports prove nothing about the
        hardware or the code, and no data that needs protecting should ever be sent to a
        server a client trusts only through this authority.

        Clients trust this root only with `sotto --dev`, and then label every result
        "simulated attestation (development)". Never add it to a production trust store.

        The server never regenerates over these files. To start over, stop the server and
        delete this folder; a new authority (new root and release key) is created on the next
        start, and clients must then trust the new root.
        """
}
