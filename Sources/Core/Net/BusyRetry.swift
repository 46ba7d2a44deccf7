/// How a chat turn the server refuses as busy (503 `SOTTO-BACKEND-BUSY`, before anything
/// streams) is tried again: a few times, each after the server's `Retry-After` (or a doubling
/// back-off when it gives none), each wait capped, so a queue that clears in seconds costs the
/// user nothing and one that does not ends the command within a bound. Nothing of the turn
/// had been answered, so sending it again changes nothing on the server.
public struct BusyRetry: Sendable {
    /// Tries after the first.
    public var retries: Int
    /// The longest single wait, in seconds, whatever `Retry-After` asks.
    public var longestWait: Int
    /// Told of each wait before it starts (the command line says so on standard error).
    public var notice: (@Sendable (_ message: String) -> Void)?

    public init(retries: Int = 3, longestWait: Int = 30, notice: (@Sendable (_ message: String) -> Void)? = nil) {
        self.retries = retries
        self.longestWait = longestWait
        self.notice = notice
    }

    /// Seconds to wait before try `retry` (1-based), given the server's `Retry-After`.
    func wait(before retry: Int, retryAfter: Int?) -> Int {
        let backoff = 1 << min(retry, 5)
        return max(1, min(retryAfter ?? backoff, longestWait))
    }
}
