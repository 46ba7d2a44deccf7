import CSodium

/// Comparisons whose running time does not depend on the bytes compared.
public enum ConstantTime {
    /// True when both buffers have the same length and contents. Only the length leaks.
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0 else { return true }
        return sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// True when both byte collections have the same length and contents.
    public static func equals(_ a: some ByteView, _ b: some ByteView) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in equals(pa, pb) } }
    }

    /// True when every byte is zero.
    public static func isZero(_ a: UnsafeRawBufferPointer) -> Bool {
        guard let base = a.baseAddress, a.count > 0 else { return true }
        return sodium_is_zero(base.assumingMemoryBound(to: UInt8.self), a.count) == 1
    }

    /// Overwrites `buffer` with zeros in a way the compiler does not elide.
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        sodium_memzero(base, buffer.count)
    }

    /// Overwrites an array's storage with zeros.
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { wipe($0) }
    }
}
