import CSodium

/// Ed25519 signatures (RFC 8032) through libsodium: release manifests, EdDSA passkeys.
public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let seedByteCount = 32
    public static let signatureByteCount = 64

    /// A signing key; libsodium's 64-byte secret key (seed ‖ public key) stays in `SecureBytes`.
    public struct SigningKey: Sendable {
        private let secretKey: SecureBytes
        public let publicKey: [UInt8]

        /// A fresh random key.
        public static func generate() -> SigningKey {
            try! SigningKey(seed: SecureBytes.random(count: seedByteCount))
        }

        /// The key for a 32-byte seed.
        /// - Throws: `CryptoError` if the seed is not 32 bytes.
        public init(seed: SecureBytes) throws {
            Sodium.ensureInitialized()
            guard seed.count == seedByteCount else {
                throw CryptoError.keyLength("Ed25519 seed", expected: seedByteCount, got: seed.count)
            }
            var pub = [UInt8](repeating: 0, count: publicKeyByteCount)
            let sk = SecureBytes(zeroed: Int(crypto_sign_SECRETKEYBYTES))
            seed.withUnsafeBytes { s in
                sk.withUnsafeMutableBytes { skp in
                    pub.withUnsafeMutableBufferPointer { pk in
                        _ = crypto_sign_seed_keypair(
                            pk.baseAddress!, skp.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            secretKey = sk
            publicKey = pub
        }

        /// The 64-byte detached signature of `message`.
        public func sign(_ message: some ByteView) -> [UInt8] {
            var sig = [UInt8](repeating: 0, count: signatureByteCount)
            secretKey.withUnsafeBytes { sk in
                message.withUnsafeBytes { m in
                    sig.withUnsafeMutableBufferPointer { s in
                        _ = crypto_sign_detached(
                            s.baseAddress!, nil, m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count),
                            sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            return sig
        }
    }

    /// Checks a detached signature. libsodium rejects non-canonical encodings and
    /// small-order public keys and R values.
    /// - Throws: `CryptoError.invalidSignature` (or a length error) when it does not verify.
    public static func verify(signature: some ByteView, message: some ByteView, publicKey: some ByteView) throws {
        Sodium.ensureInitialized()
        guard publicKey.byteCount == publicKeyByteCount else {
            throw CryptoError.keyLength("Ed25519 public", expected: publicKeyByteCount, got: publicKey.byteCount)
        }
        guard signature.byteCount == signatureByteCount else {
            throw CryptoError(.invalidSignature, "an Ed25519 signature is 64 bytes, got \(signature.byteCount)")
        }
        let rc = signature.withUnsafeBytes { s in
            message.withUnsafeBytes { m in
                publicKey.withUnsafeBytes { pk in
                    crypto_sign_verify_detached(
                        s.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count),
                        pk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        guard rc == 0 else { throw CryptoError(.invalidSignature, "the Ed25519 signature does not verify") }
    }
}
