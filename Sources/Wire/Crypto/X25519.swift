import CSodium

/// X25519 Diffie-Hellman (RFC 7748) through libsodium.
public enum X25519 {
    public static let keyByteCount = 32

    /// A key pair; the private scalar lives in `SecureBytes`.
    public struct KeyPair: Sendable {
        public let privateKey: SecureBytes
        public let publicKey: [UInt8]

        /// A fresh random key pair.
        public static func generate() -> KeyPair {
            let priv = SecureBytes.random(count: keyByteCount)
            return KeyPair(privateKey: priv, publicKey: X25519.publicKey(for: priv))
        }

        /// The pair for an existing private scalar (clamped by X25519 itself).
        /// - Throws: `CryptoError` if the scalar is not 32 bytes.
        public init(privateKey: SecureBytes) throws {
            guard privateKey.count == keyByteCount else {
                throw CryptoError.keyLength("X25519 private", expected: keyByteCount, got: privateKey.count)
            }
            self.init(privateKey: privateKey, publicKey: X25519.publicKey(for: privateKey))
        }

        private init(privateKey: SecureBytes, publicKey: [UInt8]) {
            self.privateKey = privateKey
            self.publicKey = publicKey
        }
    }

    static func publicKey(for privateKey: SecureBytes) -> [UInt8] {
        Sodium.ensureInitialized()
        var pub = [UInt8](repeating: 0, count: keyByteCount)
        privateKey.withUnsafeBytes { priv in
            pub.withUnsafeMutableBufferPointer { out in
                _ = crypto_scalarmult_base(out.baseAddress!, priv.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return pub
    }

    /// Writes DH(privateKey, publicKey) into `output` (32 bytes).
    /// - Throws: `CryptoError.weakPublicKey` when the peer key is a low-order point (the
    ///   shared secret would be all zeros and carry no contribution from our key).
    public static func sharedSecret(
        privateKey: UnsafeRawBufferPointer, publicKey: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws {
        Sodium.ensureInitialized()
        guard privateKey.count == keyByteCount else {
            throw CryptoError.keyLength("X25519 private", expected: keyByteCount, got: privateKey.count)
        }
        guard publicKey.count == keyByteCount else {
            throw CryptoError.keyLength("X25519 public", expected: keyByteCount, got: publicKey.count)
        }
        precondition(output.count == keyByteCount, "X25519 output must be 32 bytes")
        let rc = crypto_scalarmult(
            output.baseAddress!.assumingMemoryBound(to: UInt8.self),
            privateKey.baseAddress!.assumingMemoryBound(to: UInt8.self),
            publicKey.baseAddress!.assumingMemoryBound(to: UInt8.self))
        guard rc == 0 else {
            ConstantTime.wipe(output)
            throw CryptoError(.weakPublicKey, "the peer's X25519 public key is a low-order point; refusing it")
        }
    }

    /// DH(privateKey, publicKey) as a new secret.
    public static func sharedSecret(privateKey: SecureBytes, publicKey: some ByteView) throws -> SecureBytes {
        let out = SecureBytes(zeroed: keyByteCount)
        try privateKey.withUnsafeBytes { priv in
            try publicKey.withUnsafeBytes { pub in
                try out.withUnsafeMutableBytes { try sharedSecret(privateKey: priv, publicKey: pub, into: $0) }
            }
        }
        return out
    }
}
