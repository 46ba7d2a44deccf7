/// Noise's CipherState (§5.1): a key and a 64-bit nonce counter.
///
/// A class on purpose: copying a state would copy its nonce and invite reuse.
public final class CipherState {
    public static let keyByteCount = 32
    public static let tagByteCount = 16
    /// Nonce 2^64-1 is reserved (§5.1): using it is an error, so is wrapping past it.
    static let maxNonce = UInt64.max

    /// The cipher in use.
    public let cipher: NoiseCipher
    private let key = SecureBytes(zeroed: keyByteCount)
    /// Whether a key has been set (before that, encryption is the identity).
    public private(set) var hasKey = false
    /// The next nonce.
    public private(set) var nonce: UInt64 = 0

    init(cipher: NoiseCipher) {
        self.cipher = cipher
    }

    /// A state holding `key` (32 bytes) with nonce 0.
    public convenience init(cipher: NoiseCipher, key: UnsafeRawBufferPointer) {
        self.init(cipher: cipher)
        initializeKey(key)
    }

    /// InitializeKey(k): sets the key and resets the nonce.
    func initializeKey(_ k: UnsafeRawBufferPointer) {
        precondition(k.count == Self.keyByteCount, "Noise cipher keys are 32 bytes")
        key.withUnsafeMutableBytes { $0.copyMemory(from: k) }
        hasKey = true
        nonce = 0
    }

    /// SetNonce(n), for transports that deliver out of order with explicit nonces.
    public func setNonce(_ n: UInt64) { nonce = n }

    @inline(__always)
    private func withNonce<R>(_ n: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // 32 zero bits then the counter: little-endian for ChaChaPoly, big-endian for AESGCM.
        // Three 32-bit words keep the layout free of padding.
        let high = UInt32(truncatingIfNeeded: n >> 32)
        let low = UInt32(truncatingIfNeeded: n)
        var bytes: (UInt32, UInt32, UInt32) =
            cipher == .chaChaPoly ? (0, low.littleEndian, high.littleEndian) : (0, high.bigEndian, low.bigEndian)
        return try withUnsafeBytes(of: &bytes) { try body($0) }
    }

    /// Bytes `encrypt` writes for `plaintextCount` bytes of input.
    public func ciphertextCount(forPlaintext plaintextCount: Int) -> Int {
        hasKey ? plaintextCount + Self.tagByteCount : plaintextCount
    }

    /// EncryptWithAd: writes the ciphertext (plaintext + 16 with a key, else the plaintext)
    /// into `output` and returns its length. `output` may alias `plaintext`.
    /// - Throws: `NoiseError.nonceExhausted` when the nonce space is used up.
    @discardableResult
    public func encrypt(
        ad: UnsafeRawBufferPointer, plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    )
        throws -> Int
    {
        guard hasKey else {
            if plaintext.count > 0, output.baseAddress != UnsafeMutableRawPointer(mutating: plaintext.baseAddress) {
                output.copyMemory(from: plaintext)
            }
            return plaintext.count
        }
        guard nonce != Self.maxNonce else {
            throw NoiseError(.nonceExhausted, "this session has used all its nonces; start a new handshake")
        }
        let n = plaintext.count + Self.tagByteCount
        guard n <= noiseMaxMessageLength else {
            throw NoiseError(
                .messageTooLong,
                "a Noise message carries at most \(noiseMaxMessageLength - Self.tagByteCount) bytes of payload")
        }
        let out = UnsafeMutableRawBufferPointer(rebasing: output[0..<n])
        try key.withUnsafeBytes { k in
            try withNonce(nonce) { try cipher.aead.seal(key: k, nonce: $0, plaintext: plaintext, ad: ad, into: out) }
        }
        nonce += 1
        return n
    }

    /// DecryptWithAd: authenticates and decrypts `ciphertext` into `output`, returning the
    /// plaintext length. The nonce advances only on success.
    /// - Throws: `NoiseError.decryptFailed` when authentication fails; `.nonceExhausted`.
    @discardableResult
    public func decrypt(
        ad: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    )
        throws -> Int
    {
        guard hasKey else {
            if ciphertext.count > 0, output.baseAddress != UnsafeMutableRawPointer(mutating: ciphertext.baseAddress) {
                output.copyMemory(from: ciphertext)
            }
            return ciphertext.count
        }
        guard nonce != Self.maxNonce else {
            throw NoiseError(.nonceExhausted, "this session has used all its nonces; start a new handshake")
        }
        guard ciphertext.count >= Self.tagByteCount else {
            throw NoiseError(.messageTooShort, "a Noise ciphertext is at least 16 bytes, got \(ciphertext.count)")
        }
        guard ciphertext.count <= noiseMaxMessageLength else {
            throw NoiseError(
                .messageTooLong, "a Noise message is at most \(noiseMaxMessageLength) bytes, got \(ciphertext.count)")
        }
        let n = ciphertext.count - Self.tagByteCount
        let out = UnsafeMutableRawBufferPointer(rebasing: output[0..<n])
        do {
            try key.withUnsafeBytes { k in
                try withNonce(nonce) {
                    try cipher.aead.open(key: k, nonce: $0, ciphertext: ciphertext, ad: ad, into: out)
                }
            }
        } catch {
            throw NoiseError(
                .decryptFailed,
                "a Noise message failed authentication: altered, reordered, replayed or not for this session")
        }
        nonce += 1
        return n
    }

    /// Encrypts a transport message into a new array.
    /// - Throws: `NoiseError.messageTooLong` past 65535 bytes on the wire; `.nonceExhausted`.
    public func encrypt(_ plaintext: some ByteView, ad: some ByteView = [UInt8]()) throws -> [UInt8] {
        let count = ciphertextCount(forPlaintext: plaintext.byteCount)
        guard count <= noiseMaxMessageLength else {
            throw NoiseError(
                .messageTooLong,
                "a Noise message carries at most \(noiseMaxMessageLength - Self.tagByteCount) bytes of payload")
        }
        var out = [UInt8](repeating: 0, count: count)
        try plaintext.withUnsafeBytes { p in
            try ad.withUnsafeBytes { a in
                try out.withUnsafeMutableBytes { _ = try encrypt(ad: a, plaintext: p, into: $0) }
            }
        }
        return out
    }

    /// Decrypts a transport message into a new array.
    /// - Throws: `NoiseError.messageTooLong`, `.messageTooShort`, `.decryptFailed`, `.nonceExhausted`.
    public func decrypt(_ ciphertext: some ByteView, ad: some ByteView = [UInt8]()) throws -> [UInt8] {
        let count = ciphertext.byteCount
        guard count <= noiseMaxMessageLength else {
            throw NoiseError(.messageTooLong, "a Noise message is at most \(noiseMaxMessageLength) bytes, got \(count)")
        }
        guard !hasKey || count >= Self.tagByteCount else {
            throw NoiseError(.messageTooShort, "a Noise ciphertext is at least 16 bytes, got \(count)")
        }
        var out = [UInt8](repeating: 0, count: hasKey ? count - Self.tagByteCount : count)
        try ciphertext.withUnsafeBytes { c in
            try ad.withUnsafeBytes { a in
                try out.withUnsafeMutableBytes { _ = try decrypt(ad: a, ciphertext: c, into: $0) }
            }
        }
        return out
    }

    /// Rekey() (§4.2): the key becomes the first 32 bytes of ENCRYPT(k, maxnonce, "", zeros).
    /// The nonce counter is unchanged.
    public func rekey() throws {
        guard hasKey else { throw NoiseError(.missingKey, "rekey needs a cipher state with a key") }
        var block = [UInt8](repeating: 0, count: Self.keyByteCount + Self.tagByteCount)
        defer { ConstantTime.wipe(&block) }
        try key.withUnsafeBytes { k in
            try withNonce(Self.maxNonce) { n in
                try block.withUnsafeMutableBytes { b in
                    let zeros = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[0..<Self.keyByteCount])
                    try cipher.aead.seal(
                        key: k, nonce: n, plaintext: zeros, ad: UnsafeRawBufferPointer(start: nil, count: 0), into: b)
                }
            }
        }
        block.withUnsafeBytes { b in
            key.withUnsafeMutableBytes {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[0..<Self.keyByteCount]))
            }
        }
    }
}
