import Wire

/// Sensitive changes (adding or removing a passkey, replacing the recovery enrollment) carry a
/// fresh confirmation bound to the change (docs/PROTOCOL.md §5.7), so the session token alone
/// cannot make them.
extension AccountSession {
    /// Who confirms a change: one of the account's passkeys (this device's, normally), or the
    /// recovery key while recovering.
    public enum Confirmer: Sendable {
        /// A passkey of the account, known by its credential id (base64url).
        case passkey(any Authenticator, credentialID: String)
        /// The account's current recovery key.
        case recoveryKey(RecoveryKey)
    }

    /// The authenticator of this device's own passkey, made once so one unlock and the
    /// confirmation that follows read a software passkey's passphrase once.
    /// - Throws: `AccountError` `.notRegistered`; what `authenticatorFor` throws.
    public func deviceAuthenticator() throws -> any Authenticator {
        try authenticatorFor(try requireState().passkey)
    }

    /// This device's passkey as a confirmer: `authenticator` when given, else a new one.
    func deviceConfirmer(_ state: AccountState, _ authenticator: (any Authenticator)?) throws -> Confirmer {
        .passkey(try authenticator ?? authenticatorFor(state.passkey), credentialID: state.passkey.credentialID)
    }

    /// Confirms `operation`: asks the server for its challenge, checks the challenge is the one
    /// derived from `operation` (so nothing else is signed), and signs it with `confirmer`.
    /// - Throws: `AccountError` `.malformedResponse` when the server's challenge is not this
    ///   operation's, `.relyingPartyMismatch`; `PasskeyError`, `AccountAPIError`, `NetError`.
    func confirm(
        _ operation: ConfirmedOperation, by confirmer: Confirmer, api: AccountAPI, token: String,
        accountID: AccountID, pinnedRP: String?
    ) async throws -> AccountConfirmation {
        let begin = try await api.confirmBegin(operation, token: token)
        let challenge = operation.challenge(accountID: accountID, nonce: begin.nonce.bytes)
        guard begin.nonce.bytes.count >= 16, (try? CeremonyData.challenge(begin.options.challenge)) == challenge else {
            throw AccountError(
                .malformedResponse,
                "the server asked to confirm something other than \(operation.name); nothing was signed")
        }
        switch confirmer {
        case .recoveryKey(let recoveryKey):
            let signature = try RecoveryAuthKey(recoveryKey: recoveryKey).signConfirmation(challenge: challenge)
            return AccountConfirmation(challengeID: begin.challengeID, recoverySignature: Base64Bytes(signature))
        case .passkey(let authenticator, let credentialID):
            guard let id = try? Base64URL.decode(credentialID, field: "credential id") else {
                throw AccountError(.stateCorrupt, "the account file names a malformed credential id")
            }
            let rpID = try checkedRPID(begin.options.rpId, server: api.serverURL, pinned: pinnedRP)
            let clientData = CeremonyData.clientDataJSON(
                type: .get, challenge: challenge, origin: try Self.origin(of: api.serverURL))
            let assertion = try await Self.getAssertion(
                authenticator,
                AssertionRequest(
                    rpID: rpID, clientDataHash: HashFunction.sha256.hash(clientData), allowedCredentialIDs: [id]))
            return AccountConfirmation(
                challengeID: begin.challengeID,
                credential: try CeremonyData.authenticationResponse(assertion, clientDataJSON: clientData))
        }
    }
}
