import CSodium

/// A buffer for secret bytes: page-locked memory from libsodium, zeroed when released,
/// never printed. Its `description`, `debugDescription` and mirror show only the size.
///
/// The public surface is read-only once built; code inside this package may write in place
/// (the Noise state updates its chaining key without copying it out).
public final class SecureBytes: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutableRawPointer
    /// Number of bytes held.
    public let count: Int
    private let origin: SecureMemoryPool.Origin

    /// A zero-filled secret buffer of `count` bytes.
    public init(zeroed count: Int) {
        precondition(count >= 0, "negative size")
        (pointer, origin) = SecureMemoryPool.allocate(count)
        self.count = count
        sodium_memzero(pointer, count)
    }

    /// A buffer of `count` bytes filled by `body`.
    public convenience init(
        count: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        self.init(zeroed: count)
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// A copy of `bytes`. The caller remains responsible for wiping its own copy.
    public convenience init(copying bytes: some ByteView) {
        let count = bytes.withUnsafeBytes { $0.count }
        self.init(zeroed: count)
        bytes.withUnsafeBytes { src in
            if let base = src.baseAddress { pointer.copyMemory(from: base, byteCount: count) }
        }
    }

    /// `count` bytes from the operating system's CSPRNG.
    public static func random(count: Int) -> SecureBytes {
        SecureBytes(count: count) { SecureRandom.fill($0) }
    }

    deinit {
        SecureMemoryPool.deallocate(pointer, count: count, origin: origin)
    }

    /// Read access to the secret for the duration of `body`. Do not let the pointer escape.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Write access for code in this package that must update a secret in place.
    @inlinable
    package func withUnsafeMutableBytes<R>(
        _ body: (UnsafeMutableRawBufferPointer) throws -> R
    ) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// Copies the secret out into an ordinary array. Only for values that stop being secret
    /// (test vectors, public derivations); everything else stays in `SecureBytes`.
    public func unsafeCopyToArray() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// A new buffer holding `range` of this one.
    public func slice(_ range: Range<Int>) -> SecureBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of bounds")
        return SecureBytes(count: range.count) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: pointer + range.lowerBound, count: range.count))
        }
    }
}

extension SecureBytes: Equatable {
    /// Constant-time comparison of contents (lengths are not secret).
    public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
    }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["count": count]) }
}
