import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's basic one plus the peer's address, which
/// the account endpoints count failed ceremonies against. Behind a reverse proxy this is the
/// proxy's address.
public struct ClientRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request state.
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer.
    public let remoteAddress: SocketAddress?

    /// The context of a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text, for rate limits.
    var clientAddress: String? { remoteAddress?.ipAddress }
}
