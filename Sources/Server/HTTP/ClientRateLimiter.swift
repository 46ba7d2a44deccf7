import Foundation
import Synchronization

/// How many requests one client address may make: a token bucket per address and kind of
/// request. A bucket holds up to `burst` requests and refills at `perMinute`, so a client may
/// burst, then keeps a steady rate. The defaults are far above what one person's `sotto` does
/// (local mode, a test suite of one user) and far below what a flood needs.
public struct RequestRateLimits: Sendable, Hashable {
    /// One kind's bucket.
    public struct Bucket: Sendable, Hashable {
        /// Requests a client may make at once.
        public var burst: Int
        /// Requests a client regains per minute.
        public var perMinute: Double

        public init(burst: Int, perMinute: Double) {
            self.burst = burst
            self.perMinute = perMinute
        }
    }

    /// The requests that are limited.
    public enum Kind: String, Sendable, CaseIterable {
        /// `POST /v1/chat`: each one is a model turn.
        case chat
        /// `POST /v1/attestation`: each one asks the TEE for a signed report.
        case attestation
        /// The ceremonies' `begin` routes: each one stores a challenge.
        case ceremony
    }

    public var chat = Bucket(burst: 60, perMinute: 60)
    public var attestation = Bucket(burst: 60, perMinute: 60)
    public var ceremony = Bucket(burst: 30, perMinute: 30)

    public init() {}

    /// No practical limit: for benchmarks that measure the server, not the limiter.
    public static let unlimited: RequestRateLimits = {
        var limits = RequestRateLimits()
        for kind in Kind.allCases { limits[kind] = Bucket(burst: 1 << 40, perMinute: 1e15) }
        return limits
    }()

    /// The bucket for `kind`.
    public subscript(kind: Kind) -> Bucket {
        get {
            switch kind {
            case .chat: chat
            case .attestation: attestation
            case .ceremony: ceremony
            }
        }
        set {
            switch kind {
            case .chat: chat = newValue
            case .attestation: attestation = newValue
            case .ceremony: ceremony = newValue
            }
        }
    }
}

/// Token buckets per client address (docs/PROTOCOL.md §2, "Request rate limits"). In memory: a restart refills
/// every bucket, and each server process keeps its own.
public final class ClientRateLimiter: Sendable {
    /// Addresses tracked per kind at most; past it, full buckets are dropped first, then the
    /// fullest, so a flood of addresses cannot grow memory without bound.
    static let maximumClients = 100_000

    private struct Tokens {
        var available: Double
        var updated: Date
    }

    public let limits: RequestRateLimits
    private let now: @Sendable () -> Date
    private let buckets = Mutex<[RequestRateLimits.Kind: [String: Tokens]]>([:])

    /// A limiter with `limits`, reading time from `now` (a settable clock in tests).
    public init(limits: RequestRateLimits = RequestRateLimits(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.limits = limits
        self.now = now
    }

    /// Takes one request of `kind` from `client`'s bucket. Nil when allowed; otherwise the
    /// whole seconds until one is available again (for `Retry-After`). A request with no
    /// known address shares one bucket, so it cannot escape the limit.
    public func take(_ kind: RequestRateLimits.Kind, client: String?) -> Int? {
        let bucket = limits[kind]
        let rate = bucket.perMinute / 60
        let capacity = Double(max(bucket.burst, 1))
        let time = now()
        let key = client ?? ""
        return buckets.withLock { all in
            var clients = all[kind] ?? [:]
            defer { all[kind] = clients }
            var tokens = clients[key] ?? Tokens(available: capacity, updated: time)
            let elapsed = max(0, time.timeIntervalSince(tokens.updated))
            tokens.available = min(capacity, tokens.available + elapsed * rate)
            tokens.updated = time
            guard tokens.available >= 1 else {
                clients[key] = tokens
                guard rate > 0 else { return 3600 }
                return max(1, Int(((1 - tokens.available) / rate).rounded(.up)))
            }
            tokens.available -= 1
            clients[key] = tokens
            if clients.count > Self.maximumClients { Self.shrink(&clients, capacity: capacity, rate: rate, at: time) }
            return nil
        }
    }

    private static func shrink(_ clients: inout [String: Tokens], capacity: Double, rate: Double, at time: Date) {
        let level = { (tokens: Tokens) in
            min(capacity, tokens.available + max(0, time.timeIntervalSince(tokens.updated)) * rate)
        }
        clients = clients.filter { level($0.value) < capacity }
        while clients.count > maximumClients, let fullest = clients.max(by: { level($0.value) < level($1.value) }) {
            clients[fullest.key] = nil
        }
    }
}
