import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// An account service over the in-memory store with a settable clock, and the client's side
/// of each ceremony, for the account and record tests.
struct AccountHarness {
    let store = InMemoryServerStore()
    let clock = SettableClock()
    let logs = LogCapture()
    let service: AccountService
    let records: RecordService

    init(rpID: String = "localhost", limits: StoreLimits = StoreLimits()) {
        var settings = AccountSettings(rpID: rpID)
        settings.now = { [clock] in clock.now }
        service = AccountService(store: store, settings: settings, logger: logs.logger())
        records = RecordService(store: store, sessions: service, limits: limits, logger: logs.logger())
    }

    /// A passkey enrollment around `credential`.
    static func enrollment(
        _ credential: WebAuthnJSON.RegistrationResponse, name: String = "test passkey"
    )
        -> PasskeyEnrollment
    {
        PasskeyEnrollment(
            credential: credential, kind: "software-passkey", name: name,
            wrappedRootKey: Base64Bytes(TestRecoveryKey.wrappedKey()))
    }

    /// Registers a new account with `authenticator` and a fresh recovery key.
    func register(
        _ authenticator: TestAuthenticator, recovery: TestRecoveryKey = TestRecoveryKey(), client: String? = "10.0.0.1"
    ) async throws -> (session: SessionResponse, begin: RegistrationBeginResponse, passkey: PasskeyEnrollment) {
        let begin = try await service.registerBegin(VersionOnlyRequest())
        let passkey = Self.enrollment(authenticator.register(begin.options))
        let session = try await service.registerFinish(
            RegistrationFinishRequest(challengeID: begin.challengeID, passkey: passkey, recovery: recovery.enrollment),
            client: client)
        return (session, begin, passkey)
    }

    /// Logs in with `authenticator`.
    func login(
        _ authenticator: TestAuthenticator, tamper: TestAuthenticator.Tamper = .init(), client: String? = "10.0.0.1"
    ) async throws -> SessionResponse {
        let begin = try await service.loginBegin(LoginBeginRequest())
        return try await service.loginFinish(
            LoginFinishRequest(
                challengeID: begin.challengeID, credential: authenticator.assert(begin.options, tamper: tamper)),
            client: client)
    }

    /// Logs in with the recovery key.
    func recover(_ key: TestRecoveryKey, client: String? = "10.0.0.1") async throws -> SessionResponse {
        let begin = try await service.recoverBegin(RecoveryBeginRequest(keyID: Base64Bytes(key.keyID)), client: client)
        return try await service.recoverFinish(
            RecoveryFinishRequest(challengeID: begin.challengeID, signature: Base64Bytes(key.sign(begin))),
            client: client)
    }

    /// Who confirms a sensitive change in a test.
    enum Confirmer {
        case passkey(TestAuthenticator, tamper: TestAuthenticator.Tamper = .init())
        case recovery(TestRecoveryKey)
    }

    /// A confirmation of `operation`, begun by `session`, signed by `confirmer`.
    func confirm(
        _ operation: ConfirmedOperation, by confirmer: Confirmer, session: AuthenticatedSession
    ) async throws -> AccountConfirmation {
        let begin = try await service.confirmBegin(ConfirmBeginRequest(operation: operation), session: session)
        switch confirmer {
        case .passkey(let authenticator, let tamper):
            return AccountConfirmation(
                challengeID: begin.challengeID, credential: authenticator.assert(begin.options, tamper: tamper))
        case .recovery(let key):
            let challenge = try Base64URL.decode(begin.options.challenge)
            return AccountConfirmation(
                challengeID: begin.challengeID, recoverySignature: Base64Bytes(key.signConfirmation(challenge)))
        }
    }

    /// Adds `authenticator` to `session`'s account, the addition confirmed by `confirmer`.
    func addPasskey(
        _ authenticator: TestAuthenticator, session: AuthenticatedSession, confirmedBy confirmer: Confirmer,
        name: String = "second"
    ) async throws -> AccountSummary {
        let begin = try await service.addPasskeyBegin(session)
        let passkey = Self.enrollment(authenticator.register(begin.options), name: name)
        let operation = ConfirmedOperation.addPasskey(
            registrationChallengeID: begin.challengeID, credentialID: authenticator.credentialID)
        return try await service.addPasskeyFinish(
            PasskeyAddRequest(
                challengeID: begin.challengeID, passkey: passkey,
                confirmation: try await confirm(operation, by: confirmer, session: session)),
            session: session, client: nil)
    }

    /// Removes the passkey `credentialID`, the removal confirmed by `confirmer`.
    func removePasskey(
        _ credentialID: [UInt8], session: AuthenticatedSession, confirmedBy confirmer: Confirmer
    ) async throws -> AccountSummary {
        let confirmation = try await confirm(
            .removePasskey(credentialID: credentialID), by: confirmer, session: session)
        return try await service.removePasskey(
            Base64URL.encode(credentialID), request: PasskeyRemoveRequest(confirmation: confirmation), session: session)
    }

    /// Replaces the recovery enrollment with `recovery`'s, the replacement confirmed by `confirmer`.
    func rotateRecovery(
        _ recovery: TestRecoveryKey, session: AuthenticatedSession, confirmedBy confirmer: Confirmer
    ) async throws -> AccountSummary {
        let confirmation = try await confirm(.replaceRecovery(recovery.enrollment), by: confirmer, session: session)
        return try await service.rotateRecovery(
            RecoveryRotateRequest(recovery: recovery.enrollment, confirmation: confirmation), session: session)
    }

    /// The session a grant names.
    func session(_ response: SessionResponse) async throws -> AuthenticatedSession {
        try await service.authenticate(authorization: "Bearer \(response.session.token)")
    }
}

/// Runs `body` and returns the `ServiceError` it throws (failing the test when it throws none).
func refusal<T>(
    _ body: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation
) async -> ServiceError? {
    do {
        _ = try await body()
        Issue.record("expected a refusal", sourceLocation: sourceLocation)
        return nil
    } catch let error as ServiceError {
        return error
    } catch {
        Issue.record("expected a ServiceError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
