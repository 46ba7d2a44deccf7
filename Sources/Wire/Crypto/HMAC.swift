/// HMAC (RFC 2104) over any `HashFunction`. libsodium 1.0.18 has no HMAC-BLAKE2b and no
/// BLAKE2s at all, so one construction serves the four; Wycheproof checks it for SHA-2 and
/// Noise's vectors for the BLAKE2 pair.
public struct HMAC: ~Copyable {
    private var inner: HashState
    // Key XOR opad, kept in locked memory until the outer hash is computed.
    private let outerPad: SecureBytes
    /// The underlying hash function.
    public let function: HashFunction

    /// Starts an HMAC computation keyed with `key` (any length).
    public init(_ function: HashFunction, key: UnsafeRawBufferPointer) {
        self.function = function
        let block = function.blockByteCount
        let padded = SecureBytes(zeroed: block)
        padded.withUnsafeMutableBytes { k0 in
            if key.count > block {
                var h = HashState(function)
                h.update(key)
                h.finalize(into: UnsafeMutableRawBufferPointer(rebasing: k0[0..<function.outputByteCount]))
            } else if key.count > 0 {
                k0.copyMemory(from: key)
            }
        }
        inner = HashState(function)
        outerPad = SecureBytes(zeroed: block)
        padded.withUnsafeMutableBytes { k0 in
            outerPad.withUnsafeMutableBytes { o in
                for i in 0..<block {
                    o[i] = k0[i] ^ 0x5c
                    k0[i] ^= 0x36
                }
            }
            inner.update(UnsafeRawBufferPointer(k0))
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
    public mutating func update(_ data: UnsafeRawBufferPointer) { inner.update(data) }

    /// Absorbs message bytes.
    public mutating func update(_ data: some ByteView) { inner.update(data) }

    /// Writes the tag (the hash's full output length) into `output`. The state is spent afterwards.
    public mutating func finalize(into output: UnsafeMutableRawBufferPointer) {
        let function = self.function
        precondition(output.count == function.outputByteCount, "HMAC output buffer has the wrong size")
        var outer = HashState(function)
        outerPad.withUnsafeBytes { outer.update($0) }
        // The inner digest goes through `output` itself: no extra copy of it lingers.
        inner.finalize(into: output)
        outer.update(UnsafeRawBufferPointer(output))
        outer.finalize(into: output)
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
