/// Anything that can lend its bytes as a contiguous buffer: arrays, slices, `SecureBytes`.
/// Lets crypto APIs take secret and public inputs alike without copying.
public protocol ByteView {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ByteView where Element == UInt8 {}
extension ArraySlice: ByteView where Element == UInt8 {}
extension ContiguousArray: ByteView where Element == UInt8 {}
extension SecureBytes: ByteView {}
extension UnsafeRawBufferPointer: ByteView {
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}

extension ByteView {
    /// Number of bytes in the view.
    public var byteCount: Int { withUnsafeBytes { $0.count } }
}
