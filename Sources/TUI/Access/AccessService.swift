import Core
import Synchronization
import Wire

/// What the app needs before the main screen: the device's situation, and the ceremonies
/// that end with the history open (create an account, log in with an existing passkey,
/// recover with the recovery key, unlock). `CoreAccessService` is the real one, over a
/// `Device`; the tests drive the screens with stand-ins that script each answer.
///
/// A thrown `AccessProblem` says what the screen should offer next; anything else is shown
/// as it describes itself (Sotto's errors carry a stable code and an actionable message).
public protocol AccessService: Sendable {
    /// Whether the device has an account, and how its passkey is used.
    func situation() async -> AccessSituation
    /// Creates an account with the device's new passkey (a security key when one is plugged
    /// in, else a software passkey sealed with `passphrase`).
    func register(passphrase: SecureBytes?) async throws -> AccessRegistration
    /// Joins an existing account with one of its passkeys: the plugged-in security key, or
    /// the software passkey file at `softwarePasskeyPath`.
    func login(softwarePasskeyPath: String?, passphrase: SecureBytes?) async throws -> AccessGrant
    /// Joins an existing account with its recovery key, enrolling this device's new passkey.
    func recover(recoveryKey: SecureBytes, passphrase: SecureBytes?) async throws -> AccessGrant
    /// Unlocks the device's account with its passkey.
    func unlock(passphrase: SecureBytes?) async throws -> AccessGrant
}

/// The device as the app starts.
public struct AccessSituation: Hashable, Sendable {
    /// How a passkey is used on this device.
    public enum Passkey: Hashable, Sendable {
        /// A security key (its product name): touch, and its PIN when it asks.
        case securityKey(String)
        /// A software passkey; `passphraseGiven` when `SOTTO_PASSPHRASE` or a passphrase
        /// file supplies its passphrase, so nobody is asked.
        case softwarePasskey(passphraseGiven: Bool)
    }

    /// Whether this device already belongs to an account.
    public var hasAccount: Bool
    /// The account's passkey when there is one; else what a new account would use.
    public var passkey: Passkey
    /// Where a software passkey is kept on this device (the login form's default).
    public var softwarePasskeyPath: String
    /// The server, as shown in the header.
    public var server: String
    /// The server is a local development server with simulated attestation.
    public var simulated: Bool

    public init(
        hasAccount: Bool, passkey: Passkey, softwarePasskeyPath: String, server: String, simulated: Bool
    ) {
        self.hasAccount = hasAccount
        self.passkey = passkey
        self.softwarePasskeyPath = softwarePasskeyPath
        self.server = server
        self.simulated = simulated
    }

    /// A passphrase must be typed for a software passkey.
    var needsPassphrase: Bool { passkey == .softwarePasskey(passphraseGiven: false) }
}

/// The history is open: the main screen's service, and a banner to show on its first frame.
/// Compared by identity, so the model can hold it.
public final class AccessGrant: Hashable, Sendable {
    public let service: any ChatService
    public let banner: String?

    public init(service: any ChatService, banner: String? = nil) {
        self.service = service
        self.banner = banner
    }

    public static func == (lhs: AccessGrant, rhs: AccessGrant) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A new account: its recovery key, to be shown once whatever happens next, and the opened
/// history (or why it did not open: the account exists all the same).
public struct AccessRegistration: Sendable {
    /// The recovery key as the user writes it down (UTF-8 text).
    public let recoveryKey: SecureBytes
    public let grant: Result<AccessGrant, AccessProblem>

    public init(recoveryKey: SecureBytes, grant: Result<AccessGrant, AccessProblem>) {
        self.recoveryKey = recoveryKey
        self.grant = grant
    }

    public init(recoveryKey: SecureBytes, grant: AccessGrant) {
        self.init(recoveryKey: recoveryKey, grant: .success(grant))
    }
}

/// A refusal the screen can act on: a wrong passphrase or PIN is asked again.
public struct AccessProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The passphrase does not open the software passkey.
        case wrongPassphrase
        /// Anything else; the message says what to do.
        case other
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The security key's questions during a ceremony, shown as the access screen's modal: the
/// PIN (masked) and "touch your key". Give `pinSource` and `touchPrompt` to the security key
/// authenticator; the access runtime answers them. A ceremony asks one thing at a time.
public final class AccessPrompts: Sendable {
    private struct Question {
        /// Tells this question from a newer one, so a cancel ends only its own.
        var token: Int
        var continuation: CheckedContinuation<SecureBytes?, Never>
    }

    private struct State {
        var post: (@Sendable (AccessEvent) -> Void)?
        var waiting: Question?
        var lastToken = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The PIN source that asks through the screen.
    public var pinSource: any PINSource { ScreenPINSource(prompts: self) }

    /// Says "touch your security key" on the screen.
    public var touchPrompt: @Sendable (SecurityKeyDevice) -> Void {
        { [weak self] device in self?.post(.touchRequested(product: device.product)) }
    }

    func attach(_ post: @escaping @Sendable (AccessEvent) -> Void) {
        state.withLock { $0.post = post }
    }

    /// Ends a pending question unanswered (the app is leaving).
    func detach() {
        let waiting = state.withLock { state in
            state.post = nil
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.continuation.resume(returning: nil)
    }

    /// The user's answer to the PIN question (nil: cancelled).
    func answerPIN(_ pin: SecureBytes?) {
        let waiting = state.withLock { state in
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.continuation.resume(returning: pin)
    }

    /// Asks on the screen and waits. A newer question ends an older one unanswered, and so
    /// does cancelling the asking task (the ceremony was abandoned).
    fileprivate func askPIN(_ request: PINRequest) async -> SecureBytes? {
        let token = state.withLock { state in
            state.lastToken += 1
            return state.lastToken
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let (post, older) = state.withLock { state -> ((@Sendable (AccessEvent) -> Void)?, Question?) in
                    // Cancelled before it could ask (the cancel handler found nothing to end).
                    guard let post = state.post, !Task.isCancelled else { return (nil, nil) }
                    defer { state.waiting = Question(token: token, continuation: continuation) }
                    return (post, state.waiting)
                }
                older?.continuation.resume(returning: nil)
                guard let post else {
                    continuation.resume(returning: nil)
                    return
                }
                post(.pinRequested(product: request.device.product, retriesLeft: request.retriesLeft))
            }
        } onCancel: {
            end(token)
        }
    }

    /// Ends question `token` unanswered, if it is still the one waiting.
    private func end(_ token: Int) {
        let waiting = state.withLock { state -> Question? in
            guard let waiting = state.waiting, waiting.token == token else { return nil }
            state.waiting = nil
            return waiting
        }
        waiting?.continuation.resume(returning: nil)
    }

    private func post(_ event: AccessEvent) {
        state.withLock { $0.post }?(event)
    }
}

private struct ScreenPINSource: PINSource {
    let prompts: AccessPrompts

    func pin(for request: PINRequest) async throws -> SecureBytes? {
        await prompts.askPIN(request)
    }
}
