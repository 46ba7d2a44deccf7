import CSodium

/// Argon2id (RFC 9106, version 0x13) password hashing through libsodium, for deriving a key
/// from a passphrase (the software passkey file).
public enum Argon2id {
    public static let saltByteCount = Int(crypto_pwhash_SALTBYTES)

    /// Cost parameters. `memoryBytes` is in bytes (libsodium's unit), `iterations` ≥ 1.
    public struct Parameters: Sendable, Hashable, Codable {
        public var iterations: UInt64
        public var memoryBytes: Int

        public init(iterations: UInt64, memoryBytes: Int) {
            self.iterations = iterations
            self.memoryBytes = memoryBytes
        }

        /// libsodium's "moderate" interactive profile: 3 passes over 256 MiB.
        public static let moderate = Parameters(
            iterations: UInt64(crypto_pwhash_OPSLIMIT_MODERATE), memoryBytes: Int(crypto_pwhash_MEMLIMIT_MODERATE))
        /// The cheapest libsodium allows; for tests only.
        public static let minimum = Parameters(
            iterations: UInt64(crypto_pwhash_argon2id_OPSLIMIT_MIN),
            memoryBytes: Int(crypto_pwhash_argon2id_MEMLIMIT_MIN))
    }

    /// Derives `length` bytes from `password` and a 16-byte `salt`.
    /// - Throws: `CryptoError` on a wrong salt length, parameters out of range, or when the
    ///   memory cannot be allocated.
    public static func deriveKey(
        password: some ByteView, salt: some ByteView, length: Int, parameters: Parameters
    ) throws -> SecureBytes {
        Sodium.ensureInitialized()
        guard salt.byteCount == saltByteCount else {
            throw CryptoError(.invalidLength, "Argon2id salt must be \(saltByteCount) bytes, got \(salt.byteCount)")
        }
        guard length >= 16 else {
            throw CryptoError(.invalidLength, "Argon2id output must be at least 16 bytes")
        }
        guard parameters.iterations >= UInt64(crypto_pwhash_argon2id_OPSLIMIT_MIN),
            parameters.memoryBytes >= Int(crypto_pwhash_argon2id_MEMLIMIT_MIN)
        else {
            throw CryptoError(.invalidLength, "Argon2id parameters are below libsodium's minimum")
        }
        let out = SecureBytes(zeroed: length)
        let rc = password.withUnsafeBytes { pw in
            salt.withUnsafeBytes { s in
                out.withUnsafeMutableBytes { o in
                    // An empty passphrase still needs a valid pointer.
                    let empty: CChar = 0
                    return withUnsafePointer(to: empty) { emptyPointer in
                        crypto_pwhash(
                            o.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(o.count),
                            pw.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyPointer, UInt64(pw.count),
                            s.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            parameters.iterations, parameters.memoryBytes, crypto_pwhash_ALG_ARGON2ID13)
                    }
                }
            }
        }
        guard rc == 0 else {
            throw CryptoError(.outOfMemory, "Argon2id could not allocate \(parameters.memoryBytes) bytes")
        }
        return out
    }
}
