import Foundation
import Wire

/// This device's account: registering, logging in, unlocking, and the calls that need a
/// session. State lives in the data folder (`AccountStateFile`); keys only in memory.
///
/// Every ceremony asks the authenticator for the PRF of `KeyHierarchy.rootPRFInput` in the same
/// assertion that signs, so a login or an unlock costs one touch (or one passphrase).
public struct AccountSession: Sendable {
    /// Makes the authenticator of the device's passkey when an unlock needs it (for a software
    /// passkey, this is when its passphrase is read).
    public typealias AuthenticatorFactory = @Sendable (DevicePasskey) throws -> any Authenticator

    /// The device's state file.
    public let file: AccountStateFile
    let requestedServer: String?
    let transport: any HTTPTransport
    let clock: @Sendable () -> Date
    let authenticatorFor: AuthenticatorFactory
    /// config.toml: a parent RP ID the user confirmed for its server.
    let configuration: ClientConfiguration

    /// - Parameters:
    ///   - dataFolder: the device's data folder (one folder = one device).
    ///   - server: the server named by the user, if any; a registered folder remembers its own.
    ///   - configuration: config.toml, whose `rp_id` lets its server use that parent domain.
    ///   - authenticatorFor: the authenticator of the device's passkey, for `unlock`.
    public init(
        dataFolder: String, server: String?, transport: any HTTPTransport = CurlHTTPClient(),
        configuration: ClientConfiguration = ClientConfiguration(),
        clock: @escaping @Sendable () -> Date = { Date() },
        authenticatorFor: @escaping AuthenticatorFactory
    ) {
        self.file = AccountStateFile(dataFolder: dataFolder)
        self.requestedServer = server.map(Self.normalized)
        self.transport = transport
        self.configuration = configuration
        self.clock = clock
        self.authenticatorFor = authenticatorFor
    }

    /// The label a passkey is registered under: software passkeys are always "software passkey".
    public static func passkeyName(kind: PasskeyKind, requested: String?) -> String {
        switch kind {
        case .softwarePasskey: PasskeyKind.softwarePasskey.label
        case .securityKey: requested.flatMap { $0.isEmpty ? nil : $0 } ?? PasskeyKind.securityKey.label
        }
    }

    /// The device's state, or nil before registration or login.
    public func state() throws -> AccountState? { try file.load() }

    /// The bearer token of the device's live session, for other session calls (sync).
    /// - Throws: `AccountError` `.notRegistered`, `.sessionExpired` (log in or unlock again).
    public func sessionToken() throws -> String { try requireSession().1.token }

    /// The server the next call goes to: the folder's own, else the one named.
    /// - Throws: `AccountError` `.serverMissing`, `.serverMismatch`, or the state file's errors.
    public func serverURL() throws -> String { try resolveServer(try file.load()) }

    // MARK: Register and log in

    /// Creates an account with `authenticator` as its first passkey, and a recovery key.
    /// - Returns: the unlocked keys and the recovery key, to show once.
    /// - Throws: `AccountError` (`.alreadyRegistered`, `.serverMissing`, …), `AccountAPIError`,
    ///   `PasskeyError`, `NetError`.
    public func register(authenticator: any Authenticator, name: String? = nil) async throws -> Registration {
        if let existing = try file.load() {
            throw AccountError(
                .alreadyRegistered,
                "this data folder already holds account \(existing.accountID) on \(existing.server); use `sotto login`, or pass another --data-dir for a new account"
            )
        }
        let server = try resolveServer(nil)
        let api = AccountAPI(serverURL: server, transport: transport)
        let begin = try await api.registerBegin()
        let rpID = try checkedRPID(begin.options.rp.id, server: server, pinned: nil)
        let (made, clientData) = try await makeCredential(
            authenticator, options: begin.options, rpID: rpID, server: server)
        var registered = false
        do {
            let prf = try await localPRF(authenticator, rpID: rpID, server: server, credentialID: made.credentialID)
            let keys = try AccountKeys.generate(accountID: begin.accountID.rawValue)
            let wrapped = try keys.wrap(under: try KeyEncryptionKey(prfOutput: prf))
            let recoveryKey = RecoveryKey.generate()
            let passkeyName = Self.passkeyName(kind: authenticator.kind, requested: name)
            let enrollment = PasskeyEnrollment(
                credential: try CeremonyData.registrationResponse(made, clientDataJSON: clientData),
                kind: authenticator.kind.rawValue, name: passkeyName, wrappedRootKey: Base64Bytes(wrapped.serialized))
            let response = try await api.registerFinish(
                RegistrationFinishRequest(
                    challengeID: begin.challengeID, passkey: enrollment,
                    recovery: try Self.recoveryEnrollment(recoveryKey, keys: keys)))
            registered = true
            guard response.session.accountID == begin.accountID else {
                throw AccountError(
                    .malformedResponse, "the server opened a session for another account than it created")
            }
            let state = AccountState(
                server: server, rpID: rpID, accountID: begin.accountID,
                passkey: DevicePasskey(
                    kind: authenticator.kind, credentialID: Base64URL.encode(made.credentialID), name: passkeyName,
                    softwarePasskeyPath: Self.softwarePath(authenticator),
                    wrappedRootKey: Base64Bytes(wrapped.serialized)),
                session: response.session)
            try file.save(state)
            return Registration(keys: keys, recoveryKey: recoveryKey, state: state)
        } catch {
            if !registered { Self.discardUnregistered(authenticator) }
            throw error
        }
    }

    /// Logs in with `authenticator` (any passkey of the account), unwraps the root key and
    /// remembers the session and the passkey for later unlocks.
    /// - Throws: `AccountError` `.passkeyNotRegistered` for a passkey the account does not have,
    ///   `.accountMismatch` when this folder belongs to another account; `AccountAPIError`,
    ///   `PasskeyError`, `NetError`.
    public func login(authenticator: any Authenticator) async throws -> Unlocked {
        let existing = try file.load()
        let server = try resolveServer(existing)
        let api = AccountAPI(serverURL: server, transport: transport)
        let begin = try await api.loginBegin(credentialIDs: nil)
        let rpID = try checkedRPID(begin.options.rpId, server: server, pinned: existing?.rpID)
        let (assertion, clientData) = try await assert(
            authenticator, options: begin.options, rpID: rpID, server: server)
        let prf = try Self.prfSecret(assertion)
        let response = try await finishLogin(api: api, begin: begin, assertion: assertion, clientData: clientData)
        if let existing, existing.accountID != response.session.accountID {
            try? await api.logout(token: response.session.token)
            throw AccountError(
                .accountMismatch,
                "this passkey belongs to account \(response.session.accountID), but this data folder holds account \(existing.accountID); run `sotto logout` first or pass another --data-dir"
            )
        }
        let keys = try Self.unwrapPasskeyCopy(response.wrappedRootKey, prf: prf, accountID: response.session.accountID)
        let credentialID = Base64URL.encode(assertion.credentialID)
        let kind = response.passkeyKind.flatMap(PasskeyKind.init(rawValue:)) ?? authenticator.kind
        // The same passkey logging in again keeps the roots it held before a rotation.
        let earlier =
            existing?.passkey.credentialID == credentialID
            ? earlierRoots(of: existing!.passkey, prf: prf, current: keys) : EarlierRoots()
        let state = AccountState(
            server: server, rpID: rpID, accountID: response.session.accountID,
            passkey: DevicePasskey(
                kind: kind, credentialID: credentialID,
                name: existing?.passkey.credentialID == credentialID
                    ? existing!.passkey.name : Self.passkeyName(kind: kind, requested: nil),
                softwarePasskeyPath: Self.softwarePath(authenticator), wrappedRootKey: response.wrappedRootKey,
                previousRootKeys: earlier.stored),
            session: response.session)
        try file.save(state)
        await revokeReplaced(existing?.session, by: response.session, api: api)
        return Unlocked(
            keys: keys, state: state, online: true, signCountRegressed: response.signCountRegressed,
            previousKeys: earlier.keys, rootChanged: earlier.rootChanged)
    }

    /// Unlocks with the device's own passkey: a login when the server answers (which renews
    /// the session), else a local assertion and the cached wrapped root key.
    /// - Throws: `AccountError` `.notRegistered`, `.passkeyNotRegistered` when the server says the
    ///   passkey was removed; `PasskeyError`, `AccountAPIError`.
    /// - Parameter device: this device's passkey, when the caller made it already
    ///   (`deviceAuthenticator()`) to confirm a change after the unlock with one passphrase.
    public func unlock(using device: (any Authenticator)? = nil) async throws -> Unlocked {
        try await unlockKeepingSecret(using: device).unlocked
    }

    /// `unlock`, also handing back the passkey's PRF secret of an online unlock (nil offline),
    /// for a caller that wraps a new root key under the same KEK.
    func unlockKeepingSecret(
        using device: (any Authenticator)? = nil
    ) async throws -> (unlocked: Unlocked, prf: SecureBytes?) {
        let state = try requireState()
        let authenticator = try device ?? authenticatorFor(state.passkey)
        let api = AccountAPI(serverURL: state.server, transport: transport)
        let begin: LoginBeginResponse
        do {
            begin = try await api.loginBegin(credentialIDs: [state.passkey.credentialID])
        } catch let error as NetError where Self.isOffline(error) {
            return (try await offlineUnlock(state, authenticator: authenticator), nil)
        } catch let error as AccountAPIError where error.known == .unknownCredential {
            throw forgetRemovedPasskey(state)
        }
        let rpID = try checkedRPID(begin.options.rpId, server: state.server, pinned: state.rpID)
        let (assertion, clientData) = try await assert(
            authenticator, options: begin.options, rpID: rpID, server: state.server)
        let prf = try Self.prfSecret(assertion)
        let response: SessionResponse
        do {
            response = try await finishLogin(api: api, begin: begin, assertion: assertion, clientData: clientData)
        } catch let error as NetError where Self.isOffline(error) {
            let keys = try Self.unwrapPasskeyCopy(state.passkey.wrappedRootKey, prf: prf, accountID: state.accountID)
            let unlocked = Unlocked(
                keys: keys, state: state, online: false, signCountRegressed: false,
                previousKeys: earlierRoots(of: state.passkey, prf: prf, current: keys).keys)
            return (unlocked, nil)
        } catch let error as AccountError where error.code == .passkeyNotRegistered {
            throw forgetRemovedPasskey(state)
        }
        guard response.session.accountID == state.accountID else {
            throw AccountError(
                .accountMismatch, "the server logged this passkey into another account than this folder's")
        }
        let keys = try Self.unwrapPasskeyCopy(response.wrappedRootKey, prf: prf, accountID: state.accountID)
        let earlier = earlierRoots(of: state.passkey, prf: prf, current: keys)
        var renewed = state
        renewed.session = response.session
        renewed.passkey.wrappedRootKey = response.wrappedRootKey
        renewed.passkey.previousRootKeys = earlier.stored
        try file.save(renewed)
        await revokeReplaced(state.session, by: response.session, api: api)
        let unlocked = Unlocked(
            keys: keys, state: renewed, online: true, signCountRegressed: response.signCountRegressed,
            previousKeys: earlier.keys, rootChanged: earlier.rootChanged)
        return (unlocked, prf)
    }

    /// The account no longer has this device's passkey: stop unlocking with it here too.
    private func forgetRemovedPasskey(_ state: AccountState) -> AccountError {
        var forgotten = state
        forgotten.session = nil
        forgotten.passkey.wrappedRootKey = nil
        try? file.save(forgotten)
        return AccountError(
            .passkeyNotRegistered,
            "this device's \(state.passkey.kind.label) was removed from account \(state.accountID); log in with another passkey (`sotto login`) or use `sotto recover`"
        )
    }

    /// Revokes the session on the server (when it can be reached) and forgets the account on
    /// this device. The software passkey file stays: it is the user's passkey.
    /// - Returns: whether the server revoked the session (false when it could not, or without one).
    @discardableResult
    public func logout() async throws -> Bool {
        let state = try requireState()
        var revoked = false
        if let session = state.session {
            do {
                try await AccountAPI(serverURL: state.server, transport: transport).logout(token: session.token)
                revoked = true
            } catch let error as AccountAPIError where error.needsLogin {
                revoked = true
            } catch {
                // Unreachable or refusing: the device forgets the account anyway; the caller
                // says the session lives on until it expires.
                revoked = false
            }
        }
        try file.remove()
        return revoked
    }

    /// Revokes every session of the account on the server (every device must log in again),
    /// then forgets the account on this device. Unlike `logout`, nothing is forgotten unless the
    /// server confirmed the revocation, so a failure can be retried.
    /// - Throws: `AccountError` `.notRegistered`, `.sessionExpired` (log in, then try again);
    ///   `AccountAPIError`, `NetError`.
    public func logoutEverywhere() async throws {
        try await withSession { api, _, session in try await api.logoutEverywhere(token: session.token) }
        try file.remove()
    }

    // MARK: Parts shared with the other account operations

    func requireState() throws -> AccountState {
        guard let state = try file.load() else {
            throw AccountError(
                .notRegistered,
                "this data folder has no account; run `sotto register` for a new one or `sotto login` with a registered passkey"
            )
        }
        if let requestedServer, requestedServer != state.server {
            throw AccountError(
                .serverMismatch,
                "this data folder's account lives on \(state.server), not \(requestedServer); drop --server or pass another --data-dir"
            )
        }
        return state
    }

    /// The state with a session valid for at least another minute.
    func requireSession() throws -> (AccountState, SessionGrant) {
        let state = try requireState()
        guard let session = state.liveSession(now: now) else {
            throw AccountError(
                .sessionExpired, "this device's session has expired or was closed; log in again with `sotto login`")
        }
        return (state, session)
    }

    /// Runs a session call; a 401 session refusal also forgets the dead session.
    func withSession<T>(_ body: (AccountAPI, AccountState, SessionGrant) async throws -> T) async throws -> T {
        let (state, session) = try requireSession()
        do {
            return try await body(AccountAPI(serverURL: state.server, transport: transport), state, session)
        } catch let error as AccountAPIError where error.needsLogin {
            var forgotten = state
            forgotten.session = nil
            try? file.save(forgotten)
            throw error
        }
    }

    var now: Int64 { Int64(clock().timeIntervalSince1970) }

    func resolveServer(_ existing: AccountState?) throws -> String {
        if let existing {
            if let requestedServer, requestedServer != existing.server {
                throw AccountError(
                    .serverMismatch,
                    "this data folder's account lives on \(existing.server), not \(requestedServer); drop --server or pass another --data-dir"
                )
            }
            return existing.server
        }
        guard let requestedServer else {
            throw AccountError(
                .serverMissing, "no server given: pass --server URL or set server = \"https://…\" in config.toml")
        }
        return requestedServer
    }

    /// The options' RP ID (the server's host when absent), checked against the server's
    /// address and the RP ID this device already uses.
    func checkedRPID(_ offered: String?, server: String, pinned: String?) throws -> String {
        let rpID = offered ?? URL(string: server)?.host ?? ""
        try RelyingPartyCheck.validate(
            rpID: rpID, serverURL: server, configuredParent: configuration.configuredRPID(for: server))
        if let pinned, pinned != rpID {
            throw AccountError(
                .relyingPartyMismatch,
                "the server now asks for passkeys of \"\(rpID)\", but this device's passkey is for \"\(pinned)\"; nothing was signed"
            )
        }
        return rpID
    }

    func makeCredential(
        _ authenticator: any Authenticator, options: WebAuthnJSON.CreationOptions, rpID: String, server: String
    ) async throws -> (MadeCredential, [UInt8]) {
        let challenge = try CeremonyData.challenge(options.challenge)
        guard let userID = try? Base64URL.decode(options.user.id, field: "user.id") else {
            throw AccountError(.malformedResponse, "the server's user handle is not base64url")
        }
        let clientData = CeremonyData.clientDataJSON(
            type: .create, challenge: challenge, origin: try Self.origin(of: server))
        let made = try await authenticator.makeCredential(
            CredentialRequest(
                rpID: rpID, userID: userID, userName: options.user.name,
                clientDataHash: HashFunction.sha256.hash(clientData)))
        return (made, clientData)
    }

    /// An assertion for the server's challenge, with the root PRF.
    func assert(
        _ authenticator: any Authenticator, options: WebAuthnJSON.RequestOptions, rpID: String, server: String
    ) async throws -> (Assertion, [UInt8]) {
        let challenge = try CeremonyData.challenge(options.challenge)
        let allowed = try (options.allowCredentials ?? []).map { descriptor in
            guard let id = try? Base64URL.decode(descriptor.id, field: "allowCredentials") else {
                throw AccountError(.malformedResponse, "the server's allowed credential ids are not base64url")
            }
            return id
        }
        let clientData = CeremonyData.clientDataJSON(
            type: .get, challenge: challenge, origin: try Self.origin(of: server))
        let assertion = try await Self.getAssertion(
            authenticator,
            AssertionRequest(
                rpID: rpID, clientDataHash: HashFunction.sha256.hash(clientData), allowedCredentialIDs: allowed,
                prf: KeyHierarchy.prfInputs))
        return (assertion, clientData)
    }

    /// The root PRF of a credential, from an assertion the server never sees (its challenge is
    /// local and random).
    func localPRF(
        _ authenticator: any Authenticator, rpID: String, server: String, credentialID: [UInt8]
    ) async throws -> SecureBytes {
        let clientData = CeremonyData.clientDataJSON(
            type: .get, challenge: SecureRandom.bytes(32), origin: try Self.origin(of: server))
        let assertion = try await Self.getAssertion(
            authenticator,
            AssertionRequest(
                rpID: rpID, clientDataHash: HashFunction.sha256.hash(clientData),
                allowedCredentialIDs: [credentialID], prf: KeyHierarchy.prfInputs))
        return try Self.prfSecret(assertion)
    }

    func finishLogin(
        api: AccountAPI, begin: LoginBeginResponse, assertion: Assertion, clientData: [UInt8]
    ) async throws -> SessionResponse {
        let credential = try CeremonyData.authenticationResponse(assertion, clientDataJSON: clientData)
        do {
            return try await api.loginFinish(LoginFinishRequest(challengeID: begin.challengeID, credential: credential))
        } catch let error as AccountAPIError where error.known == .unknownCredential {
            throw AccountError(
                .passkeyNotRegistered,
                "this passkey is not registered to an account on \(api.serverURL) (it was removed, or is for another server); use a registered passkey, or `sotto recover`"
            )
        }
    }

    func offlineUnlock(_ state: AccountState, authenticator: any Authenticator) async throws -> Unlocked {
        guard let credentialID = try? Base64URL.decode(state.passkey.credentialID, field: "credential id") else {
            throw AccountError(.stateCorrupt, "the account file \(file.path) names a malformed credential id")
        }
        let prf = try await localPRF(authenticator, rpID: state.rpID, server: state.server, credentialID: credentialID)
        let keys = try Self.unwrapPasskeyCopy(state.passkey.wrappedRootKey, prf: prf, accountID: state.accountID)
        return Unlocked(
            keys: keys, state: state, online: false, signCountRegressed: false,
            previousKeys: earlierRoots(of: state.passkey, prf: prf, current: keys).keys)
    }

    /// A replaced session is closed at once rather than left to expire; failing to is harmless.
    private func revokeReplaced(_ old: SessionGrant?, by new: SessionGrant, api: AccountAPI) async {
        guard let old, old.token != new.token else { return }
        try? await api.logout(token: old.token)
    }

    static func getAssertion(_ authenticator: any Authenticator, _ request: AssertionRequest) async throws -> Assertion
    {
        do {
            return try await authenticator.getAssertion(request)
        } catch let error as PasskeyError where error.code == .noCredential {
            throw AccountError(
                .passkeyNotRegistered,
                "this passkey is not registered to this account (\(error.message)); use the passkey you registered")
        }
    }

    static func prfSecret(_ assertion: Assertion) throws -> SecureBytes {
        guard let prf = assertion.prf, prf.first.count == KeyHierarchy.keyByteCount else {
            throw AccountError(
                .prfUnavailable,
                "the \(assertion.kind.label) gave no PRF secret (hmac-secret); Sotto needs a passkey with that extension"
            )
        }
        return prf.first
    }

    static func unwrapPasskeyCopy(_ bytes: Base64Bytes?, prf: SecureBytes, accountID: AccountID) throws -> AccountKeys {
        guard let bytes else {
            throw AccountError(
                .malformedResponse, "no wrapped account key for this passkey; log in again online (`sotto login`)")
        }
        let wrapped = try WrappedRootKey(serialized: bytes.bytes)
        do {
            return try AccountKeys.unwrap(
                wrapped, with: try KeyEncryptionKey(prfOutput: prf), accountID: accountID.rawValue)
        } catch let error as KeyError where error.code == .wrongKey {
            throw AccountError(
                .passkeyNotRegistered,
                "this passkey does not open account \(accountID)'s key: it is not the passkey the key was wrapped for; use a passkey registered to this account"
            )
        }
    }

    package static func recoveryEnrollment(_ recoveryKey: RecoveryKey, keys: AccountKeys) throws -> RecoveryEnrollment {
        let kek = try KeyEncryptionKey(recoveryKey: recoveryKey)
        return RecoveryEnrollment(
            keyID: Base64Bytes(kek.id), wrappedRootKey: Base64Bytes(try keys.wrap(under: kek).serialized),
            authPublicKey: Base64Bytes(try RecoveryAuthKey(recoveryKey: recoveryKey).publicKey))
    }

    static func softwarePath(_ authenticator: any Authenticator) -> String? {
        (authenticator as? SoftwareAuthenticator)?.path
    }

    /// A software passkey file made for a registration the server never accepted is removed,
    /// so trying again does not stop at "a file already exists".
    static func discardUnregistered(_ authenticator: any Authenticator) {
        guard let path = softwarePath(authenticator) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The origin clientDataJSON names: the server's, as the client reaches it.
    static func origin(of server: String) throws -> WebOrigin {
        guard let origin = WebOrigin(url: server) else {
            throw AccountError(.serverMissing, "\(server) is not an http(s) URL with a plain host")
        }
        return origin
    }

    static func isOffline(_ error: NetError) -> Bool { error.code == .connect || error.code == .timeout }

    static func normalized(_ server: String) -> String {
        var text = server
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}

/// A new account: its keys, the recovery key to show once, and the device's state.
public struct Registration: Sendable {
    /// The new account's unlocked keys.
    public let keys: AccountKeys
    /// The recovery key: show it once, then let it go.
    public let recoveryKey: RecoveryKey
    /// The device's state as saved.
    public let state: AccountState
}

/// An unlocked account.
public struct Unlocked: Sendable {
    /// The account's unlocked keys.
    public let keys: AccountKeys
    /// The device's state after the unlock (with the renewed session when online).
    public let state: AccountState
    /// Whether the server took part (false: offline unlock from the cached wrapped key).
    public let online: Bool
    /// The server saw the passkey's signature counter go backwards: a possible clone.
    public let signCountRegressed: Bool
    /// The account's earlier roots this device still holds (after a root key rotation), for
    /// the records in its cache not yet sealed under the current one.
    public var previousKeys: [AccountKeys] = []
    /// The server sent another root than this device held: the account's root key was rotated
    /// since, and the device pulls its whole history again to get the records sealed anew.
    public var rootChanged = false

    /// The record keys: the current root's, and the earlier roots' for older envelopes.
    public func recordKeys() throws -> AccountRecordKeys { try AccountRecordKeys(keys, previous: previousKeys) }
}
