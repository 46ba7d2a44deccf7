import Core
import Synchronization

/// A wall clock tests set by hand, including backwards.
public final class ManualWallClock: WallClock {
    private let now: Mutex<UInt64>

    public init(_ start: UInt64 = 1_800_000_000_000) { now = Mutex(start) }

    public func millisecondsSince1970() -> UInt64 { now.withLock { $0 } }

    /// Moves the clock to `milliseconds`.
    public func set(_ milliseconds: UInt64) { now.withLock { $0 = milliseconds } }
}
