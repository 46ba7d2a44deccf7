/// When to try again after a failed sync: exponential from `base`, capped, with jitter so
/// devices that failed together do not retry together.
public struct Backoff: Sendable, Hashable {
    public var base: Double
    public var maximum: Double
    /// Consecutive failures so far.
    public private(set) var failures = 0

    public init(base: Double = 1, maximum: Double = 300) {
        self.base = base
        self.maximum = maximum
    }

    /// Records a failure and returns the delay in seconds before the next attempt, drawn
    /// uniformly from [d/2, d] where d = min(maximum, base · 2^(failures − 1)).
    public mutating func failed(random: Double = Double.random(in: 0...1)) -> Double {
        failures += 1
        let ceiling = min(maximum, base * Double(1 << min(failures - 1, 30)))
        return ceiling / 2 + ceiling / 2 * min(max(random, 0), 1)
    }

    /// Records a success: the next failure starts from `base` again.
    public mutating func succeeded() { failures = 0 }
}
