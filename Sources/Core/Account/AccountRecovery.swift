import Wire

extension AccountSession {
    /// Opens the account with its recovery key and registers `newAuthenticator` as this device's
    /// passkey (with the recovery session), so the device unlocks with it from now on.
    /// - Throws: `AccountError` `.recoveryKeyRejected` when the server or the key's wrapped copy
    ///   refuses the key, `.accountMismatch`; `AccountAPIError`, `PasskeyError`, `NetError`.
    public func recover(
        recoveryKey: RecoveryKey, newAuthenticator: any Authenticator, name: String? = nil
    )
        async throws -> Unlocked
    {
        let existing = try file.load()
        let server = try resolveServer(existing)
        let api = AccountAPI(serverURL: server, transport: transport)
        let kek = try KeyEncryptionKey(recoveryKey: recoveryKey)
        let begin: RecoveryBeginResponse
        do {
            begin = try await api.recoverBegin(keyID: kek.id)
        } catch let error as AccountAPIError where Self.isRecoveryRefusal(error) {
            throw Self.recoveryRefused
        }
        if let existing, existing.accountID != begin.accountID {
            throw AccountError(
                .accountMismatch,
                "this recovery key is for another account than this data folder's (\(existing.accountID)); run `sotto logout` first or pass another --data-dir"
            )
        }
        let signature = try RecoveryAuthKey(recoveryKey: recoveryKey).signRecovery(
            accountID: begin.accountID, challenge: begin.challenge.bytes)
        let response: SessionResponse
        do {
            response = try await api.recoverFinish(
                RecoveryFinishRequest(challengeID: begin.challengeID, signature: Base64Bytes(signature)))
        } catch let error as AccountAPIError where Self.isRecoveryRefusal(error) {
            throw Self.recoveryRefused
        }
        guard response.session.accountID == begin.accountID, let copy = response.wrappedRootKey else {
            throw AccountError(.malformedResponse, "the server's recovery answer lacks the account's recovery copy")
        }
        let keys: AccountKeys
        do {
            keys = try AccountKeys.unwrap(
                try WrappedRootKey(serialized: copy.bytes), with: kek, accountID: begin.accountID.rawValue)
        } catch let error as KeyError where error.code == .wrongKey || error.code == .wrappedKeyCorrupt {
            throw AccountError(
                .recoveryKeyRejected, "this recovery key does not open the account's key; check it against your copy")
        }
        let passkey: DevicePasskey
        let rpID: String
        do {
            (passkey, rpID) = try await enrollPasskey(
                newAuthenticator, name: name, keys: keys, api: api, token: response.session.token,
                pinnedRP: existing?.rpID, confirmer: .recoveryKey(recoveryKey))
        } catch let error as AccountError where error.code == .relyingPartyMismatch {
            // Nothing was signed; the recovery session this device will not keep is closed now.
            try? await api.logout(token: response.session.token)
            throw error
        }
        let state = AccountState(
            server: server, rpID: rpID, accountID: begin.accountID, passkey: passkey, session: response.session)
        try file.save(state)
        return Unlocked(keys: keys, state: state, online: true, signCountRegressed: false)
    }

    /// An unknown recovery key id is answered like a wrong signature, at either step.
    static func isRecoveryRefusal(_ error: AccountAPIError) -> Bool {
        error.known == .verify || error.known == .unknownCredential
    }

    static var recoveryRefused: AccountError {
        AccountError(
            .recoveryKeyRejected,
            "the server does not accept this recovery key: it was replaced by a newer one, or it is for another server")
    }

    /// Replaces the recovery enrollment with a new recovery key, confirmed with this device's
    /// passkey (`device`, or one made by the session's factory); the old key stops working.
    /// - Returns: the new recovery key, to show once.
    /// - Throws: `AccountError` `.sessionExpired`; `AccountAPIError`, `PasskeyError`, `NetError`.
    public func rotateRecoveryKey(
        keys: AccountKeys, confirmingWith device: (any Authenticator)? = nil
    ) async throws -> RecoveryKey {
        try await withSession { api, state, session in
            guard keys.accountID == state.accountID.rawValue else {
                throw AccountError(.accountMismatch, "these keys are for another account than this device's")
            }
            let recoveryKey = RecoveryKey.generate()
            let enrollment = try Self.recoveryEnrollment(recoveryKey, keys: keys)
            let confirmation = try await confirm(
                .replaceRecovery(enrollment), by: try deviceConfirmer(state, device), api: api, token: session.token,
                accountID: state.accountID, pinnedRP: state.rpID)
            try await api.replaceRecovery(enrollment, confirmation: confirmation, token: session.token)
            return recoveryKey
        }
    }

    /// Registers `authenticator` with the account under `token`, its KEK wrapping `keys`, the
    /// addition confirmed by `confirmer` once the new credential exists.
    func enrollPasskey(
        _ authenticator: any Authenticator, name: String?, keys: AccountKeys, api: AccountAPI, token: String,
        pinnedRP: String?, confirmer: Confirmer
    ) async throws -> (DevicePasskey, String) {
        let begin = try await api.addPasskeyBegin(token: token)
        guard begin.accountID.rawValue == keys.accountID else {
            throw AccountError(.accountMismatch, "the server offered to add a passkey to another account")
        }
        let rpID = try checkedRPID(begin.options.rp.id, server: api.serverURL, pinned: pinnedRP)
        let (made, clientData) = try await makeCredential(
            authenticator, options: begin.options, rpID: rpID, server: api.serverURL)
        var registered = false
        do {
            let prf = try await localPRF(
                authenticator, rpID: rpID, server: api.serverURL, credentialID: made.credentialID)
            let wrapped = try keys.wrap(under: try KeyEncryptionKey(prfOutput: prf))
            let passkeyName = Self.passkeyName(kind: authenticator.kind, requested: name)
            let accountID = try AccountID(keys.accountID)
            let confirmation = try await confirm(
                .addPasskey(registrationChallengeID: begin.challengeID, credentialID: made.credentialID),
                by: confirmer, api: api, token: token, accountID: accountID, pinnedRP: rpID)
            try await api.addPasskeyFinish(
                PasskeyAddRequest(
                    challengeID: begin.challengeID,
                    passkey: PasskeyEnrollment(
                        credential: try CeremonyData.registrationResponse(made, clientDataJSON: clientData),
                        kind: authenticator.kind.rawValue, name: passkeyName,
                        wrappedRootKey: Base64Bytes(wrapped.serialized)),
                    confirmation: confirmation),
                token: token)
            registered = true
            let passkey = DevicePasskey(
                kind: authenticator.kind, credentialID: Base64URL.encode(made.credentialID), name: passkeyName,
                softwarePasskeyPath: Self.softwarePath(authenticator), wrappedRootKey: Base64Bytes(wrapped.serialized))
            return (passkey, rpID)
        } catch {
            if !registered { Self.discardUnregistered(authenticator) }
            throw error
        }
    }
}
