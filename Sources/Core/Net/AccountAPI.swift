import Foundation
import Wire

/// Typed calls for the account endpoints of docs/PROTOCOL.md §5, over any `HTTPTransport`.
/// Refusals become `AccountAPIError`; answers that do not decode become `AccountError`
/// `.malformedResponse`. Session calls take the bearer token and never log it.
public struct AccountAPI: Sendable {
    /// The server's base URL, without a trailing slash.
    public let serverURL: String
    let transport: any HTTPTransport

    /// The largest answer read; account answers are a few KiB.
    static let maximumResponseBytes = 1 << 20

    /// The API of the server at `serverURL`, over `transport`.
    public init(serverURL: String, transport: any HTTPTransport = CurlHTTPClient()) {
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        self.transport = transport
    }

    // MARK: Without a session

    /// `POST /v1/accounts/register/begin`: a new account's id and the creation options.
    public func registerBegin() async throws -> RegistrationBeginResponse {
        try await call(.post, "/v1/accounts/register/begin", body: VersionOnlyRequest())
    }

    /// `POST /v1/accounts/register/finish`: creates the account; the session of its first passkey.
    public func registerFinish(_ request: RegistrationFinishRequest) async throws -> SessionResponse {
        try await call(.post, "/v1/accounts/register/finish", body: request)
    }

    /// `POST /v1/accounts/login/begin`, allowing `credentialIDs` (base64url), or any when nil.
    public func loginBegin(credentialIDs: [String]?) async throws -> LoginBeginResponse {
        try await call(.post, "/v1/accounts/login/begin", body: LoginBeginRequest(credentialIDs: credentialIDs))
    }

    /// `POST /v1/accounts/login/finish`: a session and the signing passkey's wrapped root key.
    public func loginFinish(_ request: LoginFinishRequest) async throws -> SessionResponse {
        try await call(.post, "/v1/accounts/login/finish", body: request)
    }

    /// `POST /v1/accounts/recover/begin` for the recovery KEK id `keyID`.
    public func recoverBegin(keyID: [UInt8]) async throws -> RecoveryBeginResponse {
        try await call(.post, "/v1/accounts/recover/begin", body: RecoveryBeginRequest(keyID: Base64Bytes(keyID)))
    }

    /// `POST /v1/accounts/recover/finish`: a recovery session and the recovery copy of the root key.
    public func recoverFinish(_ request: RecoveryFinishRequest) async throws -> SessionResponse {
        try await call(.post, "/v1/accounts/recover/finish", body: request)
    }

    // MARK: With a session

    /// `GET /v1/account`.
    public func account(token: String) async throws -> AccountSummary {
        try await call(.get, "/v1/account", body: Optional<VersionOnlyRequest>.none, token: token)
    }

    /// `POST /v1/account/passkeys/begin`: creation options for another passkey of the account.
    public func addPasskeyBegin(token: String) async throws -> RegistrationBeginResponse {
        try await call(.post, "/v1/account/passkeys/begin", body: VersionOnlyRequest(), token: token)
    }

    /// `POST /v1/account/passkeys/finish`: adds the passkey.
    public func addPasskeyFinish(_ request: PasskeyAddRequest, token: String) async throws {
        try await send(.post, "/v1/account/passkeys/finish", body: request, token: token)
    }

    /// `POST /v1/account/confirm/begin`: the challenge that confirms `operation`.
    public func confirmBegin(_ operation: ConfirmedOperation, token: String) async throws -> ConfirmBeginResponse {
        try await call(
            .post, "/v1/account/confirm/begin", body: ConfirmBeginRequest(operation: operation), token: token)
    }

    /// `DELETE /v1/account/passkeys/<id>` (`credentialID` in base64url), with its confirmation.
    public func removePasskey(credentialID: String, confirmation: AccountConfirmation, token: String) async throws {
        guard !credentialID.isEmpty,
            credentialID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw AccountError(.unknownPasskey, "a passkey id is base64url text (letters, digits, - and _)")
        }
        try await send(
            .delete, "/v1/account/passkeys/" + credentialID, body: PasskeyRemoveRequest(confirmation: confirmation),
            token: token)
    }

    /// `PUT /v1/account/recovery`: replaces the recovery enrollment.
    public func replaceRecovery(
        _ enrollment: RecoveryEnrollment, confirmation: AccountConfirmation, token: String
    ) async throws {
        try await send(
            .put, "/v1/account/recovery", body: RecoveryRotateRequest(recovery: enrollment, confirmation: confirmation),
            token: token)
    }

    /// `POST /v1/account/keys/rotation/begin`: stores the new root for the rotating passkey;
    /// answers with the rotation the server holds (an earlier one of the same passkey wins).
    public func beginKeyRotation(
        _ request: KeyRotationBeginRequest, token: String
    ) async throws
        -> KeyRotationBeginResponse
    {
        try await call(.post, "/v1/account/keys/rotation/begin", body: request, token: token)
    }

    /// `POST /v1/account/keys/rotation/finish`: replaces every wrapped copy of the root at once,
    /// revokes every session and answers with the one new session.
    public func finishKeyRotation(_ request: KeyRotationFinishRequest, token: String) async throws -> SessionResponse {
        try await call(.post, "/v1/account/keys/rotation/finish", body: request, token: token)
    }

    /// `POST /v1/account/logout`: revokes the session of `token`.
    public func logout(token: String) async throws {
        try await send(.post, "/v1/account/logout", body: VersionOnlyRequest(), token: token)
    }

    /// `POST /v1/account/logout/everywhere`: revokes every session of the account, `token`'s too.
    public func logoutEverywhere(token: String) async throws {
        try await send(.post, "/v1/account/logout/everywhere", body: VersionOnlyRequest(), token: token)
    }

    // MARK: Plumbing

    private func call<Body: Encodable, Answer: Decodable>(
        _ method: HTTPRequest.Method, _ path: String, body: Body?, token: String? = nil
    ) async throws -> Answer {
        let response = try await send(method, path, body: body, token: token)
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(response.body))
        } catch {
            throw AccountError(
                .malformedResponse,
                "the server's answer to \(method.rawValue) \(path) is not the JSON the protocol describes; is \(serverURL) a Sotto server of this version?"
            )
        }
    }

    @discardableResult
    private func send<Body: Encodable>(
        _ method: HTTPRequest.Method, _ path: String, body: Body?, token: String? = nil
    ) async throws -> HTTPResponse {
        var headers = ["Accept": "application/json"]
        var bytes = [UInt8]()
        if let body {
            headers["Content-Type"] = "application/json"
            bytes = Array(try JSONEncoder().encode(body))
        }
        if let token { headers["Authorization"] = "Bearer " + token }
        let response = try await transport.send(
            HTTPRequest(url: serverURL + path, method: method, headers: headers, body: bytes, idleTimeoutSeconds: 60),
            maxBytes: Self.maximumResponseBytes)
        guard (200..<300).contains(response.status) else { throw Self.refusal(response) }
        return response
    }

    /// The error for a non-2xx answer: the `{"code","message"}` body when there is one.
    static func refusal(_ response: HTTPResponse) -> AccountAPIError {
        let retryAfter = response.headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if let body = try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body)) {
            return AccountAPIError(
                status: response.status, code: body.code, serverMessage: body.message, retryAfterSeconds: retryAfter)
        }
        return AccountAPIError(
            status: response.status, code: UnexplainedRefusal.code(status: response.status), serverMessage: "",
            retryAfterSeconds: retryAfter)
    }
}
