import Foundation
import Wire

/// Root key rotation (docs/PROTOCOL.md §5.8). The server never sees a root key: it keeps the
/// new one wrapped for the rotating passkey while the client seals the records again, then
/// swaps every wrapped copy, the recovery enrollment and the sessions in one transaction. Both
/// steps are confirmed (`ConfirmedOperation.rotateKeys`, over the digest of the request).
extension AccountService {
    /// Most passkeys a rotation keeps.
    static let maximumRotationPasskeys = 64

    /// `POST /v1/account/keys/rotation/begin`: stores the new root for the rotating passkey,
    /// unless that passkey began a rotation already (its root is answered, to continue with).
    /// - Throws: `SOTTO-AUTH-ROTATION` when another passkey's rotation is unfinished.
    public func beginKeyRotation(
        _ request: KeyRotationBeginRequest, session: AuthenticatedSession, client: String? = nil
    ) async throws
        -> KeyRotationBeginResponse
    {
        try EnrollmentCheck.version(request.version)
        try EnrollmentCheck.wrappedKey(request.wrappedRootKey, field: "wrapped_root_key")
        let credentialID = try Self.credentialID(request.credentialID, field: "credential_id")
        // A stolen session token alone must not plant a root that the rotating passkey then
        // cannot open, and so block the rotation meant to shut that token's holder out.
        try await requireConfirmation(
            request.confirmation, of: .rotateKeys(requestDigest: request.digest), session: session, client: client)
        let rotation: StoredKeyRotation
        do {
            rotation = try await store.beginKeyRotation(
                StoredKeyRotation(
                    accountID: session.accountID, credentialID: credentialID,
                    wrappedRootKey: request.wrappedRootKey.bytes, startedAt: settings.now()))
        } catch let error as StoreError where error.code == .notFound {
            throw ServiceError(.unknownCredential, "the account has no passkey with this credential id")
        } catch {
            throw serviceError(error)
        }
        guard rotation.credentialID == credentialID else {
            throw ServiceError(
                .rotation,
                "a root key rotation begun with another passkey (\(Base64URL.encode(rotation.credentialID).prefix(12))…) is unfinished: finish it with that passkey"
            )
        }
        logger.info(
            "key rotation begun",
            metadata: ["account": "\(Self.short(session.accountID))", "credential": "\(Self.short(credentialID))"])
        return KeyRotationBeginResponse(
            credentialID: Base64URL.encode(rotation.credentialID), wrappedRootKey: Base64Bytes(rotation.wrappedRootKey),
            startedAt: Int64(rotation.startedAt.timeIntervalSince1970))
    }

    /// `POST /v1/account/keys/rotation/finish`: the kept passkeys get the new root, the others
    /// are removed, the recovery enrollment is replaced, every session of the account is revoked
    /// and one new session is answered, for the rotating passkey: all at once, and only if the
    /// account's records did not change since `last_sequence`.
    /// - Throws: `SOTTO-AUTH-ROTATION-STALE` when they did (nothing changed); `SOTTO-AUTH-ROTATION`
    ///   without a rotation under way; `SOTTO-AUTH-BAD-REQUEST` when the rotating passkey is not kept.
    public func finishKeyRotation(
        _ request: KeyRotationFinishRequest, session: AuthenticatedSession, client: String? = nil
    ) async throws
        -> SessionResponse
    {
        try EnrollmentCheck.version(request.version)
        try EnrollmentCheck.check(request.recovery)
        guard (1...Self.maximumRotationPasskeys).contains(request.passkeys.count) else {
            throw ServiceError(.badRequest, "passkeys lists 1 to \(Self.maximumRotationPasskeys) passkeys to keep")
        }
        var kept: [RewrappedCredential] = []
        for passkey in request.passkeys {
            try EnrollmentCheck.wrappedKey(passkey.wrappedRootKey, field: "passkeys.wrapped_root_key")
            let id = try Self.credentialID(passkey.credentialID, field: "passkeys.credential_id")
            guard !kept.contains(where: { $0.id == id }) else {
                throw ServiceError(.badRequest, "passkeys names a passkey twice")
            }
            kept.append(RewrappedCredential(id: id, wrappedRootKey: passkey.wrappedRootKey.bytes))
        }
        try await requireConfirmation(
            request.confirmation, of: .rotateKeys(requestDigest: request.digest), session: session, client: client)
        let account = session.accountID
        guard let rotation = try await mapped({ try await store.keyRotation(of: account) }) else {
            throw ServiceError(.rotation, "no root key rotation was begun for this account: begin one first")
        }
        guard let rotating = kept.first(where: { $0.id == rotation.credentialID }) else {
            throw ServiceError(.badRequest, "passkeys must keep the passkey that began the rotation")
        }
        let (fresh, grant) = newSession(account, credentialID: rotation.credentialID)
        let removed: [[UInt8]]
        do {
            removed = try await store.replaceRootKey(
                RootKeyReplacement(
                    accountID: account, passkeys: kept,
                    recovery: StoredRecovery(
                        accountID: account, keyID: request.recovery.keyID.bytes,
                        wrappedRootKey: request.recovery.wrappedRootKey.bytes,
                        authPublicKey: request.recovery.authPublicKey.bytes, updatedAt: settings.now()),
                    lastSequence: request.lastSequence, session: fresh))
        } catch let error as StoreError {
            switch error.code {
            case .stale:
                throw ServiceError(
                    .rotationStale,
                    "the account's records changed since sequence \(request.lastSequence): pull, seal them again and finish again"
                )
            case .notFound:
                throw ServiceError(
                    .rotation, "the rotation finished meanwhile, or a kept passkey is not the account's: begin again")
            case .lastCredential: throw ServiceError(.lastPasskey, "an account keeps at least one passkey")
            case .duplicate: throw ServiceError(.duplicate, "this recovery key is already enrolled: generate a new one")
            default: throw serviceError(error)
            }
        } catch {
            throw serviceError(error)
        }
        let kind = try await mapped { try await store.credential(id: rotation.credentialID)?.kind }
        logger.info(
            "key rotation finished",
            metadata: [
                "account": "\(Self.short(account))", "kept": "\(kept.count)", "removed": "\(removed.count)",
            ])
        return SessionResponse(session: grant, wrappedRootKey: Base64Bytes(rotating.wrappedRootKey), passkeyKind: kind)
    }

    /// A credential id in base64url, as a request field.
    static func credentialID(_ text: String, field: String) throws -> [UInt8] {
        guard let id = try? Base64URL.decode(text),
            (1...RegistrationVerifier.maximumCredentialIDLength).contains(id.count)
        else { throw ServiceError(.badRequest, "\(field) must be a base64url credential id") }
        return id
    }
}
