import Foundation

/// The physical clock, behind a protocol so tests can move time (even backwards).
public protocol WallClock: Sendable {
    /// Milliseconds since 1970-01-01 UTC.
    func millisecondsSince1970() -> UInt64
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func millisecondsSince1970() -> UInt64 {
        UInt64(max(0, (Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
