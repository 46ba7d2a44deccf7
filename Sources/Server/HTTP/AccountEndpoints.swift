import Foundation
import Wire

/// The account and record endpoints (docs/PROTOCOL.md §5, §6) as body bytes in and replies
/// out, for the Hummingbird binding: `authorization` is the `Authorization` header, `client`
/// the peer's address (rate limits).
public struct AccountEndpoints: Sendable {
    /// Largest body an account endpoint reads.
    public static let maximumAccountBodyBytes = 64 * 1024

    /// Registration, login, recovery, sessions and passkeys.
    public let accounts: AccountService
    /// Push and pull; nil when the server does not serve sync (its routes are then absent).
    public let records: RecordService?

    /// Endpoints for `accounts`, and for `records` when sync is served.
    public init(accounts: AccountService, records: RecordService?) {
        self.accounts = accounts
        self.records = records
    }

    /// `POST /v1/accounts/register/begin`.
    public func registerBegin(body: [UInt8], client: String? = nil) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(VersionOnlyRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.registerBegin(request, client: client))
        }
    }

    /// `POST /v1/accounts/register/finish`.
    public func registerFinish(body: [UInt8], client: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(RegistrationFinishRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.registerFinish(request, client: client))
        }
    }

    /// `POST /v1/accounts/login/begin`.
    public func loginBegin(body: [UInt8], client: String? = nil) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(LoginBeginRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.loginBegin(request, client: client))
        }
    }

    /// `POST /v1/accounts/login/finish`.
    public func loginFinish(body: [UInt8], client: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(LoginFinishRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.loginFinish(request, client: client))
        }
    }

    /// `POST /v1/accounts/recover/begin`.
    public func recoverBegin(body: [UInt8], client: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(RecoveryBeginRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.recoverBegin(request, client: client))
        }
    }

    /// `POST /v1/accounts/recover/finish`.
    public func recoverFinish(body: [UInt8], client: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(RecoveryFinishRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.recoverFinish(request, client: client))
        }
    }

    /// `GET /v1/account`.
    public func summary(authorization: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            let session = try await accounts.authenticate(authorization: authorization)
            return JSONExchange.reply(try await accounts.summary(session))
        }
    }

    /// `POST /v1/account/logout`: 204.
    public func logout(authorization: String?) async -> Gateway.Reply {
        await authenticated(authorization) { await logout(session: $0) }
    }

    /// `POST /v1/account/logout` for a session the HTTP binding checked: 204.
    public func logout(session: AuthenticatedSession) async -> Gateway.Reply {
        await JSONExchange.run {
            try await accounts.logout(session)
            return .complete(status: 204, headers: [:], body: [])
        }
    }

    /// `POST /v1/account/logout/everywhere`: 204.
    public func logoutEverywhere(authorization: String?) async -> Gateway.Reply {
        await authenticated(authorization) { await logoutEverywhere(session: $0) }
    }

    /// `POST /v1/account/logout/everywhere` for a checked session: 204.
    public func logoutEverywhere(session: AuthenticatedSession) async -> Gateway.Reply {
        await JSONExchange.run {
            try await accounts.logoutEverywhere(session)
            return .complete(status: 204, headers: [:], body: [])
        }
    }

    /// `POST /v1/account/passkeys/begin`.
    public func addPasskeyBegin(body: [UInt8], authorization: String?, client: String? = nil) async -> Gateway.Reply {
        await authenticated(authorization) { await addPasskeyBegin(body: body, session: $0, client: client) }
    }

    /// `POST /v1/account/passkeys/begin` for a checked session.
    public func addPasskeyBegin(
        body: [UInt8], session: AuthenticatedSession, client: String? = nil
    ) async
        -> Gateway.Reply
    {
        await JSONExchange.run {
            // The body is optional here: an empty one means version 1.
            if !body.isEmpty {
                try EnrollmentCheck.version(
                    JSONExchange.decode(VersionOnlyRequest.self, body, invalid: .account).version)
            }
            return JSONExchange.reply(try await accounts.addPasskeyBegin(session, client: client))
        }
    }

    /// `POST /v1/account/passkeys/finish`.
    public func addPasskeyFinish(body: [UInt8], authorization: String?, client: String?) async -> Gateway.Reply {
        await authenticated(authorization) { await addPasskeyFinish(body: body, session: $0, client: client) }
    }

    /// `POST /v1/account/passkeys/finish` for a checked session.
    public func addPasskeyFinish(
        body: [UInt8], session: AuthenticatedSession, client: String?
    ) async
        -> Gateway.Reply
    {
        await JSONExchange.run {
            let request = try JSONExchange.decode(PasskeyAddRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.addPasskeyFinish(request, session: session, client: client))
        }
    }

    /// `POST /v1/account/confirm/begin`.
    public func confirmBegin(body: [UInt8], authorization: String?, client: String?) async -> Gateway.Reply {
        await authenticated(authorization) { await confirmBegin(body: body, session: $0, client: client) }
    }

    /// `POST /v1/account/confirm/begin` for a checked session.
    public func confirmBegin(body: [UInt8], session: AuthenticatedSession, client: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(ConfirmBeginRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.confirmBegin(request, session: session, client: client))
        }
    }

    /// `DELETE /v1/account/passkeys/<credential id>`, its body the removal's confirmation (an
    /// empty body is a removal without one, refused with `SOTTO-AUTH-CONFIRMATION`).
    public func removePasskey(
        credentialID: String, body: [UInt8], authorization: String?, client: String?
    ) async -> Gateway.Reply {
        await authenticated(authorization) {
            await removePasskey(credentialID: credentialID, body: body, session: $0, client: client)
        }
    }

    /// `DELETE /v1/account/passkeys/<credential id>` for a checked session.
    public func removePasskey(
        credentialID: String, body: [UInt8], session: AuthenticatedSession, client: String?
    ) async -> Gateway.Reply {
        await JSONExchange.run {
            let request =
                body.isEmpty
                ? PasskeyRemoveRequest(confirmation: nil)
                : try JSONExchange.decode(PasskeyRemoveRequest.self, body, invalid: .account)
            return JSONExchange.reply(
                try await accounts.removePasskey(credentialID, request: request, session: session, client: client))
        }
    }

    /// `PUT /v1/account/recovery`.
    public func rotateRecovery(body: [UInt8], authorization: String?, client: String?) async -> Gateway.Reply {
        await authenticated(authorization) { await rotateRecovery(body: body, session: $0, client: client) }
    }

    /// `PUT /v1/account/recovery` for a checked session.
    public func rotateRecovery(body: [UInt8], session: AuthenticatedSession, client: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(RecoveryRotateRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.rotateRecovery(request, session: session, client: client))
        }
    }

    /// `POST /v1/account/keys/rotation/begin` for a checked session.
    public func beginKeyRotation(
        body: [UInt8], session: AuthenticatedSession, client: String?
    ) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(KeyRotationBeginRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.beginKeyRotation(request, session: session, client: client))
        }
    }

    /// `POST /v1/account/keys/rotation/finish` for a checked session.
    public func finishKeyRotation(
        body: [UInt8], session: AuthenticatedSession, client: String?
    ) async -> Gateway.Reply {
        await JSONExchange.run {
            let request = try JSONExchange.decode(KeyRotationFinishRequest.self, body, invalid: .account)
            return JSONExchange.reply(try await accounts.finishKeyRotation(request, session: session, client: client))
        }
    }

    /// `POST /v1/records/push`.
    public func push(body: [UInt8], authorization: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            // The session first: an anonymous caller learns nothing about the body's shape.
            let session = try await syncService().authenticate(authorization: authorization)
            return await push(body: body, session: session)
        }
    }

    /// `POST /v1/records/push` for a session the HTTP binding checked before reading the body.
    public func push(body: [UInt8], session: AuthenticatedSession) async -> Gateway.Reply {
        await JSONExchange.run {
            let records = try syncService()
            let request = try JSONExchange.decode(PushRequest.self, body, invalid: .sync)
            return JSONExchange.reply(try await records.push(request, session: session))
        }
    }

    /// `GET /v1/records?after=&limit=`, the query values as they came (nil when absent).
    public func pull(after: String?, limit: String?, authorization: String?) async -> Gateway.Reply {
        await JSONExchange.run {
            let records = try syncService()
            let session = try await records.authenticate(authorization: authorization)
            var cursor: Int64 = 0
            if let after {
                guard let value = Int64(after) else {
                    throw ServiceError(sync: .badRequest, "after must be a whole number (a cursor)")
                }
                cursor = value
            }
            let count: Int?
            if let limit {
                guard let value = Int(limit) else {
                    throw ServiceError(sync: .badRequest, "limit must be a whole number")
                }
                count = value
            } else {
                count = nil
            }
            return JSONExchange.reply(try await records.pull(after: cursor, limit: count, session: session))
        }
    }

    /// `handler`'s answer for the session `authorization` names, or the refusal.
    private func authenticated(
        _ authorization: String?, _ handler: (AuthenticatedSession) async -> Gateway.Reply
    ) async -> Gateway.Reply {
        do {
            return await handler(try await accounts.authenticate(authorization: authorization))
        } catch let error as ServiceError {
            return JSONExchange.reply(error)
        } catch {
            return JSONExchange.reply(ServiceError.unavailable())
        }
    }

    private func syncService() throws -> RecordService {
        guard let records else {
            throw ServiceError(store: StoreError(.configuration, "this server does not serve sync"))
        }
        return records
    }
}
