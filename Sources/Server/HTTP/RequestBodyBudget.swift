import Synchronization

/// The bytes of request bodies the server holds at once, across every connection: a body is
/// read only into a share of it, so a crowd of clients sending large bodies slowly costs at
/// most this much memory (issue 21). Past it, requests get 503 `SOTTO-SERVER-BUSY`.
public final class RequestBodyBudget: Sendable {
    /// The budget when the operator sets none: eight of the largest bodies (a 32 MiB push).
    public static let defaultBytes = 256 << 20

    /// Bytes that may be held at once.
    public let capacity: Int
    private let used = Mutex(0)

    /// A budget of `bytes`.
    public init(bytes: Int = RequestBodyBudget.defaultBytes) {
        capacity = bytes
    }

    /// Takes `bytes` of the budget, or nothing when they do not fit.
    func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard bytes <= capacity - used else { return false }
            used += bytes
            return true
        }
    }

    /// Gives back bytes taken with `reserve`.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.withLock { $0 -= bytes }
    }

    /// Bytes held now (tests and metrics).
    public var inUse: Int { used.withLock { $0 } }
}
