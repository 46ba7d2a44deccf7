import Foundation
import Wire

/// Rotating the account's root key (`sotto keys rotate`, docs/PROTOCOL.md §5.8): a new root,
/// every record sealed again under it, the root rewrapped for the passkeys the user presents
/// and a new recovery key, every other passkey removed and every session revoked. Whoever kept
/// the old root (a leaked recovery key, a removed passkey's wrapped copy) reads nothing written
/// afterwards.
///
/// The steps, each safe to stop after and resumed by running the rotation again:
/// 1. `stage`: unlock with the device's passkey, then store the new root on the server,
///    wrapped for that passkey, before anything is sealed under it; the device keeps the same
///    wrapped copy in its progress file. A crash leaves a root the server and this passkey hold.
/// 2. `rewrap`: the new root wrapped for each other passkey the user presents; the ones not
///    presented are listed for removal.
/// 3. `sealAgain`: pull, seal every record and deletion again under the new root, push through
///    the normal sync, and pull once more. Readers hold both roots meanwhile.
/// 4. `finish`: one call replaces every wrapped copy, the recovery enrollment and the
///    sessions at once, provided no record changed since the last pull (else back to 3).
///
/// The two calls that change the account (steps 1 and 4) each carry a fresh confirmation by
/// the device's passkey, bound to the digest of their request.
public struct RootKeyRotation {
    /// The device's account.
    public let session: AccountSession
    let cache: LocalCache
    let device: DeviceID
    let progressFile: KeyRotationProgressFile
    let transport: @Sendable (AccountState) -> any SyncTransport
    /// Pushes the rotation tries before giving up on records other devices keep changing.
    public var maximumAttempts = 3

    /// A rotation of `session`'s account over the device's `cache`.
    /// - Parameter transport: the sync transport for a state's server and session (the real one
    ///   by default).
    public init(
        session: AccountSession, cache: LocalCache, device: DeviceID, dataFolder: String,
        transport: @escaping @Sendable (AccountState) -> any SyncTransport = Self.httpTransport
    ) {
        self.session = session
        self.cache = cache
        self.device = device
        self.progressFile = KeyRotationProgressFile(dataFolder: dataFolder)
        self.transport = transport
    }

    /// Sync over libcurl with the state's session.
    public static func httpTransport(_ state: AccountState) -> any SyncTransport {
        let token = state.session?.token ?? ""
        return HTTPSyncTransport(serverURL: state.server, http: CurlHTTPClient()) { token }
    }

    /// A rotation under way on this device: both roots, the history under the new one.
    public final class Staged {
        /// The unlock that began this run (old root, device state, session).
        public let unlocked: Unlocked
        /// The new root.
        public let newKeys: AccountKeys
        /// What the progress file holds.
        public internal(set) var progress: KeyRotationProgress
        /// The history, sealing under the new root and opening under either.
        public let history: HistoryStore
        let engine: SyncEngine
        let api: AccountAPI
        /// The device's passkey, made once: it unlocks and confirms each step (one passphrase).
        let passkey: any Authenticator

        init(
            unlocked: Unlocked, newKeys: AccountKeys, progress: KeyRotationProgress, history: HistoryStore,
            engine: SyncEngine, api: AccountAPI, passkey: any Authenticator
        ) {
            self.unlocked = unlocked
            self.newKeys = newKeys
            self.progress = progress
            self.history = history
            self.engine = engine
            self.api = api
            self.passkey = passkey
        }

        /// A confirmation of the rotation step whose request digest is `digest`, by the device's passkey.
        nonisolated(nonsending) func confirm(
            _ session: AccountSession, digest: [UInt8]
        ) async throws -> AccountConfirmation {
            let state = unlocked.state
            return try await session.confirm(
                .rotateKeys(requestDigest: digest), by: .passkey(passkey, credentialID: state.passkey.credentialID),
                api: api, token: token, accountID: state.accountID, pinnedRP: state.rpID)
        }

        var token: String { unlocked.state.session?.token ?? "" }
    }

    /// The new root's wrapped copies for the passkeys that stay, and the passkeys that go.
    public struct Rewrap: Sendable {
        /// The device's own passkey first, then each one presented.
        public var kept: [RewrappedPasskey]
        /// The account's passkeys no one presented: removed when the rotation finishes.
        public var removed: [PasskeySummary]
    }

    /// A finished rotation.
    public struct Outcome: Sendable {
        /// The new recovery key: show it once.
        public let recoveryKey: RecoveryKey
        /// The passkeys removed from the account.
        public let removed: [PasskeySummary]
        /// The passkeys that keep access.
        public let kept: [String]
        /// The new root.
        public let keys: AccountKeys
        /// The device's state, with the one session the account now has.
        public let state: AccountState
    }

    // MARK: The whole rotation

    /// Runs (or continues) the rotation to its end.
    /// - Parameters:
    ///   - presented: authenticators of other passkeys of the account to keep.
    ///   - confirmRemoval: asked with the passkeys that will be removed, when there are any;
    ///     false stops before records are sealed under the new root (by this run).
    /// - Throws: `AccountError` `.rotationCancelled`, `.rotationUnsettled`; the steps' errors.
    nonisolated(nonsending) public func run(
        presented: [any Authenticator], confirmRemoval: ([PasskeySummary]) async throws -> Bool
    ) async throws -> Outcome {
        let staged = try await stage()
        let rewrap = try await rewrap(staged, presented: presented)
        if !rewrap.removed.isEmpty, try await !confirmRemoval(rewrap.removed) {
            throw AccountError(
                .rotationCancelled,
                "nothing was removed; the new root key waits on the server, and `sotto keys rotate` continues from here"
            )
        }
        for _ in 0..<maximumAttempts {
            _ = try await sealAgain(staged)
            do {
                return try await finish(staged, rewrap: rewrap)
            } catch let error as AccountAPIError where error.known == .rotationStale {
                continue
            }
        }
        throw AccountError(
            .rotationUnsettled,
            "records kept changing on the server while the root key was rotated; run `sotto keys rotate` again")
    }

    // MARK: Steps

    /// Step 1: unlocks online with the device's passkey and makes sure the server holds the new
    /// root wrapped for it (this device's earlier one, or the server's when it had one).
    /// - Throws: `AccountError` `.sessionExpired` when offline; `AccountAPIError` (`.rotation`
    ///   when another passkey's rotation is unfinished); the unlock's errors.
    nonisolated(nonsending) public func stage() async throws -> Staged {
        let passkey = try session.deviceAuthenticator()
        let (unlocked, secret) = try await session.unlockKeepingSecret(using: passkey)
        guard unlocked.online, let prf = secret, let grant = unlocked.state.session else {
            throw AccountError(
                .sessionExpired, "rotating the root key needs the server: check the connection and try again")
        }
        let state = unlocked.state
        let kek = try KeyEncryptionKey(prfOutput: prf)
        var earlier = try progressFile.load()
        if let progress = earlier,
            progress.accountID != state.accountID || progress.credentialID != state.passkey.credentialID
        {
            // Another account's or another passkey's: this device cannot continue it.
            earlier = nil
        }
        let candidate: WrappedRootKey
        if let earlier {
            candidate = try WrappedRootKey(serialized: earlier.wrappedRootKey.bytes)
        } else {
            candidate = try AccountKeys.generate(accountID: state.accountID.rawValue).wrap(under: kek)
        }
        let api = AccountAPI(serverURL: state.server, transport: session.transport)
        var request = KeyRotationBeginRequest(
            credentialID: state.passkey.credentialID, wrappedRootKey: Base64Bytes(candidate.serialized))
        request.confirmation = try await session.confirm(
            .rotateKeys(requestDigest: request.digest),
            by: .passkey(passkey, credentialID: state.passkey.credentialID), api: api, token: grant.token,
            accountID: state.accountID, pinnedRP: state.rpID)
        let begun = try await api.beginKeyRotation(request, token: grant.token)
        guard begun.credentialID == state.passkey.credentialID else {
            throw AccountError(.malformedResponse, "the server began the rotation for another passkey")
        }
        let newKeys = try AccountKeys.unwrap(
            try WrappedRootKey(serialized: begun.wrappedRootKey.bytes), with: kek,
            accountID: state.accountID.rawValue)
        let keyID = try AccountRecordKeys.keyID(of: newKeys)
        let step: KeyRotationProgress.Step = earlier?.keyID == keyID.description ? earlier!.step : .staged
        let progress = KeyRotationProgress(
            accountID: state.accountID, credentialID: state.passkey.credentialID,
            wrappedRootKey: begun.wrappedRootKey, keyID: keyID.description, step: step)
        try progressFile.save(progress)
        let history = try HistoryStore(
            cache: cache,
            keys: try AccountRecordKeys(newKeys, previous: [unlocked.keys] + unlocked.previousKeys), device: device)
        return Staged(
            unlocked: unlocked, newKeys: newKeys, progress: progress, history: history,
            engine: SyncEngine(transport: transport(state)), api: api, passkey: passkey)
    }

    /// Step 2: wraps the new root for each presented passkey of the account (a local assertion
    /// each: the authenticator says which of the account's passkeys it holds), and lists the
    /// passkeys that were not presented.
    /// - Throws: `AccountError` `.passkeyNotRegistered` when a presented authenticator holds
    ///   none of the account's other passkeys; `PasskeyError`, `AccountAPIError`.
    nonisolated(nonsending) public func rewrap(_ staged: Staged, presented: [any Authenticator]) async throws -> Rewrap
    {
        let state = staged.unlocked.state
        let summary = try await staged.api.account(token: staged.token)
        var others = summary.passkeys.filter { $0.credentialID != state.passkey.credentialID }
        var kept = [
            RewrappedPasskey(credentialID: state.passkey.credentialID, wrappedRootKey: staged.progress.wrappedRootKey)
        ]
        for authenticator in presented {
            let ids = others.compactMap { try? Base64URL.decode($0.credentialID, field: "credential id") }
            guard !ids.isEmpty else { break }
            let clientData = CeremonyData.clientDataJSON(
                type: .get, challenge: SecureRandom.bytes(32), origin: try AccountSession.origin(of: state.server))
            let assertion = try await AccountSession.getAssertion(
                authenticator,
                AssertionRequest(
                    rpID: state.rpID, clientDataHash: HashFunction.sha256.hash(clientData), allowedCredentialIDs: ids,
                    prf: KeyHierarchy.prfInputs))
            let id = Base64URL.encode(assertion.credentialID)
            guard let index = others.firstIndex(where: { $0.credentialID == id }) else {
                throw AccountError(
                    .passkeyNotRegistered,
                    "the \(authenticator.kind.label) presented holds none of the account's other passkeys")
            }
            let wrapped = try staged.newKeys.wrap(
                under: try KeyEncryptionKey(prfOutput: AccountSession.prfSecret(assertion)))
            kept.append(RewrappedPasskey(credentialID: id, wrappedRootKey: Base64Bytes(wrapped.serialized)))
            others.remove(at: index)
        }
        return Rewrap(kept: kept, removed: others)
    }

    /// Step 3: seals every record and deletion the account holds again under the new root and
    /// pushes them, at most `limit` records this call (a smaller one stops half way, as an
    /// interruption would), then pulls to see that nothing under an earlier root came in.
    /// - Returns: whether everything is sealed under the new root.
    /// - Throws: `SyncError`, `CacheError`.
    @discardableResult
    nonisolated(nonsending) public func sealAgain(_ staged: Staged, limit: Int = .max) async throws -> Bool {
        let history = staged.history
        var remaining = limit
        for _ in 0..<maximumAttempts {
            _ = try await staged.engine.pull(into: history)
            // Pulled just now: a pending deletion is not taken back by a pull before its push.
            try history.cache.markDeletionsPending()
            var unreadable: Set<RecordID> = []
            while true {
                let pass = try history.sealAgainUnderCurrentKey(limit: min(remaining, 500))
                unreadable.formUnion(pass.unreadable)
                remaining -= pass.sealed
                var report = SyncReport()
                try await staged.engine.push(from: history, report: &report)
                if remaining <= 0 { return false }
                if pass.sealed == 0 { break }
            }
            _ = try await staged.engine.pull(into: history)
            let newID = try RecordKeyID(bytes: Hex.decode(staged.progress.keyID))
            let left = try history.cache.records(notSealedUnder: newID, after: nil, limit: unreadable.count + 1)
            if left.allSatisfy({ row in (try? row.get()).map { unreadable.contains($0.id) } ?? true }) {
                staged.progress.step = .sealed
                try progressFile.save(staged.progress)
                return true
            }
        }
        throw AccountError(
            .rotationUnsettled,
            "records kept changing on the server while the root key was rotated; run `sotto keys rotate` again")
    }

    /// Step 4: replaces every wrapped copy of the root, the recovery enrollment and the
    /// sessions at once; the device keeps the one new session and the old root (for records
    /// still under it in its cache) and forgets the progress.
    /// - Throws: `AccountAPIError` `.rotationStale` when records changed since the last pull
    ///   (seal again, then finish again).
    nonisolated(nonsending) public func finish(_ staged: Staged, rewrap: Rewrap) async throws -> Outcome {
        let state = staged.unlocked.state
        let recoveryKey = RecoveryKey.generate()
        var request = KeyRotationFinishRequest(
            passkeys: rewrap.kept, recovery: try AccountSession.recoveryEnrollment(recoveryKey, keys: staged.newKeys),
            lastSequence: try staged.history.cache.syncCursor())
        request.confirmation = try await staged.confirm(session, digest: request.digest)
        let response = try await staged.api.finishKeyRotation(request, token: staged.token)
        guard response.session.accountID == state.accountID else {
            throw AccountError(.malformedResponse, "the server finished the rotation for another account")
        }
        var renewed = state
        renewed.session = response.session
        var previous = state.passkey.previousRootKeys ?? []
        if let old = state.passkey.wrappedRootKey {
            let oldID = try AccountRecordKeys.keyID(of: staged.unlocked.keys).description
            if oldID != staged.progress.keyID, !previous.contains(where: { $0.keyID == oldID }) {
                previous.insert(PreviousRootKey(keyID: oldID, wrappedRootKey: old), at: 0)
            }
        }
        renewed.passkey.previousRootKeys = previous.filter { $0.keyID != staged.progress.keyID }
        if renewed.passkey.previousRootKeys?.isEmpty == true { renewed.passkey.previousRootKeys = nil }
        renewed.passkey.wrappedRootKey = staged.progress.wrappedRootKey
        try session.file.save(renewed)
        try progressFile.remove()
        return Outcome(
            recoveryKey: recoveryKey, removed: rewrap.removed, kept: rewrap.kept.map(\.credentialID),
            keys: staged.newKeys, state: renewed)
    }
}
