import Wire

/// Where a software passkey's passphrase comes from when nobody types it: a file
/// (`--passphrase-file`) or the `SOTTO_PASSPHRASE` environment variable, for scripts and tests.
public struct PassphraseSource: Sendable, Hashable, CustomStringConvertible {
    /// The environment variable read when no passphrase file is given.
    public static let environmentVariable = "SOTTO_PASSPHRASE"
    /// The longest passphrase accepted.
    public static let maximumByteCount = 4096

    /// Where the passphrase is.
    public enum Origin: Sendable, Hashable {
        case file(path: String)
        case environment
    }

    /// Where the passphrase is.
    public let origin: Origin

    public init(_ origin: Origin) {
        self.origin = origin
    }

    /// The source to use: the file when one is given, else the environment variable when it
    /// is set; nil when neither (then ask on the terminal).
    public static func choose(passphraseFile: String?, environment: [String: String]) -> PassphraseSource? {
        if let passphraseFile { return PassphraseSource(.file(path: passphraseFile)) }
        if environment[environmentVariable] != nil { return PassphraseSource(.environment) }
        return nil
    }

    /// Reads the passphrase. A file's one trailing newline ("\n" or "\r\n") is not part of it.
    /// - Throws: `PasskeyError` `.passphraseMissing` when it is empty or unset,
    ///   `.passphraseUnreadable` when the file cannot be read or is too long.
    public func read(environment: [String: String]) throws -> SecureBytes {
        var bytes: [UInt8]
        switch origin {
        case .environment:
            guard let value = environment[Self.environmentVariable] else {
                throw PasskeyError(.passphraseMissing, "\(Self.environmentVariable) is not set")
            }
            bytes = Array(value.utf8)
        case .file(let path):
            let contents: [UInt8]?
            do throws(PrivateFile.Failure) {
                contents = try PrivateFile.read(path, maximumByteCount: Self.maximumByteCount + 2)
            } catch {
                throw PasskeyError(
                    .passphraseUnreadable,
                    "cannot read the passphrase file \(path) (it must be readable and at most \(Self.maximumByteCount) bytes)"
                )
            }
            guard let contents else {
                throw PasskeyError(.passphraseUnreadable, "there is no passphrase file at \(path)")
            }
            bytes = contents
            if bytes.last == UInt8(ascii: "\n") {
                bytes.removeLast()
                if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            }
        }
        defer { ConstantTime.wipe(&bytes) }
        guard bytes.count <= Self.maximumByteCount else {
            throw PasskeyError(.passphraseUnreadable, "the passphrase is longer than \(Self.maximumByteCount) bytes")
        }
        guard !bytes.isEmpty else {
            throw PasskeyError(.passphraseMissing, "the passphrase from \(self) is empty; an empty one is refused")
        }
        return SecureBytes(copying: bytes)
    }

    /// "SOTTO_PASSPHRASE" or "the passphrase file PATH"; never the passphrase.
    public var description: String {
        switch origin {
        case .environment: Self.environmentVariable
        case .file(let path): "the passphrase file \(path)"
        }
    }
}
