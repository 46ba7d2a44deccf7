import Foundation

/// What keeps the server answering when clients send too much, too slowly or too often
/// (docs/PROTOCOL.md §2, "Limits"): the memory for request bodies, how long a connection may
/// take to send its request, and how many connections are open at once.
public struct ServerLimits: Sendable {
    /// Bytes of request bodies held at once across all connections.
    public var bodyMemoryBudgetBytes: Int
    /// Seconds a connection may take to send a request head, counted from its opening or from
    /// its previous answer (so also how long an idle keep-alive connection is kept).
    public var headerTimeoutSeconds: Int
    /// Seconds a request may go without sending a byte of its body before its connection is closed.
    public var idleTimeoutSeconds: Int
    /// Most connections open at once; nil: the process's descriptor limit less a reserve.
    public var maximumConnections: Int?

    /// The defaults: a 256 MiB body budget, 10 s for a head, 60 s of silence mid-body.
    public init(
        bodyMemoryBudgetBytes: Int = RequestBodyBudget.defaultBytes, headerTimeoutSeconds: Int = 10,
        idleTimeoutSeconds: Int = 60, maximumConnections: Int? = nil
    ) {
        self.bodyMemoryBudgetBytes = bodyMemoryBudgetBytes
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maximumConnections = maximumConnections
    }

    /// The connection cap: `maximumConnections`, never above the descriptor limit less the
    /// descriptors the server needs for everything else (its store, logs, the model upstream),
    /// so accepting never fails for want of a descriptor.
    public func connectionCap(descriptorLimit: Int = ServerLimits.descriptorLimit()) -> Int {
        let reserve = max(32, min(256, descriptorLimit / 8))
        let ceiling = max(8, descriptorLimit - reserve)
        return min(maximumConnections ?? ceiling, ceiling)
    }

    /// The process's soft limit on open descriptors.
    public static func descriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))
    }

    /// Raises the soft descriptor limit to the hard one (most systems start processes at 1024,
    /// far below what a server may hold), and returns the limit now in force.
    @discardableResult
    public static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return descriptorLimit()
    }
}
