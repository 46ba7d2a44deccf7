/// HMAC (RFC 2104) over any `HashFunction`. libsodium 1.0.18 has no HMAC-BLAKE2b and no
/// BLAKE2s at all, so one construction serves the four; Wycheproof checks it for SHA-2 and
/// Noise's vectors for the BLAKE2 pair.
public struct HMAC: ~Copyable {
    private var hash: HashState
    // K0 XOR ipad while absorbing, then turned into K0 XOR opad for the outer hash; locked
    // memory either way.
    private let pad: SecureBytes
    /// The underlying hash function.
    public let function: HashFunction

    /// Starts an HMAC computation keyed with `key` (any length).
    public init(_ function: HashFunction, key: UnsafeRawBufferPointer) {
        self.function = function
        let block = function.blockByteCount
        pad = SecureBytes(zeroed: block)
        hash = HashState(function)
        pad.withUnsafeMutableBytes { k0 in
            if key.count > block {
                hash.update(key)
                hash.finalize(into: UnsafeMutableRawBufferPointer(rebasing: k0[0..<function.outputByteCount]))
                hash.reset()
            } else if key.count > 0 {
                k0.copyMemory(from: key)
            }
            for i in 0..<block { k0[i] ^= 0x36 }
            hash.update(UnsafeRawBufferPointer(k0))
        }
    }

    /// Starts an HMAC computation keyed with `key`.
    public init(_ function: HashFunction, key: some ByteView) {
        // A noncopyable value cannot be returned out of a closure: copy the key to locked
        // memory and borrow its storage for the duration of the initialiser.
        let copy = SecureBytes(copying: key)
        self.init(function, key: UnsafeRawBufferPointer(start: copy.pointer, count: copy.count))
        withExtendedLifetime(copy) {}
    }

    /// Absorbs message bytes.
    public mutating func update(_ data: UnsafeRawBufferPointer) { hash.update(data) }

    /// Absorbs message bytes.
    public mutating func update(_ data: some ByteView) { hash.update(data) }

    /// Writes the tag (the hash's full output length) into `output`. The state is spent afterwards.
    public mutating func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == function.outputByteCount, "HMAC output buffer has the wrong size")
        // The inner digest goes through `output` itself: no extra copy of it lingers.
        hash.finalize(into: output)
        hash.reset()
        let block = function.blockByteCount
        pad.withUnsafeMutableBytes { p in
            for i in 0..<block { p[i] ^= 0x36 ^ 0x5c }
            hash.update(UnsafeRawBufferPointer(p))
        }
        hash.update(UnsafeRawBufferPointer(output))
        hash.finalize(into: output)
    }

    /// The tag as an array (for public use such as tests; keys derived from HMAC go
    /// through `HKDF` into `SecureBytes`).
    public mutating func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: function.outputByteCount)
        out.withUnsafeMutableBytes { finalize(into: $0) }
        return out
    }

    /// One-shot HMAC of `message` under `key`.
    public static func authenticate(
        _ function: HashFunction, key: some ByteView, message: some ByteView
    )
        -> [UInt8]
    {
        var mac = HMAC(function, key: key)
        mac.update(message)
        return mac.finalize()
    }

    /// Checks `tag` (full length or a truncation of at least 10 bytes) in constant time.
    public static func verify(
        _ function: HashFunction, key: some ByteView, message: some ByteView, tag: some ByteView
    ) -> Bool {
        let expected = authenticate(function, key: key, message: message)
        return tag.withUnsafeBytes { t in
            guard t.count >= 10, t.count <= expected.count else { return false }
            return expected.withUnsafeBytes { e in
                ConstantTime.equals(UnsafeRawBufferPointer(rebasing: e[0..<t.count]), t)
            }
        }
    }
}
