/// Why the development attestation folder (`<data-dir>/dev-attestation/`) could not be used.
///
/// Messages name the file and say what to do; they never contain key material or file
/// contents. Nothing in that folder is ever regenerated over an existing file: a broken
/// authority is reported, and only the operator decides to delete it.
public struct DevelopmentAttestationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers: logs, tests and documentation refer to these.
    public enum Code: String, Sendable, CaseIterable {
        /// Some of the authority's files exist and others are missing.
        case incomplete = "SOTTO-DEV-ATTEST-INCOMPLETE"
        /// A file exists but is not a valid certificate or key of the kind its name says.
        case corrupt = "SOTTO-DEV-ATTEST-CORRUPT"
        /// The files are valid one by one but do not belong together (a key that is not its
        /// certificate's, a certificate its issuer did not sign).
        case mismatch = "SOTTO-DEV-ATTEST-MISMATCH"
        /// A certificate of the development chain has expired (or is not valid yet).
        case expired = "SOTTO-DEV-ATTEST-EXPIRED"
        /// A file exists but could not be read.
        case unreadable = "SOTTO-DEV-ATTEST-UNREADABLE"
        /// The folder or a file in it could not be created or written.
        case writeFailed = "SOTTO-DEV-ATTEST-WRITE"
        /// Generating a key or issuing a certificate failed.
        case generationFailed = "SOTTO-DEV-ATTEST-GENERATE"
    }

    /// The stable identifier of this failure.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// The file's name inside the folder, when one file is at fault ("vcek.pem").
    public let file: String?

    /// An error with `code`, an actionable message and the file at fault.
    public init(_ code: Code, _ message: String, file: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
    }

    /// "SOTTO-DEV-ATTEST-...: message".
    public var description: String { "\(code.rawValue): \(message)" }
}
