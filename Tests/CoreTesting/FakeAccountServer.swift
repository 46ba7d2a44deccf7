import Core
import Foundation
import Synchronization
import Wire

/// The account endpoints of docs/PROTOCOL.md §5 in memory, behind a `ScriptedHTTPTransport`:
/// enough of a server to run the client's ceremonies end to end. Ceremonies are checked with
/// Wire's WebAuthn verifiers and the recovery signature with Ed25519, as the real server does.
public final class FakeAccountServer: Sendable {
    /// A refusal, answered as `{"code","message"}`.
    struct Refusal: Error {
        let status: Int
        let code: String
        let message: String
    }

    struct Credential {
        var account: AccountID
        var publicKey: COSEKey
        var kind: String
        var name: String
        var wrapped: [UInt8]
        var signCount: UInt32
    }

    struct Recovery {
        var keyID: [UInt8]
        var wrapped: [UInt8]
        var authPublicKey: [UInt8]
    }

    struct Pending {
        var challenge: [UInt8]
        var account: AccountID?
    }

    struct Store {
        var credentials: [[UInt8]: Credential] = [:]
        var recoveries: [AccountID: Recovery] = [:]
        var challenges: [String: Pending] = [:]
        var sessions: [String: (account: AccountID, credential: [UInt8]?)] = [:]
        var handles: [AccountID: [UInt8]] = [:]
    }

    /// The RP ID the server's options name.
    public let rpID: String
    /// The base URL the transport answers for.
    public let url = "http://127.0.0.1:8443"
    /// The transport to hand the client.
    public let transport: ScriptedHTTPTransport
    private let store = Mutex(Store())

    public init(rpID: String = "localhost") {
        self.rpID = rpID
        let box = Mutex<FakeAccountServer?>(nil)
        transport = ScriptedHTTPTransport { request in
            guard let server = box.withLock({ $0 }) else { throw CancellationError() }
            return server.handle(request)
        }
        box.withLock { $0 = self }
    }

    /// The relying party its ceremonies are checked against: its RP ID, and its own URL as the
    /// one origin clients reach it at.
    var party: RelyingParty { RelyingParty(id: rpID, origins: [url]) }

    /// How many sessions are live.
    public var sessionCount: Int { store.withLock { $0.sessions.count } }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let path = String(request.url.dropFirst(url.count))
        let token = request.headers["Authorization"].map { String($0.dropFirst("Bearer ".count)) }
        do {
            let body = try route(request.method, path, Data(request.body), token: token)
            return HTTPResponse(status: 200, headers: ["content-type": "application/json"], body: body)
        } catch let refusal as Refusal {
            let body = try! JSONEncoder().encode(ErrorBody(code: refusal.code, message: refusal.message))
            return HTTPResponse(status: refusal.status, headers: [:], body: Array(body))
        } catch {
            let body = try! JSONEncoder().encode(ErrorBody(code: "SOTTO-AUTH-BAD-REQUEST", message: "\(error)"))
            return HTTPResponse(status: 400, headers: [:], body: Array(body))
        }
    }

    private func route(_ method: HTTPRequest.Method, _ path: String, _ body: Data, token: String?) throws -> [UInt8] {
        let decoder = JSONDecoder()
        switch (method, path) {
        case (.post, "/v1/accounts/register/begin"):
            let account = try AccountID(Hex.encode(SecureRandom.bytes(16)))
            let handle = SecureRandom.bytes(16)
            store.withLock { $0.handles[account] = handle }
            return try creationOptions(account: account, handle: handle)
        case (.post, "/v1/accounts/register/finish"):
            let request = try decoder.decode(RegistrationFinishRequest.self, from: body)
            let pending = try take(request.challengeID)
            guard let account = pending.account else {
                throw Refusal(status: 400, code: "SOTTO-AUTH-CHALLENGE", message: "")
            }
            let credential = try verify(request.passkey, challenge: pending.challenge, account: account)
            store.withLock {
                $0.credentials[credential.0] = credential.1
                $0.recoveries[account] = Recovery(
                    keyID: request.recovery.keyID.bytes, wrapped: request.recovery.wrappedRootKey.bytes,
                    authPublicKey: request.recovery.authPublicKey.bytes)
            }
            return try session(account, credential: credential.0, wrapped: nil, kind: nil)
        case (.post, "/v1/accounts/login/begin"):
            let challenge = SecureRandom.bytes(32)
            let id = newChallenge(challenge, account: nil)
            return try json([
                "version": 1, "challenge_id": id,
                "options": ["challenge": Base64URL.encode(challenge), "rpId": rpID, "userVerification": "required"],
            ])
        case (.post, "/v1/accounts/login/finish"):
            let request = try decoder.decode(LoginFinishRequest.self, from: body)
            let pending = try take(request.challengeID)
            let id = try Base64URL.decode(request.credential.rawId)
            let credential = try verifyAssertion(request.credential, id: id, challenge: pending.challenge)
            return try session(credential.account, credential: id, wrapped: credential.wrapped, kind: credential.kind)
        case (.post, "/v1/accounts/recover/begin"):
            let request = try decoder.decode(RecoveryBeginRequest.self, from: body)
            guard
                let account = store.withLock({ $0.recoveries.first { $0.value.keyID == request.keyID.bytes }?.key })
            else {
                throw Refusal(status: 401, code: "SOTTO-AUTH-VERIFY", message: "the recovery signature does not verify")
            }
            let challenge = SecureRandom.bytes(32)
            let id = newChallenge(challenge, account: account)
            return Array(
                try JSONEncoder().encode(
                    RecoveryBeginResponse(challengeID: id, accountID: account, challenge: Base64Bytes(challenge))))
        case (.post, "/v1/accounts/recover/finish"):
            let request = try decoder.decode(RecoveryFinishRequest.self, from: body)
            let pending = try take(request.challengeID)
            guard let account = pending.account, let recovery = store.withLock({ $0.recoveries[account] }),
                (try? Ed25519.verify(
                    signature: request.signature.bytes,
                    message: RecoveryBeginResponse.signedMessage(accountID: account, challenge: pending.challenge),
                    publicKey: recovery.authPublicKey)) != nil
            else {
                throw Refusal(status: 401, code: "SOTTO-AUTH-VERIFY", message: "the recovery signature does not verify")
            }
            return try session(account, credential: nil, wrapped: recovery.wrapped, kind: nil)
        default:
            break
        }
        let (account, sessionToken) = try authenticated(token)
        switch (method, path) {
        case (.get, "/v1/account"):
            let passkeys = store.withLock { store in
                store.credentials.filter { $0.value.account == account }.map {
                    PasskeySummary(
                        credentialID: Base64URL.encode($0.key), kind: $0.value.kind, name: $0.value.name, createdAt: 0,
                        lastUsedAt: nil, signCount: $0.value.signCount)
                }.sorted { $0.credentialID < $1.credentialID }
            }
            return Array(
                try JSONEncoder().encode(
                    AccountSummary(
                        accountID: account, passkeys: passkeys, recoveryUpdatedAt: 0, sessionCredentialID: nil)))
        case (.post, "/v1/account/passkeys/begin"):
            return try creationOptions(account: account, handle: store.withLock { $0.handles[account] } ?? [1])
        case (.post, "/v1/account/confirm/begin"):
            let request = try decoder.decode(ConfirmBeginRequest.self, from: body)
            let nonce = SecureRandom.bytes(32)
            let id = newChallenge(nonce, account: account)
            let allowed = store.withLock { store in
                store.credentials.filter { $0.value.account == account }.map {
                    ["type": "public-key", "id": Base64URL.encode($0.key)]
                }
            }
            return try json([
                "version": 1, "challenge_id": id, "nonce": Data(nonce).base64EncodedString(),
                "options": [
                    "challenge": Base64URL.encode(request.operation.challenge(accountID: account, nonce: nonce)),
                    "rpId": rpID, "userVerification": "required", "allowCredentials": allowed,
                ],
            ])
        case (.post, "/v1/account/passkeys/finish"):
            let request = try decoder.decode(PasskeyAddRequest.self, from: body)
            try checkConfirmation(
                request.confirmation,
                .addPasskey(
                    registrationChallengeID: request.challengeID,
                    credentialID: try Base64URL.decode(request.passkey.credential.rawId)),
                account: account)
            let pending = try take(request.challengeID)
            let credential = try verify(request.passkey, challenge: pending.challenge, account: account)
            store.withLock { $0.credentials[credential.0] = credential.1 }
            return try json(["version": 1])
        case (.put, "/v1/account/recovery"):
            let request = try decoder.decode(RecoveryRotateRequest.self, from: body)
            try checkConfirmation(request.confirmation, .replaceRecovery(request.recovery), account: account)
            store.withLock {
                $0.recoveries[account] = Recovery(
                    keyID: request.recovery.keyID.bytes, wrapped: request.recovery.wrappedRootKey.bytes,
                    authPublicKey: request.recovery.authPublicKey.bytes)
            }
            return try json(["version": 1])
        case (.post, "/v1/account/logout"):
            store.withLock { _ = $0.sessions.removeValue(forKey: sessionToken) }
            return try json(["version": 1])
        case (.delete, _) where path.hasPrefix("/v1/account/passkeys/"):
            let id = try Base64URL.decode(path.dropFirst("/v1/account/passkeys/".count))
            let request = try decoder.decode(PasskeyRemoveRequest.self, from: body)
            try checkConfirmation(request.confirmation, .removePasskey(credentialID: id), account: account)
            try store.withLock { store in
                guard store.credentials[id]?.account == account else {
                    throw Refusal(status: 404, code: "SOTTO-AUTH-UNKNOWN-CREDENTIAL", message: "no such passkey")
                }
                guard store.credentials.values.filter({ $0.account == account }).count > 1 else {
                    throw Refusal(status: 409, code: "SOTTO-AUTH-LAST-PASSKEY", message: "the last passkey stays")
                }
                store.credentials[id] = nil
                store.sessions = store.sessions.filter { $0.value.credential != id }
            }
            return try json(["version": 1])
        default:
            throw Refusal(status: 404, code: "SOTTO-HTTP-NOT-FOUND", message: "no route \(path)")
        }
    }

    private func authenticated(_ token: String?) throws -> (AccountID, String) {
        guard let token, let session = store.withLock({ $0.sessions[token] }) else {
            throw Refusal(status: 401, code: "SOTTO-AUTH-SESSION", message: "missing, expired or revoked session")
        }
        return (session.account, token)
    }

    /// A sensitive change's confirmation (§5.7): a passkey of `account` or its recovery key,
    /// over the challenge derived from `operation` and the stored nonce.
    private func checkConfirmation(
        _ confirmation: AccountConfirmation?, _ operation: ConfirmedOperation, account: AccountID
    ) throws {
        guard let confirmation else {
            throw Refusal(status: 403, code: "SOTTO-AUTH-CONFIRMATION", message: "confirm the change first")
        }
        let nonce = try take(confirmation.challengeID)
        guard nonce.account == account else {
            throw Refusal(status: 400, code: "SOTTO-AUTH-CHALLENGE", message: "begun for another account")
        }
        let challenge = operation.challenge(accountID: account, nonce: nonce.challenge)
        if let signature = confirmation.recoverySignature {
            guard let recovery = store.withLock({ $0.recoveries[account] }),
                (try? Ed25519.verify(
                    signature: signature.bytes, message: ConfirmedOperation.recoverySignedMessage(challenge: challenge),
                    publicKey: recovery.authPublicKey)) != nil
            else {
                throw Refusal(
                    status: 401, code: "SOTTO-AUTH-VERIFY", message: "the recovery confirmation does not verify")
            }
            return
        }
        guard let response = confirmation.credential, let id = try? Base64URL.decode(response.rawId),
            store.withLock({ $0.credentials[id] })?.account == account
        else {
            throw Refusal(status: 401, code: "SOTTO-AUTH-VERIFY", message: "not a passkey of this account")
        }
        _ = try verifyAssertion(response, id: id, challenge: challenge)
    }

    /// Verifies an assertion (a login's or a confirmation's) by the stored credential `id`
    /// over `challenge`, and stores its new signature counter.
    private func verifyAssertion(
        _ response: WebAuthnJSON.AuthenticationResponse, id: [UInt8], challenge: [UInt8]
    ) throws -> Credential {
        guard var credential = store.withLock({ $0.credentials[id] }) else {
            throw Refusal(status: 401, code: "SOTTO-AUTH-UNKNOWN-CREDENTIAL", message: "no account has this passkey")
        }
        let verified = try AuthenticationVerifier(relyingParty: party, requireUserVerification: true)
            .verify(
                clientDataJSON: try Base64URL.decode(response.response.clientDataJSON),
                authenticatorData: try Base64URL.decode(response.response.authenticatorData),
                signature: try Base64URL.decode(response.response.signature),
                challenge: challenge, publicKey: credential.publicKey, storedSignCount: credential.signCount)
        credential.signCount = verified.signCount
        store.withLock { $0.credentials[id] = credential }
        return credential
    }

    private func newChallenge(_ challenge: [UInt8], account: AccountID?) -> String {
        let id = Base64URL.encode(SecureRandom.bytes(16))
        store.withLock { $0.challenges[id] = Pending(challenge: challenge, account: account) }
        return id
    }

    private func take(_ id: String) throws -> Pending {
        guard let pending = store.withLock({ $0.challenges.removeValue(forKey: id) }) else {
            throw Refusal(status: 400, code: "SOTTO-AUTH-CHALLENGE", message: "challenge unknown, used or expired")
        }
        return pending
    }

    private func creationOptions(account: AccountID, handle: [UInt8]) throws -> [UInt8] {
        let challenge = SecureRandom.bytes(32)
        let id = newChallenge(challenge, account: account)
        return try json([
            "version": 1, "challenge_id": id, "account_id": account.rawValue,
            "options": [
                "rp": ["id": rpID, "name": "Sotto"],
                "user": ["id": Base64URL.encode(handle), "name": account.rawValue, "displayName": "Sotto account"],
                "challenge": Base64URL.encode(challenge),
                "pubKeyCredParams": [["type": "public-key", "alg": -7], ["type": "public-key", "alg": -8]],
                "authenticatorSelection": ["userVerification": "required"], "attestation": "none",
            ],
        ])
    }

    private func verify(
        _ passkey: PasskeyEnrollment, challenge: [UInt8], account: AccountID
    ) throws -> ([UInt8], Credential) {
        let verified = try RegistrationVerifier(relyingParty: party, requireUserVerification: true)
            .verify(
                clientDataJSON: try Base64URL.decode(passkey.credential.response.clientDataJSON),
                attestationObject: try Base64URL.decode(passkey.credential.response.attestationObject),
                challenge: challenge)
        guard store.withLock({ $0.credentials[verified.credentialID] }) == nil else {
            throw Refusal(status: 409, code: "SOTTO-AUTH-DUPLICATE", message: "credential already registered")
        }
        return (
            verified.credentialID,
            Credential(
                account: account, publicKey: verified.publicKey, kind: passkey.kind, name: passkey.name,
                wrapped: passkey.wrappedRootKey.bytes, signCount: verified.signCount)
        )
    }

    private func session(_ account: AccountID, credential: [UInt8]?, wrapped: [UInt8]?, kind: String?) throws -> [UInt8]
    {
        let token = Base64URL.encode(SecureRandom.bytes(32))
        store.withLock { $0.sessions[token] = (account, credential) }
        let grant = SessionGrant(
            accountID: account, token: token, expiresAt: Int64(Date().timeIntervalSince1970) + 30 * 86400,
            credentialID: credential.map { Base64URL.encode($0) })
        return Array(
            try JSONEncoder().encode(
                SessionResponse(session: grant, wrappedRootKey: wrapped.map(Base64Bytes.init), passkeyKind: kind)))
    }

    private func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object))
    }
}
