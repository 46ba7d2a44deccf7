import Foundation
import Wire

/// Sensitive account changes need more than the session token (docs/PROTOCOL.md §5.7): a fresh
/// assertion by one of the account's passkeys, or a signature by its recovery key, over a
/// challenge derived from the exact change (`ConfirmedOperation.challenge`). A stolen token can
/// read the account's summary and sync ciphertext, but cannot add a passkey, remove one or
/// replace the recovery enrollment.
extension AccountService {
    /// `POST /v1/account/confirm/begin`: a nonce for `request.operation`, and request options
    /// whose challenge is that operation's, allowing the account's passkeys.
    public func confirmBegin(
        _ request: ConfirmBeginRequest, session: AuthenticatedSession, client: String? = nil
    ) async throws -> ConfirmBeginResponse {
        try EnrollmentCheck.version(request.version)
        try Self.checkShape(request.operation)
        await purgeIfDue()
        let credentials = try await mapped { try await store.credentials(of: session.accountID) }
        let nonce = try await newChallenge(.confirmation, accountID: session.accountID, userHandle: nil, client: client)
        let options = try await mapped {
            try CeremonyOptions.request(
                party: settings.relyingParty,
                challenge: request.operation.challenge(accountID: session.accountID, nonce: nonce.challenge),
                credentialIDs: credentials.map(\.id))
        }
        return ConfirmBeginResponse(challengeID: nonce.id, nonce: Base64Bytes(nonce.challenge), options: options)
    }

    /// Checks that `confirmation` is a fresh, unused proof of consent to `operation` by the
    /// session's account; takes (spends) its challenge.
    /// - Throws: `SOTTO-AUTH-CONFIRMATION` (403) without one; `SOTTO-AUTH-CHALLENGE` for an
    ///   unknown, used, expired or foreign challenge; `SOTTO-AUTH-VERIFY` when it is not over
    ///   this operation or not by this account. Refusals count as failed ceremonies.
    func requireConfirmation(
        _ confirmation: AccountConfirmation?, of operation: ConfirmedOperation, session: AuthenticatedSession,
        client: String?
    ) async throws {
        guard let confirmation else {
            throw ServiceError(
                .confirmationRequired,
                "\(operation.name) needs a fresh confirmation with one of the account's passkeys (or its recovery key); use a sotto version that asks for it"
            )
        }
        let keys = limitKeys(credential: confirmation.credential?.rawId, client: client, prefix: "confirm")
        try checkRate(keys)
        try await countingFailures(keys) {
            let credentialID = try confirmation.credential.map(Self.credentialID(of:))
            let nonce = try await takeChallenge(confirmation.challengeID, .confirmation)
            guard nonce.accountID == session.accountID else {
                throw ServiceError(.challenge, "the confirmation was begun for another account: begin again")
            }
            let challenge = operation.challenge(accountID: session.accountID, nonce: nonce.challenge)
            switch (confirmation.credential, credentialID, confirmation.recoverySignature) {
            case (let credential?, let id?, nil):
                let (stored, _) = try await verifiedAssertion(credential, id: id, challenge: challenge)
                guard stored.accountID == session.accountID else {
                    throw ServiceError(.verify, "the confirming passkey is not one of this account's")
                }
            case (nil, nil, let signature?):
                let enrollment = try await store.recovery(of: session.accountID)
                let verifies =
                    (try? Ed25519.verify(
                        signature: signature.bytes,
                        message: ConfirmedOperation.recoverySignedMessage(challenge: challenge),
                        publicKey: enrollment?.authPublicKey ?? [])) != nil
                guard verifies else {
                    throw ServiceError(
                        .verify,
                        "the recovery key's confirmation does not verify: use the account's current recovery key")
                }
            default:
                throw ServiceError(.badRequest, "a confirmation carries either credential or recovery_signature")
            }
            logger.info(
                "change confirmed",
                metadata: [
                    "account": "\(Self.short(session.accountID))", "operation": "\(operation.name)",
                    "by": "\(credentialID.map { "passkey \(Self.short($0))" } ?? "recovery key")",
                ])
        }
    }

    /// The operation's fields have the sizes §5.6 allows, before a challenge is drawn for it.
    static func checkShape(_ operation: ConfirmedOperation) throws {
        switch operation {
        case .addPasskey(let challengeID, let credentialID):
            guard !challengeID.isEmpty, challengeID.utf8.count <= 64 else {
                throw ServiceError(.badRequest, "operation.challenge_id must be a challenge id from passkeys/begin")
            }
            try checkCredentialID(credentialID)
        case .removePasskey(let credentialID):
            try checkCredentialID(credentialID)
        case .replaceRecovery(let recovery):
            try EnrollmentCheck.check(recovery)
        case .rotateKeys(let digest):
            guard digest.count == 32 else {
                throw ServiceError(.badRequest, "operation.digest must be the 32-byte digest of the rotation request")
            }
        }
    }

    private static func checkCredentialID(_ id: [UInt8]) throws {
        guard (1...RegistrationVerifier.maximumCredentialIDLength).contains(id.count) else {
            throw ServiceError(.badRequest, "operation.credential_id must be a base64url credential id")
        }
    }
}
