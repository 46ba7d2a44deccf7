import Wire

extension AccountSession {
    /// The account as the server sees it: its passkeys and recovery enrollment.
    /// - Throws: `AccountError` `.notRegistered`, `.sessionExpired`; `AccountAPIError`, `NetError`.
    public func summary() async throws -> AccountSummary {
        try await withSession { api, _, session in try await api.account(token: session.token) }
    }

    /// Adds `authenticator` as another passkey of the unlocked account, confirmed with this
    /// device's passkey (`device`, or one made by the session's factory). This device keeps
    /// unlocking with its own passkey.
    /// - Returns: the new passkey.
    /// - Throws: `AccountError` `.sessionExpired`; `AccountAPIError` (`SOTTO-AUTH-DUPLICATE`),
    ///   `PasskeyError`, `NetError`.
    public func addPasskey(
        _ authenticator: any Authenticator, name: String? = nil, keys: AccountKeys,
        confirmingWith device: (any Authenticator)? = nil
    ) async throws
        -> DevicePasskey
    {
        try await withSession { api, state, session in
            try await enrollPasskey(
                authenticator, name: name, keys: keys, api: api, token: session.token, pinnedRP: state.rpID,
                confirmer: try deviceConfirmer(state, device)
            ).0
        }
    }

    /// Removes the passkey whose credential id is `id` or starts with it (at least 6
    /// characters), confirmed with this device's passkey (`device`, or one made by the
    /// session's factory). This device's own passkey is refused: the device would lock itself out.
    /// - Returns: the removed passkey.
    /// - Throws: `AccountError` `.unknownPasskey`, `.ownPasskey`; `AccountAPIError`
    ///   (`SOTTO-AUTH-LAST-PASSKEY`), `PasskeyError`, `NetError`.
    @discardableResult
    public func removePasskey(
        id: String, confirmingWith device: (any Authenticator)? = nil
    ) async throws
        -> PasskeySummary
    {
        try await withSession { api, state, session in
            let passkeys = try await api.account(token: session.token).passkeys
            let target = try Self.resolve(id, among: passkeys)
            guard target.credentialID != state.passkey.credentialID else {
                throw AccountError(
                    .ownPasskey,
                    "\(Self.shortID(target.credentialID)) is the passkey this device unlocks with; remove it from another device, or `sotto logout` here first"
                )
            }
            guard let targetID = try? Base64URL.decode(target.credentialID), !targetID.isEmpty else {
                throw AccountError(.malformedResponse, "the server lists a passkey whose id is not base64url")
            }
            let confirmation = try await confirm(
                .removePasskey(credentialID: targetID), by: try deviceConfirmer(state, device), api: api,
                token: session.token, accountID: state.accountID, pinnedRP: state.rpID)
            try await api.removePasskey(
                credentialID: target.credentialID, confirmation: confirmation, token: session.token)
            return target
        }
    }

    /// The passkey `id` names: an exact credential id or an unambiguous prefix of one.
    static func resolve(_ id: String, among passkeys: [PasskeySummary]) throws -> PasskeySummary {
        if let exact = passkeys.first(where: { $0.credentialID == id }) { return exact }
        guard id.count >= 6 else {
            throw AccountError(
                .unknownPasskey, "give at least 6 characters of the passkey id (see `sotto passkeys list`)")
        }
        let matches = passkeys.filter { $0.credentialID.hasPrefix(id) }
        guard matches.count == 1 else {
            throw AccountError(
                .unknownPasskey,
                matches.isEmpty
                    ? "the account has no passkey with id \(id); see `sotto passkeys list`"
                    : "\(matches.count) passkeys have ids starting with \(id); give more characters")
        }
        return matches[0]
    }

    /// The first 12 characters of a credential id, as lists show it.
    public static func shortID(_ credentialID: String) -> String {
        credentialID.count > 12 ? String(credentialID.prefix(12)) + "…" : credentialID
    }
}
