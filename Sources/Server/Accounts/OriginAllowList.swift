import Synchronization
import Wire

/// The origins a ceremony's clientDataJSON may name: where clients reach this server. Given
/// with `--origin`, or, for a development server whose RP ID is `localhost`, the loopback
/// addresses of the port it listens on, known once it is bound (port 0 picks one).
public final class OriginAllowList: Sendable {
    private let origins: Mutex<Set<String>>
    private let followsListener: Bool

    /// Exactly `origins` (serialised `WebOrigin`s).
    public init(_ origins: Set<String>) {
        self.origins = Mutex(origins)
        followsListener = false
    }

    private init(followingListenerOn origins: Set<String>) {
        self.origins = Mutex(origins)
        followsListener = true
    }

    /// Empty until `serverListens(host:port:)`: then `http://localhost:P`, `http://127.0.0.1:P`,
    /// `http://[::1]:P` and the listening host itself when it is a loopback address.
    public static func loopbackListener() -> OriginAllowList { OriginAllowList(followingListenerOn: []) }

    /// Tells the list where the server now listens (a list given with `--origin` ignores it).
    public func serverListens(host: String, port: Int) {
        guard followsListener else { return }
        var hosts: Set<String> = ["localhost", "127.0.0.1", "::1"]
        if LoopbackHost.contains(host) { hosts.insert(host.lowercased()) }
        let listening = Set(hosts.map { WebOrigin(scheme: .http, host: $0, port: port).description })
        origins.withLock { $0.formUnion(listening) }
    }

    /// The origins accepted now.
    public var current: Set<String> { origins.withLock { $0 } }
}
