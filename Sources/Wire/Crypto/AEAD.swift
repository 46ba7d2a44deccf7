import CSodium

/// The authenticated ciphers Sotto uses, all with 32-byte keys and 16-byte tags.
/// - `chaCha20Poly1305`: RFC 8439 (libsodium's IETF variant, 12-byte nonce), Noise's ChaChaPoly.
/// - `xChaCha20Poly1305`: 24-byte random nonces, for records at rest.
/// - `aes256GCM`: only where the CPU has AES-NI and CLMUL (`isAvailable`), Noise's AESGCM.
public enum AEAD: String, Sendable, CaseIterable {
    case chaCha20Poly1305 = "ChaCha20-Poly1305"
    case xChaCha20Poly1305 = "XChaCha20-Poly1305"
    case aes256GCM = "AES-256-GCM"

    public static let keyByteCount = 32
    public static let tagByteCount = 16

    /// Nonce length in bytes.
    public var nonceByteCount: Int {
        switch self {
        case .chaCha20Poly1305, .aes256GCM: 12
        case .xChaCha20Poly1305: 24
        }
    }

    /// Whether this machine can run the cipher (AES-GCM needs hardware support in libsodium).
    public var isAvailable: Bool {
        Sodium.ensureInitialized()
        return self != .aes256GCM || crypto_aead_aes256gcm_is_available() == 1
    }

    private func check(key: Int, nonce: Int) throws {
        guard isAvailable else {
            throw CryptoError(.unsupported, "\(rawValue) needs AES-NI and CLMUL, which this CPU lacks")
        }
        guard key == Self.keyByteCount else {
            throw CryptoError.keyLength(rawValue, expected: Self.keyByteCount, got: key)
        }
        guard nonce == nonceByteCount else {
            throw CryptoError.nonceLength(rawValue, expected: nonceByteCount, got: nonce)
        }
    }

    /// Encrypts `plaintext` into `output` (ciphertext ‖ tag, `plaintext.count + 16` bytes).
    /// `output` may start at the same address as `plaintext` (in-place encryption).
    public func seal(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, plaintext: UnsafeRawBufferPointer,
        ad: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws {
        try check(key: key.count, nonce: nonce.count)
        guard output.count == plaintext.count + Self.tagByteCount else {
            throw CryptoError(.invalidLength, "\(rawValue) output must be the plaintext length plus 16")
        }
        let c = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let m = plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let a = ad.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let n = nonce.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let k = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let mlen = UInt64(plaintext.count)
        let alen = UInt64(ad.count)
        switch self {
        case .chaCha20Poly1305:
            _ = crypto_aead_chacha20poly1305_ietf_encrypt(c, nil, m, mlen, a, alen, nil, n, k)
        case .xChaCha20Poly1305:
            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(c, nil, m, mlen, a, alen, nil, n, k)
        case .aes256GCM:
            _ = crypto_aead_aes256gcm_encrypt(c, nil, m, mlen, a, alen, nil, n, k)
        }
    }

    /// Decrypts and authenticates `ciphertext` (‖ tag) into `output` (16 bytes shorter).
    /// On failure `output` is zeroed.
    /// - Throws: `CryptoError.authenticationFailed` when the tag does not verify.
    public func open(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer,
        ad: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws {
        try check(key: key.count, nonce: nonce.count)
        guard ciphertext.count >= Self.tagByteCount else {
            throw CryptoError(.authenticationFailed, "\(rawValue) ciphertext is shorter than its tag")
        }
        guard output.count == ciphertext.count - Self.tagByteCount else {
            throw CryptoError(.invalidLength, "\(rawValue) output must be the ciphertext length minus 16")
        }
        let m = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let c = ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let a = ad.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let n = nonce.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let k = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let clen = UInt64(ciphertext.count)
        let alen = UInt64(ad.count)
        // libsodium needs a non-null output pointer even for an empty plaintext.
        var scratch: UInt8 = 0
        let rc = withUnsafeMutablePointer(to: &scratch) { s in
            let out = m ?? s
            switch self {
            case .chaCha20Poly1305:
                return crypto_aead_chacha20poly1305_ietf_decrypt(out, nil, nil, c, clen, a, alen, n, k)
            case .xChaCha20Poly1305:
                return crypto_aead_xchacha20poly1305_ietf_decrypt(out, nil, nil, c, clen, a, alen, n, k)
            case .aes256GCM:
                return crypto_aead_aes256gcm_decrypt(out, nil, nil, c, clen, a, alen, n, k)
            }
        }
        guard rc == 0 else {
            ConstantTime.wipe(output)
            throw CryptoError.authentication(rawValue)
        }
    }

    /// Encrypts into a new array (ciphertext ‖ tag).
    public func seal(
        key: some ByteView, nonce: some ByteView, plaintext: some ByteView, ad: some ByteView = [UInt8]()
    )
        throws -> [UInt8]
    {
        var out = [UInt8](repeating: 0, count: plaintext.byteCount + Self.tagByteCount)
        try key.withUnsafeBytes { k in
            try nonce.withUnsafeBytes { n in
                try plaintext.withUnsafeBytes { p in
                    try ad.withUnsafeBytes { a in
                        try out.withUnsafeMutableBytes { try seal(key: k, nonce: n, plaintext: p, ad: a, into: $0) }
                    }
                }
            }
        }
        return out
    }

    /// Decrypts into a new array. Use `openSecret` when the plaintext is key material.
    public func open(
        key: some ByteView, nonce: some ByteView, ciphertext: some ByteView, ad: some ByteView = [UInt8]()
    )
        throws -> [UInt8]
    {
        let count = ciphertext.byteCount - Self.tagByteCount
        guard count >= 0 else {
            throw CryptoError(.authenticationFailed, "\(rawValue) ciphertext is shorter than its tag")
        }
        var out = [UInt8](repeating: 0, count: count)
        try key.withUnsafeBytes { k in
            try nonce.withUnsafeBytes { n in
                try ciphertext.withUnsafeBytes { c in
                    try ad.withUnsafeBytes { a in
                        try out.withUnsafeMutableBytes { try open(key: k, nonce: n, ciphertext: c, ad: a, into: $0) }
                    }
                }
            }
        }
        return out
    }

    /// Decrypts into `SecureBytes` (for wrapped keys).
    public func openSecret(
        key: some ByteView, nonce: some ByteView, ciphertext: some ByteView, ad: some ByteView = [UInt8]()
    )
        throws -> SecureBytes
    {
        let count = ciphertext.byteCount - Self.tagByteCount
        guard count >= 0 else {
            throw CryptoError(.authenticationFailed, "\(rawValue) ciphertext is shorter than its tag")
        }
        let out = SecureBytes(zeroed: count)
        try key.withUnsafeBytes { k in
            try nonce.withUnsafeBytes { n in
                try ciphertext.withUnsafeBytes { c in
                    try ad.withUnsafeBytes { a in
                        try out.withUnsafeMutableBytes { try open(key: k, nonce: n, ciphertext: c, ad: a, into: $0) }
                    }
                }
            }
        }
        return out
    }
}
