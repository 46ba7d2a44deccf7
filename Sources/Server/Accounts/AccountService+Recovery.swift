import Foundation
import Wire

/// Login with the recovery key (docs/PROTOCOL.md §5.4). An unknown key id is answered with a
/// stand-in account and challenge, and refused at finish after the same lookup and signature
/// check a real one gets, so key ids cannot be probed.
extension AccountService {
    /// `POST /v1/accounts/recover/begin`: the enrollment's account and a challenge to sign.
    public func recoverBegin(_ request: RecoveryBeginRequest, client: String?) async throws -> RecoveryBeginResponse {
        try EnrollmentCheck.version(request.version)
        guard request.keyID.bytes.count == EnrollmentCheck.recoveryKeyIDByteCount else {
            throw ServiceError(.badRequest, "key_id must be \(EnrollmentCheck.recoveryKeyIDByteCount) bytes")
        }
        try checkRate(limitKeys(credential: Base64URL.encode(request.keyID.bytes), client: client, prefix: "recovery"))
        await purgeIfDue()
        let enrollment = try await mapped { try await store.recovery(keyID: request.keyID.bytes) }
        let accountID = enrollment?.accountID ?? decoyAccount(for: request.keyID.bytes)
        let challenge = try await newChallenge(.recovery, accountID: accountID, userHandle: nil, client: client)
        return RecoveryBeginResponse(
            challengeID: challenge.id, accountID: accountID, challenge: Base64Bytes(challenge.challenge))
    }

    /// `POST /v1/accounts/recover/finish`: checks the signature with the enrolled key and answers
    /// with a session (opened by no passkey) and the recovery copy of the root key.
    public func recoverFinish(_ request: RecoveryFinishRequest, client: String?) async throws -> SessionResponse {
        try EnrollmentCheck.version(request.version)
        guard request.signature.bytes.count == Ed25519.signatureByteCount else {
            throw ServiceError(.badRequest, "signature must be a \(Ed25519.signatureByteCount)-byte Ed25519 signature")
        }
        let addressKeys = limitKeys(credential: nil, client: client)
        try checkRate(addressKeys)
        let challenge = try await countingFailures(addressKeys) {
            try await takeChallenge(request.challengeID, .recovery)
        }
        guard let accountID = challenge.accountID else {
            throw ServiceError(.challenge, "the challenge is not for a recovery: begin again")
        }
        let keys = failureKeys(subject: "recovery-account:\(accountID.rawValue)", client: client)
        try checkRate(keys)
        return try await countingFailures(keys) {
            let enrollment = try await store.recovery(of: accountID)
            let message = RecoveryBeginResponse.signedMessage(accountID: accountID, challenge: challenge.challenge)
            let verifies =
                (try? Ed25519.verify(
                    signature: request.signature.bytes, message: message,
                    publicKey: enrollment?.authPublicKey ?? decoyAuthKey)) != nil
            guard verifies, let enrollment else {
                throw ServiceError(
                    .verify,
                    "the recovery signature does not verify: check that this is the account's current recovery key")
            }
            logger.info("recovery-key login", metadata: ["account": "\(Self.short(accountID))"])
            return SessionResponse(
                session: try await issueSession(accountID, credentialID: nil),
                wrappedRootKey: Base64Bytes(enrollment.wrappedRootKey), passkeyKind: nil)
        }
    }

    /// The stand-in account for an unknown key id: stable per key id for this process.
    func decoyAccount(for keyID: [UInt8]) -> AccountID {
        let mac = HMAC.authenticate(.sha256, key: decoySecret, message: keyID)
        // 16 bytes of hex are always a valid id.
        return try! AccountID(Hex.encode(mac.prefix(16)))
    }
}
