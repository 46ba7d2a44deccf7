import Foundation
import Logging
import Synchronization
import Wire

/// The account endpoints' protocol logic (docs/PROTOCOL.md §5), apart from HTTP: passkey
/// registration and login, the recovery key, sessions, and the account's passkeys. Every
/// method throws `ServiceError` only. Logs short id prefixes, never tokens or wrapped keys.
public final class AccountService: SessionAuthenticating {
    let store: any AccountStore
    let settings: AccountSettings
    let logger: Logger
    let limiter: FailureRateLimiter
    let challengeQuota: ChallengeQuota
    /// Keys the stand-in account an unknown recovery key id is answered with, so asking twice
    /// gives the same id, as a real enrollment would.
    let decoySecret: [UInt8]
    /// Verifies the stand-in recovery, so a probe costs the same work as a real login.
    let decoyAuthKey: [UInt8]
    private let lastPurge: Mutex<Date?>

    /// A service over `store` for the relying party and clock in `settings`.
    public init(store: any AccountStore, settings: AccountSettings = AccountSettings(), logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
        limiter = FailureRateLimiter(limit: settings.maximumFailures, window: settings.failureWindow)
        challengeQuota = ChallengeQuota(
            perClient: settings.maximumOutstandingChallengesPerClient, total: settings.maximumOutstandingChallenges)
        decoySecret = SecureRandom.bytes(32)
        decoyAuthKey = Ed25519.SigningKey.generate().publicKey
        lastPurge = Mutex(nil)
    }

    /// The RP ID ceremonies are for.
    public var relyingPartyID: String { settings.relyingParty.id }

    // MARK: Registration

    /// `POST /v1/accounts/register/begin`: a new account id and user handle, and the creation options.
    public func registerBegin(
        _ request: VersionOnlyRequest, client: String? = nil
    ) async throws
        -> RegistrationBeginResponse
    {
        try EnrollmentCheck.version(request.version)
        await purgeIfDue()
        // 16 random bytes are always a valid id.
        let accountID = try! AccountID(Hex.encode(settings.random(16)))
        let userHandle = settings.random(16)
        let challenge = try await newChallenge(
            .registration, accountID: accountID, userHandle: userHandle, client: client)
        let options = try await mapped {
            try CeremonyOptions.creation(
                party: settings.relyingParty, partyName: settings.relyingPartyName, accountID: accountID,
                userHandle: userHandle, challenge: challenge.challenge)
        }
        return RegistrationBeginResponse(challengeID: challenge.id, accountID: accountID, options: options)
    }

    /// `POST /v1/accounts/register/finish`: verifies the first passkey and creates the account
    /// with it and the recovery enrollment, at once.
    public func registerFinish(_ request: RegistrationFinishRequest, client: String?) async throws -> SessionResponse {
        try EnrollmentCheck.version(request.version)
        try EnrollmentCheck.check(request.passkey)
        try EnrollmentCheck.check(request.recovery)
        let keys = limitKeys(credential: request.passkey.credential.rawId, client: client)
        try checkRate(keys)
        return try await countingFailures(keys) {
            let challenge = try await takeChallenge(request.challengeID, .registration)
            guard let accountID = challenge.accountID, let userHandle = challenge.userHandle else {
                throw ServiceError(.challenge, "the challenge is not for a registration: begin again")
            }
            let verified = try verifyRegistration(request.passkey.credential, challenge: challenge.challenge)
            let now = settings.now()
            let credential = storedCredential(verified, request.passkey, accountID: accountID, now: now)
            let recovery = StoredRecovery(
                accountID: accountID, keyID: request.recovery.keyID.bytes,
                wrappedRootKey: request.recovery.wrappedRootKey.bytes,
                authPublicKey: request.recovery.authPublicKey.bytes, updatedAt: now)
            do {
                try await store.createAccount(
                    StoredAccount(id: accountID, userHandle: userHandle, createdAt: now), credential: credential,
                    recovery: recovery)
            } catch let error as StoreError where error.code == .duplicate {
                throw ServiceError(
                    .duplicate, "this passkey or recovery key is already registered: log in with it instead")
            }
            logger.info(
                "account registered",
                metadata: [
                    "account": "\(Self.short(accountID))", "credential": "\(Self.short(verified.credentialID))",
                    "algorithm": "\(verified.publicKey.algorithm)", "attestation": "\(verified.attestation.format)",
                ])
            return SessionResponse(
                session: try await issueSession(accountID, credentialID: verified.credentialID), wrappedRootKey: nil,
                passkeyKind: request.passkey.kind)
        }
    }

    // MARK: Login

    /// `POST /v1/accounts/login/begin`: a challenge and the request options.
    public func loginBegin(_ request: LoginBeginRequest, client: String? = nil) async throws -> LoginBeginResponse {
        try EnrollmentCheck.version(request.version)
        let allowed = request.credentialIDs ?? []
        guard allowed.count <= 64 else { throw ServiceError(.badRequest, "credential_ids holds at most 64 ids") }
        var ids: [[UInt8]] = []
        for text in allowed {
            guard let id = try? Base64URL.decode(text),
                (1...RegistrationVerifier.maximumCredentialIDLength).contains(id.count)
            else { throw ServiceError(.badRequest, "credential_ids must be base64url credential ids") }
            ids.append(id)
        }
        await purgeIfDue()
        let challenge = try await newChallenge(.login, accountID: nil, userHandle: nil, client: client)
        let options = try await mapped {
            try CeremonyOptions.request(
                party: settings.relyingParty, challenge: challenge.challenge, credentialIDs: ids)
        }
        return LoginBeginResponse(challengeID: challenge.id, options: options)
    }

    /// `POST /v1/accounts/login/finish`: verifies the assertion against the stored credential and
    /// answers with a session and that credential's wrapped root key.
    public func loginFinish(_ request: LoginFinishRequest, client: String?) async throws -> SessionResponse {
        try EnrollmentCheck.version(request.version)
        let response = request.credential
        let credentialID = try Self.credentialID(of: response)
        let keys = limitKeys(credential: response.rawId, client: client)
        try checkRate(keys)
        return try await countingFailures(keys) {
            let challenge = try await takeChallenge(request.challengeID, .login)
            let (stored, regressed) = try await verifiedAssertion(
                response, id: credentialID, challenge: challenge.challenge)
            logger.info(
                "passkey login",
                metadata: ["account": "\(Self.short(stored.accountID))", "credential": "\(Self.short(credentialID))"])
            return SessionResponse(
                session: try await issueSession(stored.accountID, credentialID: credentialID),
                wrappedRootKey: Base64Bytes(stored.wrappedRootKey), passkeyKind: stored.kind,
                signCountRegressed: regressed)
        }
    }

    // MARK: Shared steps

    /// The credential id an assertion names, after its shape checks.
    static func credentialID(of response: WebAuthnJSON.AuthenticationResponse) throws -> [UInt8] {
        guard response.type == "public-key" else {
            throw ServiceError(.badRequest, "credential.type must be \"public-key\"")
        }
        guard let credentialID = try? Base64URL.decode(response.rawId), !credentialID.isEmpty else {
            throw ServiceError(.badRequest, "credential.rawId must be a base64url credential id")
        }
        return credentialID
    }

    /// Verifies an assertion (a login's or a confirmation's) by the stored credential `id` over
    /// `challenge`, and stores its new signature counter.
    /// - Returns: the credential, and whether its counter went backwards (logged, not refused).
    func verifiedAssertion(
        _ response: WebAuthnJSON.AuthenticationResponse, id credentialID: [UInt8], challenge: [UInt8]
    ) async throws -> (StoredCredential, regressed: Bool) {
        guard (try? Base64URL.decode(response.id)) == credentialID else {
            throw ServiceError(.verify, "the assertion did not verify: credential.id and credential.rawId differ")
        }
        guard let stored = try await store.credential(id: credentialID) else {
            throw ServiceError(
                .unknownCredential,
                "no account has this passkey (it was removed, or registered with another server): register or use another passkey"
            )
        }
        if let handle = response.response.userHandle, !handle.isEmpty {
            let account = try await store.account(stored.accountID)
            guard let bytes = try? Base64URL.decode(handle), let account, bytes == account.userHandle else {
                throw ServiceError(
                    .verify, "the assertion did not verify: its user handle is not the passkey's account")
            }
        }
        let publicKey = try await mapped { try COSEKey(cbor: stored.publicKey) }
        let verified: VerifiedAuthentication
        do throws(WebAuthnError) {
            verified = try AuthenticationVerifier(
                relyingParty: settings.relyingParty, requireUserVerification: true
            )
            .verify(
                clientDataJSON: try Base64URL.decode(response.response.clientDataJSON, field: "clientDataJSON"),
                authenticatorData: try Base64URL.decode(
                    response.response.authenticatorData, field: "authenticatorData"),
                signature: try Base64URL.decode(response.response.signature, field: "signature"),
                challenge: challenge, publicKey: publicKey, storedSignCount: stored.signCount)
        } catch {
            throw ServiceError(.verify, "the assertion did not verify: \(error.message) (\(error.code.rawValue))")
        }
        let regressed = verified.signCountCheck == .regressed
        // A regressed counter keeps the higher stored value, so a clone stays flagged.
        let newCount = verified.signCountCheck == .advanced ? verified.signCount : stored.signCount
        try await store.recordUse(ofCredential: credentialID, signCount: newCount, at: settings.now())
        if regressed {
            logger.warning(
                "passkey signature counter went backwards: possible clone",
                metadata: [
                    "account": "\(Self.short(stored.accountID))", "credential": "\(Self.short(credentialID))",
                    "stored": "\(stored.signCount)", "received": "\(verified.signCount)",
                ])
        }
        return (stored, regressed)
    }

    /// Checks a registration (new account or added passkey): UV, ES256 or EdDSA, `none` or `packed`.
    func verifyRegistration(
        _ response: WebAuthnJSON.RegistrationResponse, challenge: [UInt8]
    ) throws
        -> VerifiedRegistration
    {
        let verifier = RegistrationVerifier(
            relyingParty: settings.relyingParty, requireUserVerification: true,
            allowedAlgorithms: CeremonyOptions.algorithms)
        do throws(WebAuthnError) {
            let id = try Base64URL.decode(response.id, field: "credential.id")
            let rawID = try Base64URL.decode(response.rawId, field: "credential.rawId")
            let verified = try verifier.verify(
                clientDataJSON: try Base64URL.decode(response.response.clientDataJSON, field: "clientDataJSON"),
                attestationObject: try Base64URL.decode(
                    response.response.attestationObject, field: "attestationObject"),
                challenge: challenge, at: settings.now())
            guard id == rawID, id == verified.credentialID else {
                throw WebAuthnError(
                    .credentialIDMismatch,
                    "credential.id and rawId must both equal the authenticator data's credential id")
            }
            return verified
        } catch {
            throw ServiceError(
                .verify, "the passkey registration did not verify: \(error.message) (\(error.code.rawValue))")
        }
    }

    func storedCredential(
        _ verified: VerifiedRegistration, _ passkey: PasskeyEnrollment, accountID: AccountID, now: Date
    ) -> StoredCredential {
        StoredCredential(
            id: verified.credentialID, accountID: accountID, publicKey: verified.publicKey.encoded,
            signCount: verified.signCount, kind: passkey.kind, name: passkey.name,
            wrappedRootKey: passkey.wrappedRootKey.bytes, createdAt: now, lastUsedAt: nil)
    }

    /// Draws, stores and returns a challenge for `purpose`, within `client`'s and the
    /// server's bound on outstanding challenges (`ChallengeQuota`).
    /// - Throws: `SOTTO-AUTH-RATE-LIMITED` when the bound is reached.
    func newChallenge(
        _ purpose: StoredChallenge.Purpose, accountID: AccountID?, userHandle: [UInt8]?, client: String? = nil
    ) async throws
        -> StoredChallenge
    {
        let now = settings.now()
        let challenge = StoredChallenge(
            id: Base64URL.encode(settings.random(16)), purpose: purpose, challenge: settings.random(32),
            accountID: accountID, userHandle: userHandle, expiresAt: now.addingTimeInterval(settings.challengeLifetime))
        try reserveChallenge(challenge, client: client, now: now)
        do {
            try await mapped { try await store.insertChallenge(challenge) }
        } catch {
            challengeQuota.release(id: challenge.id)
            throw error
        }
        return challenge
    }

    /// Takes (deletes) the challenge and checks it is for `purpose`.
    func takeChallenge(_ id: String, _ purpose: StoredChallenge.Purpose) async throws -> StoredChallenge {
        if !id.isEmpty { challengeQuota.release(id: id) }
        guard !id.isEmpty, id.utf8.count <= 64,
            let challenge = try await mapped({ try await store.takeChallenge(id: id, now: settings.now()) })
        else {
            throw ServiceError(
                .challenge, "the challenge is unknown, already used or expired: begin the ceremony again")
        }
        guard challenge.purpose == purpose else {
            throw ServiceError(
                .challenge, "the challenge was issued for another ceremony (\(challenge.purpose.rawValue)): begin again"
            )
        }
        return challenge
    }

    /// A new session for `accountID`, opened by `credentialID` (nil: the recovery key).
    func issueSession(_ accountID: AccountID, credentialID: [UInt8]?) async throws -> SessionGrant {
        let (stored, grant) = newSession(accountID, credentialID: credentialID)
        try await mapped { try await store.insertSession(stored) }
        return grant
    }

    /// A new session's stored form and its grant, not yet stored.
    func newSession(_ accountID: AccountID, credentialID: [UInt8]?) -> (StoredSession, SessionGrant) {
        let token = settings.random(SessionToken.byteCount)
        let now = settings.now()
        let expires = now.addingTimeInterval(settings.sessionLifetime)
        let stored = StoredSession(
            tokenHash: SessionToken.hash(token), accountID: accountID, credentialID: credentialID, createdAt: now,
            expiresAt: expires)
        let grant = SessionGrant(
            accountID: accountID, token: Base64URL.encode(token), expiresAt: Int64(expires.timeIntervalSince1970),
            credentialID: credentialID.map { Base64URL.encode($0) })
        return (stored, grant)
    }

    // MARK: Failures and rate limits

    /// The rate-limit keys of a ceremony on a credential (or recovery key): see `failureKeys`.
    func limitKeys(credential: String?, client: String?, prefix: String = "credential") -> [String] {
        let subject = credential.flatMap { try? Base64URL.decode($0) }.flatMap { bytes in
            bytes.isEmpty ? nil : "\(prefix):\(Base64URL.encode(bytes))"
        }
        return failureKeys(subject: subject, client: client)
    }

    /// The client's address, and the subject (a credential, recovery key or account) as tried
    /// from that address. Never the subject alone when the address is known: failures from one
    /// address must not lock the subject's owner out everywhere else.
    func failureKeys(subject: String?, client: String?) -> [String] {
        guard let client, !client.isEmpty else { return subject.map { [$0] } ?? [] }
        return ["address:\(client)"] + (subject.map { ["\($0)@\(client)"] } ?? [])
    }

    /// - Throws: `SOTTO-AUTH-RATE-LIMITED` when any key is over the limit.
    func checkRate(_ keys: [String]) throws {
        if let wait = limiter.retryAfter(keys, now: settings.now()) {
            throw ServiceError(
                .rateLimited, "too many failed attempts: wait \(wait) seconds and try again", retryAfterSeconds: wait)
        }
    }

    /// Runs a ceremony's finish; a refusal the caller caused counts against `keys`.
    func countingFailures<T>(_ keys: [String], _ body: () async throws -> T) async throws -> T {
        do {
            return try await mapped(body)
        } catch let error as ServiceError {
            if (400..<500).contains(error.status) && error.status != 429 {
                limiter.recordFailure(keys, now: settings.now())
                logger.notice("ceremony refused", metadata: ["code": "\(error.code)"])
            }
            throw error
        }
    }

    /// Runs `body`, turning store and other errors into `ServiceError`s.
    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw serviceError(error)
        }
    }

    /// `error` as the `ServiceError` the caller gets: store failures keep their code.
    func serviceError(_ error: any Error) -> ServiceError {
        if let error = error as? ServiceError { return error }
        if let error = error as? StoreError {
            logger.error("store failed", metadata: ["code": "\(error.code.rawValue)"])
            return ServiceError(store: error)
        }
        logger.error("account service failed", metadata: ["error": "\(type(of: error))"])
        return ServiceError.unavailable()
    }

    /// Purges expired challenges, sessions and failure counts, at most every `purgeInterval`.
    func purgeIfDue() async {
        let now = settings.now()
        let due = lastPurge.withLock { last -> Bool in
            guard last.map({ now.timeIntervalSince($0) >= settings.purgeInterval }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        limiter.purge(now: now)
        do {
            try await store.purgeExpired(now: now)
        } catch {
            logger.warning("purging expired challenges and sessions failed", metadata: ["error": "\(type(of: error))"])
        }
    }

    /// The first 8 characters of an id, enough to follow it through logs.
    static func short(_ id: AccountID) -> String { String(id.rawValue.prefix(8)) }
    static func short(_ bytes: [UInt8]) -> String { Hex.encode(bytes.prefix(4)) }
}
