import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Wire

/// Binds the gateway's routes to a Hummingbird HTTP server.
public enum ServerApplication {
    /// Builds the application.
    /// - Parameters:
    ///   - accounts: the account and record endpoints; without them only attestation and chat are served.
    ///   - localProof: local mode's proof of identity, for a server that `sotto` started.
    ///   - rateLimiter: the per-address request limits of chat, attestation and ceremony begins.
    ///   - limits: the body memory budget, the header and idle timeouts, the connection cap.
    ///   - onListening: called with the bound port once the server accepts connections
    ///     (port 0 in `address` picks a free one).
    public static func make(
        gateway: Gateway, accounts: AccountEndpoints? = nil, localProof: LocalProofEndpoint? = nil,
        address: ListenAddress, logger: Logger, rateLimiter: ClientRateLimiter = ClientRateLimiter(),
        limits: ServerLimits = ServerLimits(), onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let bodies = BodyReader(budget: RequestBodyBudget(bytes: limits.bodyMemoryBudgetBytes))
        let router = Router(context: ClientRequestContext.self)
        router.get("/healthz") { _, _ in response(gateway.health(accounts: accounts != nil)) }
        router.post("/v1/attestation") { request, context in
            if let refused = limited(rateLimiter, .attestation, context) { return refused }
            return await bodies.answer(
                request, cap: Gateway.maxAttestationRequestBytes,
                tooLarge: Gateway.error(
                    413, HTTPErrorCode.attestationBadRequest, "the attestation request is too large")
            ) { await gateway.attestation(body: $0) }
        }
        router.post("/v1/chat") { request, context in
            if let refused = limited(rateLimiter, .chat, context) { return refused }
            // A little over the channel's limit, so an oversized body gets the channel's own error.
            return await bodies.answer(
                request, cap: gateway.maxRequestBytes + 64 * 1024,
                tooLarge: Gateway.error(
                    413, ChannelErrorCode.requestTooLarge,
                    "the request is over \(gateway.maxRequestBytes) bytes: shorten the conversation or its attachments")
            ) { await gateway.chat(body: $0) }
        }
        if let accounts { AccountRoutes.add(accounts, to: router, bodies: bodies, rateLimiter: rateLimiter) }
        if let localProof {
            router.post(RouterPath(LocalServerProof.path)) { request, _ in
                await bodies.answer(
                    request, cap: LocalProofEndpoint.maxRequestBytes,
                    tooLarge: Gateway.error(413, HTTPErrorCode.localBadRequest, "the proof request is too large")
                ) { localProof.answer(body: $0) }
            }
        }
        let connectionCap = limits.connectionCap()
        // Half the connections may wait for a request head; a flood of silent ones evicts itself.
        let waiting = WaitingConnections(limit: connectionCap / 2)
        let headerTimeout = TimeAmount.seconds(Int64(limits.headerTimeoutSeconds))
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(headerTimeout: headerTimeout, waiting: waiting)],
                    idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds)))),
            configuration: .init(
                address: .hostname(address.host, port: address.port), serverName: "sotto",
                availableConnectionsDelegate: MaximumAvailableConnections(connectionCap, logger: logger)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? address.port) },
            logger: logger)
    }

    /// The 429 answer when `context`'s client has no `kind` request left, else nil.
    static func limited(
        _ limiter: ClientRateLimiter, _ kind: RequestRateLimits.Kind, _ context: ClientRequestContext
    ) -> Response? {
        guard let wait = limiter.take(kind, client: context.clientAddress) else { return nil }
        return response(Gateway.rateLimited(kind, retryAfterSeconds: wait))
    }

    static func response(_ reply: Gateway.Reply) -> Response {
        switch reply {
        case .complete(let status, let headers, let body):
            var fields = HTTPFields()
            for (name, value) in headers {
                switch name {
                case "Content-Type": fields[.contentType] = value
                case "Retry-After": fields[.retryAfter] = value
                case "Cache-Control": fields[.cacheControl] = value
                case "Connection": fields[.connection] = value
                default: assertionFailure("header \(name) is not mapped")
                }
            }
            return Response(
                status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        case .stream(let first, let rest):
            var fields = HTTPFields()
            fields[.contentType] = "application/octet-stream"
            fields[.cacheControl] = "no-store"
            return Response(
                status: .ok, headers: fields,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(bytes: first))
                    for try await frames in rest {
                        try await writer.write(ByteBuffer(bytes: frames))
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
