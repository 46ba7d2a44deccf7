import Foundation
import Wire

/// What a session may do: prove itself, end, and look at and change its account (§5.3, §5.5).
extension AccountService {
    /// The live session named by `authorization` (`Bearer <token>`).
    public func authenticate(authorization: String?) async throws -> AuthenticatedSession {
        guard let token = SessionToken.bytes(fromAuthorization: authorization) else {
            throw ServiceError(.session, "send the session as Authorization: Bearer <token>; log in to get one")
        }
        let hash = SessionToken.hash(token)
        guard let session = try await mapped({ try await store.session(tokenHash: hash, now: settings.now()) }) else {
            throw ServiceError(.session, "the session expired or was revoked: log in again")
        }
        return AuthenticatedSession(
            accountID: session.accountID, credentialID: session.credentialID, expiresAt: session.expiresAt,
            tokenHash: hash)
    }

    /// `POST /v1/account/logout`: revokes the calling session.
    public func logout(_ session: AuthenticatedSession) async throws {
        try await mapped { try await store.deleteSession(tokenHash: session.tokenHash) }
        logger.info("logout", metadata: ["account": "\(Self.short(session.accountID))"])
    }

    /// `POST /v1/account/logout/everywhere`: revokes every session of the account, the calling one too.
    public func logoutEverywhere(_ session: AuthenticatedSession) async throws {
        try await mapped { try await store.deleteSessions(of: session.accountID) }
        logger.info("logout everywhere", metadata: ["account": "\(Self.short(session.accountID))"])
    }

    /// `GET /v1/account`.
    public func summary(_ session: AuthenticatedSession) async throws -> AccountSummary {
        try await mapped {
            let credentials = try await store.credentials(of: session.accountID)
            let recovery = try await store.recovery(of: session.accountID)
            return AccountSummary(
                accountID: session.accountID,
                passkeys: credentials.map {
                    PasskeySummary(
                        credentialID: Base64URL.encode($0.id), kind: $0.kind, name: $0.name,
                        createdAt: Int64($0.createdAt.timeIntervalSince1970),
                        lastUsedAt: $0.lastUsedAt.map { Int64($0.timeIntervalSince1970) }, signCount: $0.signCount)
                },
                recoveryUpdatedAt: recovery.map { Int64($0.updatedAt.timeIntervalSince1970) },
                sessionCredentialID: session.credentialID.map { Base64URL.encode($0) })
        }
    }

    /// `POST /v1/account/passkeys/begin`: creation options for the account's user handle.
    public func addPasskeyBegin(
        _ session: AuthenticatedSession, client: String? = nil
    ) async throws
        -> RegistrationBeginResponse
    {
        await purgeIfDue()
        guard let account = try await mapped({ try await store.account(session.accountID) }) else {
            throw ServiceError(.session, "the session's account no longer exists: log in again")
        }
        let challenge = try await newChallenge(
            .addPasskey, accountID: account.id, userHandle: account.userHandle, client: client)
        let options = try await mapped {
            try CeremonyOptions.creation(
                party: settings.relyingParty, partyName: settings.relyingPartyName, accountID: account.id,
                userHandle: account.userHandle, challenge: challenge.challenge)
        }
        return RegistrationBeginResponse(challengeID: challenge.id, accountID: account.id, options: options)
    }

    /// `POST /v1/account/passkeys/finish`: verifies and adds another passkey; answers with the
    /// account as it now is.
    public func addPasskeyFinish(
        _ request: PasskeyAddRequest, session: AuthenticatedSession, client: String?
    )
        async throws -> AccountSummary
    {
        try EnrollmentCheck.version(request.version)
        try EnrollmentCheck.check(request.passkey)
        guard let newCredentialID = try? Base64URL.decode(request.passkey.credential.rawId), !newCredentialID.isEmpty
        else {
            throw ServiceError(.badRequest, "passkey.credential.rawId must be a base64url credential id")
        }
        try await requireConfirmation(
            request.confirmation,
            of: .addPasskey(registrationChallengeID: request.challengeID, credentialID: newCredentialID),
            session: session, client: client)
        let keys = limitKeys(credential: request.passkey.credential.rawId, client: client)
        try checkRate(keys)
        try await countingFailures(keys) {
            let challenge = try await takeChallenge(request.challengeID, .addPasskey)
            guard challenge.accountID == session.accountID else {
                throw ServiceError(.challenge, "the challenge was issued to another account: begin again")
            }
            let verified = try verifyRegistration(request.passkey.credential, challenge: challenge.challenge)
            do {
                try await store.addCredential(
                    storedCredential(verified, request.passkey, accountID: session.accountID, now: settings.now()))
            } catch let error as StoreError where error.code == .duplicate {
                throw ServiceError(.duplicate, "this passkey is already registered (here or to another account)")
            } catch let error as StoreError where error.code == .notFound {
                throw ServiceError(.session, "the session's account no longer exists: log in again")
            }
            logger.info(
                "passkey added",
                metadata: [
                    "account": "\(Self.short(session.accountID))", "credential": "\(Self.short(verified.credentialID))",
                ])
        }
        return try await summary(session)
    }

    /// `DELETE /v1/account/passkeys/<id>`: removes a passkey (never the last) and revokes the
    /// sessions it opened, once the removal is confirmed; answers with the account as it now is.
    public func removePasskey(
        _ credentialID: String, request: PasskeyRemoveRequest, session: AuthenticatedSession, client: String? = nil
    ) async throws -> AccountSummary {
        try EnrollmentCheck.version(request.version)
        guard let id = try? Base64URL.decode(credentialID), !id.isEmpty else {
            throw ServiceError(.badRequest, "the passkey is named by its credential id in base64url")
        }
        try await requireConfirmation(
            request.confirmation, of: .removePasskey(credentialID: id), session: session, client: client)
        do {
            try await store.removeCredential(id: id, of: session.accountID)
        } catch let error as StoreError where error.code == .lastCredential {
            throw ServiceError(
                .lastPasskey, "an account keeps at least one passkey: add another before removing this one")
        } catch let error as StoreError where error.code == .notFound {
            throw ServiceError(.unknownCredential, "the account has no passkey with this credential id")
        } catch {
            throw serviceError(error)
        }
        logger.info(
            "passkey removed",
            metadata: ["account": "\(Self.short(session.accountID))", "credential": "\(Self.short(id))"])
        return try await summary(session)
    }

    /// `PUT /v1/account/recovery`: replaces the recovery enrollment, once the replacement is
    /// confirmed; answers with the account.
    public func rotateRecovery(
        _ request: RecoveryRotateRequest, session: AuthenticatedSession, client: String? = nil
    ) async throws
        -> AccountSummary
    {
        try EnrollmentCheck.version(request.version)
        try EnrollmentCheck.check(request.recovery)
        try await requireConfirmation(
            request.confirmation, of: .replaceRecovery(request.recovery), session: session, client: client)
        do {
            try await store.setRecovery(
                StoredRecovery(
                    accountID: session.accountID, keyID: request.recovery.keyID.bytes,
                    wrappedRootKey: request.recovery.wrappedRootKey.bytes,
                    authPublicKey: request.recovery.authPublicKey.bytes, updatedAt: settings.now()))
        } catch let error as StoreError where error.code == .duplicate {
            throw ServiceError(.duplicate, "this recovery key is already enrolled: generate a new one")
        } catch let error as StoreError where error.code == .notFound {
            throw ServiceError(.session, "the session's account no longer exists: log in again")
        } catch {
            throw serviceError(error)
        }
        logger.info("recovery key rotated", metadata: ["account": "\(Self.short(session.accountID))"])
        return try await summary(session)
    }
}
