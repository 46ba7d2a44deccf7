import CSodium

/// The hash functions Sotto uses: SHA-256, SHA-512 and BLAKE2b from libsodium, BLAKE2s
/// in Swift. The raw values are Noise's names for them.
public enum HashFunction: String, Sendable, CaseIterable {
    case sha256 = "SHA256"
    case sha512 = "SHA512"
    case blake2b = "BLAKE2b"
    case blake2s = "BLAKE2s"

    /// Digest length in bytes (Noise's HASHLEN).
    public var outputByteCount: Int {
        switch self {
        case .sha256, .blake2s: 32
        case .sha512, .blake2b: 64
        }
    }

    /// Internal block length in bytes (Noise's BLOCKLEN, the HMAC pad length).
    public var blockByteCount: Int {
        switch self {
        case .sha256, .blake2s: 64
        case .sha512, .blake2b: 128
        }
    }

    /// Digest of the concatenation of `parts`.
    public func hash(_ parts: any ByteView...) -> [UInt8] {
        var state = HashState(self)
        for part in parts { part.withUnsafeBytes { state.update($0) } }
        var out = [UInt8](repeating: 0, count: outputByteCount)
        out.withUnsafeMutableBytes { state.finalize(into: $0) }
        return out
    }
}

/// An incremental hash computation. Its internal state is wiped when it ends.
public struct HashState: ~Copyable {
    private enum Storage {
        case sodium(UnsafeMutableRawPointer)
        case blake2s(BLAKE2s)
    }

    /// The function being computed.
    public let function: HashFunction
    private var storage: Storage

    /// Starts hashing with `function`.
    public init(_ function: HashFunction) {
        Sodium.ensureInitialized()
        self.function = function
        switch function {
        case .sha256:
            let p = UnsafeMutableRawPointer.allocate(
                byteCount: crypto_hash_sha256_statebytes(), alignment: 64)
            crypto_hash_sha256_init(p.assumingMemoryBound(to: crypto_hash_sha256_state.self))
            storage = .sodium(p)
        case .sha512:
            let p = UnsafeMutableRawPointer.allocate(
                byteCount: crypto_hash_sha512_statebytes(), alignment: 64)
            crypto_hash_sha512_init(p.assumingMemoryBound(to: crypto_hash_sha512_state.self))
            storage = .sodium(p)
        case .blake2b:
            // libsodium declares this state 64-byte aligned.
            let p = UnsafeMutableRawPointer.allocate(
                byteCount: crypto_generichash_statebytes(), alignment: 64)
            crypto_generichash_init(
                OpaquePointer(p), nil, 0, 64)
            storage = .sodium(p)
        case .blake2s:
            storage = .blake2s(BLAKE2s())
        }
    }

    /// Starts over, as if newly created, reusing the state's memory.
    public mutating func reset() {
        switch storage {
        case .sodium(let p):
            switch function {
            case .sha256:
                crypto_hash_sha256_init(p.assumingMemoryBound(to: crypto_hash_sha256_state.self))
            case .sha512:
                crypto_hash_sha512_init(p.assumingMemoryBound(to: crypto_hash_sha512_state.self))
            default:
                crypto_generichash_init(OpaquePointer(p), nil, 0, 64)
            }
        case .blake2s:
            storage = .blake2s(BLAKE2s())
        }
    }

    /// Absorbs `data`.
    public mutating func update(_ data: UnsafeRawBufferPointer) {
        guard data.count > 0 else { return }
        let bytes = data.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch storage {
        case .sodium(let p):
            switch function {
            case .sha256:
                crypto_hash_sha256_update(
                    p.assumingMemoryBound(to: crypto_hash_sha256_state.self), bytes, UInt64(data.count))
            case .sha512:
                crypto_hash_sha512_update(
                    p.assumingMemoryBound(to: crypto_hash_sha512_state.self), bytes, UInt64(data.count))
            default:
                crypto_generichash_update(
                    OpaquePointer(p), bytes, UInt64(data.count))
            }
        case .blake2s(let s):
            s.update(data)
        }
    }

    /// Absorbs `data`.
    public mutating func update(_ data: some ByteView) {
        data.withUnsafeBytes { update($0) }
    }

    /// Writes the digest (exactly `function.outputByteCount` bytes) into `output`.
    /// The state is spent afterwards: update it no more.
    public mutating func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == function.outputByteCount, "digest buffer has the wrong size")
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch storage {
        case .sodium(let p):
            switch function {
            case .sha256:
                crypto_hash_sha256_final(p.assumingMemoryBound(to: crypto_hash_sha256_state.self), out)
            case .sha512:
                crypto_hash_sha512_final(p.assumingMemoryBound(to: crypto_hash_sha512_state.self), out)
            default:
                crypto_generichash_final(
                    OpaquePointer(p), out, 64)
            }
        case .blake2s(let s):
            s.finalize(into: output)
        }
    }

    /// The digest as an array.
    public mutating func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: function.outputByteCount)
        out.withUnsafeMutableBytes { finalize(into: $0) }
        return out
    }

    deinit {
        if case .sodium(let p) = storage {
            let size =
                switch function {
                case .sha256: crypto_hash_sha256_statebytes()
                case .sha512: crypto_hash_sha512_statebytes()
                default: crypto_generichash_statebytes()
                }
            sodium_memzero(p, size)
            p.deallocate()
        }
    }
}

/// BLAKE2b with a key and any output length, as libsodium's `crypto_generichash`.
public enum BLAKE2b {
    /// Key length range libsodium accepts (0 means unkeyed).
    public static let keyByteRange = 0...64
    /// Output length range.
    public static let outputByteRange = 16...64

    /// Keyed or plain BLAKE2b of `data`.
    /// - Throws: `CryptoError` when the key or output length is out of range.
    public static func hash(
        _ data: some ByteView, key: (any ByteView)? = nil, outputByteCount: Int = 64
    )
        throws -> [UInt8]
    {
        Sodium.ensureInitialized()
        guard outputByteRange.contains(outputByteCount) else {
            throw CryptoError(.invalidLength, "BLAKE2b output must be 16 to 64 bytes, got \(outputByteCount)")
        }
        let keyCount = key?.byteCount ?? 0
        guard keyByteRange.contains(keyCount) else {
            throw CryptoError.keyLength("BLAKE2b", expected: 64, got: keyCount)
        }
        var out = [UInt8](repeating: 0, count: outputByteCount)
        let emptyKey: [UInt8] = []
        (key ?? emptyKey).withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                out.withUnsafeMutableBytes { o in
                    _ = crypto_generichash(
                        o.baseAddress!.assumingMemoryBound(to: UInt8.self), o.count,
                        d.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(d.count),
                        k.baseAddress?.assumingMemoryBound(to: UInt8.self), k.count)
                }
            }
        }
        return out
    }
}
