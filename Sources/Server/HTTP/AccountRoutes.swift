import Hummingbird
import NIOCore

/// Binds the account and record endpoints to the router: body caps, the `Authorization`
/// header, the peer's address, path and query values. No protocol logic here.
///
/// A route that needs a session checks it from the headers before reading any body: an
/// anonymous caller gets 401 and a closed connection, never a share of the server's memory.
enum AccountRoutes {
    static func add(
        _ endpoints: AccountEndpoints, to router: Router<ClientRequestContext>, bodies: BodyReader,
        rateLimiter: ClientRateLimiter
    ) {
        let cap = AccountEndpoints.maximumAccountBodyBytes
        let routes = Routes(router: router, bodies: bodies, limiter: rateLimiter)
        let accounts = endpoints.accounts
        let signedIn: @Sendable (String?) async throws -> AuthenticatedSession = {
            try await accounts.authenticate(authorization: $0)
        }
        // Each begin stores a challenge: limited per address before anything is read.
        routes.post("/v1/accounts/register/begin", cap, limited: true) { body, client in
            await endpoints.registerBegin(body: body, client: client)
        }
        routes.post("/v1/accounts/register/finish", cap) { body, client in
            await endpoints.registerFinish(body: body, client: client)
        }
        routes.post("/v1/accounts/login/begin", cap, limited: true) { body, client in
            await endpoints.loginBegin(body: body, client: client)
        }
        routes.post("/v1/accounts/login/finish", cap) { body, client in
            await endpoints.loginFinish(body: body, client: client)
        }
        routes.post("/v1/accounts/recover/begin", cap, limited: true) { body, client in
            await endpoints.recoverBegin(body: body, client: client)
        }
        routes.post("/v1/accounts/recover/finish", cap) { body, client in
            await endpoints.recoverFinish(body: body, client: client)
        }
        router.get("/v1/account") { request, _ in
            ServerApplication.response(await endpoints.summary(authorization: authorization(request)))
        }
        routes.post("/v1/account/logout", cap, session: signedIn) { _, session, _ in
            await endpoints.logout(session: session)
        }
        routes.post("/v1/account/logout/everywhere", cap, session: signedIn) { _, session, _ in
            await endpoints.logoutEverywhere(session: session)
        }
        routes.post("/v1/account/passkeys/begin", cap, session: signedIn, limited: true) {
            body, session, client in
            await endpoints.addPasskeyBegin(body: body, session: session, client: client)
        }
        routes.post("/v1/account/passkeys/finish", cap, session: signedIn) { body, session, client in
            await endpoints.addPasskeyFinish(body: body, session: session, client: client)
        }
        // Each confirmation stores a challenge too.
        routes.post("/v1/account/confirm/begin", cap, session: signedIn, limited: true) { body, session, client in
            await endpoints.confirmBegin(body: body, session: session, client: client)
        }
        // The body is the removal's confirmation.
        router.delete("/v1/account/passkeys/:credential") { request, context in
            let id = context.parameters.get("credential") ?? ""
            return await withSession(request, signedIn) { session in
                await bodies.answer(request, cap: cap, tooLarge: tooLarge(cap, .account)) { body in
                    await endpoints.removePasskey(
                        credentialID: id, body: body, session: session, client: context.clientAddress)
                }
            }
        }
        router.put("/v1/account/recovery") { request, context in
            await withSession(request, signedIn) { session in
                await bodies.answer(request, cap: cap, tooLarge: tooLarge(cap, .account)) { body in
                    await endpoints.rotateRecovery(body: body, session: session, client: context.clientAddress)
                }
            }
        }
        routes.post("/v1/account/keys/rotation/begin", cap, session: signedIn) { body, session, client in
            await endpoints.beginKeyRotation(body: body, session: session, client: client)
        }
        routes.post("/v1/account/keys/rotation/finish", cap, session: signedIn) { body, session, client in
            await endpoints.finishKeyRotation(body: body, session: session, client: client)
        }
        guard let records = endpoints.records else { return }
        routes.post(
            "/v1/records/push", records.maximumPushBodyBytes, code: .sync,
            session: { try await records.authenticate(authorization: $0) }
        ) { body, session, _ in
            await endpoints.push(body: body, session: session)
        }
        router.get("/v1/records") { request, _ in
            let query = request.uri.queryParameters
            return ServerApplication.response(
                await endpoints.pull(
                    after: query["after"].map(String.init), limit: query["limit"].map(String.init),
                    authorization: authorization(request)))
        }
    }

    /// How a route reads: the router, the body reader and the per-address limiter.
    private struct Routes {
        let router: Router<ClientRequestContext>
        let bodies: BodyReader
        let limiter: ClientRateLimiter

        /// A POST route without a session: the body (up to `cap` bytes) and the peer's address.
        func post(
            _ path: RouterPath, _ cap: Int, limited: Bool = false,
            _ handler: @escaping @Sendable ([UInt8], String?) async -> Gateway.Reply
        ) {
            router.post(path) { [bodies, limiter] request, context in
                if limited, let refused = ServerApplication.limited(limiter, .ceremony, context) { return refused }
                return await bodies.answer(request, cap: cap, tooLarge: AccountRoutes.tooLarge(cap, .account)) { body in
                    await handler(body, context.clientAddress)
                }
            }
        }

        /// A POST route with a session, checked before the body is read.
        func post(
            _ path: RouterPath, _ cap: Int, code: ServiceError.Invalid = .account,
            session authenticate: @escaping @Sendable (String?) async throws -> AuthenticatedSession,
            limited: Bool = false,
            _ handler: @escaping @Sendable ([UInt8], AuthenticatedSession, String?) async -> Gateway.Reply
        ) {
            router.post(path) { [bodies, limiter] request, context in
                if limited, let refused = ServerApplication.limited(limiter, .ceremony, context) { return refused }
                return await AccountRoutes.withSession(request, authenticate) { session in
                    await bodies.answer(request, cap: cap, tooLarge: AccountRoutes.tooLarge(cap, code)) { body in
                        await handler(body, session, context.clientAddress)
                    }
                }
            }
        }
    }

    /// `body`'s answer for the request's session, or the refusal (connection closed, body
    /// unread) when it has none.
    private static func withSession(
        _ request: Request, _ authenticate: @Sendable (String?) async throws -> AuthenticatedSession,
        _ body: (AuthenticatedSession) async -> Response
    ) async -> Response {
        let session: AuthenticatedSession
        do {
            session = try await authenticate(authorization(request))
        } catch let error as ServiceError {
            return ServerApplication.response(Gateway.error(error).closingConnection())
        } catch {
            return ServerApplication.response(Gateway.error(ServiceError.unavailable()).closingConnection())
        }
        return await body(session)
    }

    private static func tooLarge(_ cap: Int, _ code: ServiceError.Invalid) -> Gateway.Reply {
        switch code {
        case .sync:
            Gateway.error(
                413, SyncErrorCode.tooLarge, "the push body is over \(cap) bytes: push fewer records at once")
        case .account: Gateway.error(413, AccountErrorCode.badRequest, "the body is over \(cap) bytes")
        }
    }

    private static func authorization(_ request: Request) -> String? { request.headers[.authorization] }
}
