import Hummingbird
import NIOCore

/// Binds the account and record endpoints to the router: body caps, the `Authorization`
/// header, the peer's address, path and query values. No protocol logic here.
enum AccountRoutes {
    static func add(
        _ endpoints: AccountEndpoints, to router: Router<ClientRequestContext>, rateLimiter: ClientRateLimiter
    ) {
        let cap = AccountEndpoints.maximumAccountBodyBytes
        // Each begin stores a challenge: limited per address before anything is read.
        func begin(
            _ path: RouterPath, _ handler: @escaping @Sendable ([UInt8], String?, String?) async -> Gateway.Reply
        ) {
            post(router, path, cap, limiter: rateLimiter, handler)
        }
        begin("/v1/accounts/register/begin") { body, _, client in
            await endpoints.registerBegin(body: body, client: client)
        }
        post(router, "/v1/accounts/register/finish", cap) { body, _, client in
            await endpoints.registerFinish(body: body, client: client)
        }
        begin("/v1/accounts/login/begin") { body, _, client in await endpoints.loginBegin(body: body, client: client) }
        post(router, "/v1/accounts/login/finish", cap) { body, _, client in
            await endpoints.loginFinish(body: body, client: client)
        }
        begin("/v1/accounts/recover/begin") { body, _, client in
            await endpoints.recoverBegin(body: body, client: client)
        }
        post(router, "/v1/accounts/recover/finish", cap) { body, _, client in
            await endpoints.recoverFinish(body: body, client: client)
        }
        router.get("/v1/account") { request, _ in
            ServerApplication.response(await endpoints.summary(authorization: authorization(request)))
        }
        post(router, "/v1/account/logout", cap) { _, authorization, _ in
            await endpoints.logout(authorization: authorization)
        }
        post(router, "/v1/account/logout/everywhere", cap) { _, authorization, _ in
            await endpoints.logoutEverywhere(authorization: authorization)
        }
        begin("/v1/account/passkeys/begin") { body, authorization, client in
            await endpoints.addPasskeyBegin(body: body, authorization: authorization, client: client)
        }
        post(router, "/v1/account/passkeys/finish", cap) { body, authorization, client in
            await endpoints.addPasskeyFinish(body: body, authorization: authorization, client: client)
        }
        // Each confirmation stores a challenge too.
        begin("/v1/account/confirm/begin") { body, authorization, client in
            await endpoints.confirmBegin(body: body, authorization: authorization, client: client)
        }
        router.delete("/v1/account/passkeys/:credential") { request, context in
            let id = context.parameters.get("credential") ?? ""
            return await withBody(request, cap, code: .account) { body in
                await endpoints.removePasskey(
                    credentialID: id, body: body, authorization: authorization(request), client: context.clientAddress)
            }
        }
        router.put("/v1/account/recovery") { request, context in
            await withBody(request, cap, code: .account) { body in
                await endpoints.rotateRecovery(
                    body: body, authorization: authorization(request), client: context.clientAddress)
            }
        }
        post(router, "/v1/account/keys/rotation/begin", cap) { body, authorization, client in
            await endpoints.beginKeyRotation(body: body, authorization: authorization, client: client)
        }
        post(router, "/v1/account/keys/rotation/finish", cap) { body, authorization, client in
            await endpoints.finishKeyRotation(body: body, authorization: authorization, client: client)
        }
        guard let records = endpoints.records else { return }
        post(router, "/v1/records/push", records.maximumPushBodyBytes, code: .sync) { body, authorization, _ in
            await endpoints.push(body: body, authorization: authorization)
        }
        router.get("/v1/records") { request, _ in
            let query = request.uri.queryParameters
            return ServerApplication.response(
                await endpoints.pull(
                    after: query["after"].map(String.init), limit: query["limit"].map(String.init),
                    authorization: authorization(request)))
        }
    }

    /// A POST route: the body (up to `cap` bytes), the `Authorization` header and the peer's address.
    private static func post(
        _ router: Router<ClientRequestContext>, _ path: RouterPath, _ cap: Int,
        code: ServiceError.Invalid = .account, limiter: ClientRateLimiter? = nil,
        _ handler: @escaping @Sendable ([UInt8], String?, String?) async -> Gateway.Reply
    ) {
        router.post(path) { request, context in
            if let limiter, let refused = ServerApplication.limited(limiter, .ceremony, context) { return refused }
            return await withBody(request, cap, code: code) { body in
                await handler(body, authorization(request), context.clientAddress)
            }
        }
    }

    private static func withBody(
        _ request: Request, _ cap: Int, code: ServiceError.Invalid,
        _ handler: ([UInt8]) async -> Gateway.Reply
    ) async -> Response {
        var request = request
        guard let body = try? await request.collectBody(upTo: cap) else {
            let refused =
                code == .sync
                ? ServiceError(sync: .tooLarge, "the push body is over \(cap) bytes: push fewer records at once")
                : code.error("the body is over \(cap) bytes")
            return ServerApplication.response(Gateway.error(413, refused.code, refused.message))
        }
        return ServerApplication.response(await handler(Array(buffer: body)))
    }

    private static func authorization(_ request: Request) -> String? { request.headers[.authorization] }
}
