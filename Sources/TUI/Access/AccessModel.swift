import Wire

/// The screens before the main one: onboarding on a new device (create an account, log in
/// with an existing passkey, or recover), the unlock on later runs, and the security key's
/// PIN and touch prompts over either. Like `AppModel`, a value that `AccessUpdate` changes and
/// `AccessView` draws.
public struct AccessModel: Hashable, Sendable {
    public indirect enum Screen: Hashable, Sendable {
        /// Waiting for the device's situation.
        case starting
        /// First run: what to do (0 create, 1 log in, 2 recover).
        case welcome(selection: Int)
        /// A new software passkey's passphrase, typed twice.
        case newPassphrase(NewPassphraseForm)
        /// Log in with a software passkey file (a security key needs no form).
        case login(LoginForm)
        /// Type the recovery key.
        case recoveryEntry(RecoveryEntryForm)
        /// The software passkey's passphrase, on a later run.
        case unlock(UnlockForm)
        /// A ceremony runs; `back` is where Esc (cancel) or a wrong passphrase returns.
        case working(title: String, back: Screen)
        /// A new account's recovery key, shown once until its last group is typed back.
        case recoveryKey(RecoveryKeyShown)
        /// Something failed; Enter goes `back`.
        case failed(message: String, back: Screen)
    }

    public var size: Size
    public var screen: Screen = .starting
    public var situation: AccessSituation?
    /// The security key asks for its PIN (masked), over the current screen.
    public var pin: PINPrompt?
    /// "Touch your security key" while the key waits.
    public var touch: String?
    /// The history is open: the main screen takes over.
    public var grant: AccessGrant?
    /// A registration runs (its account may exist before it returns).
    public var registering = false
    /// Ctrl-Q came during a registration: quit once it fails, show the key if it succeeds.
    public var quitAfterRegistration = false
    public var quitting = false

    public init(size: Size) { self.size = size }
}

public struct NewPassphraseForm: Hashable, Sendable {
    public enum Purpose: Hashable, Sendable {
        case register
        /// Recovery, with the recovery key already typed.
        case recover(SecretField)
    }

    public var purpose: Purpose
    public var first = SecretField()
    public var second = SecretField()
    /// 0: the passphrase, 1: the same again.
    public var field = 0
    public var error: String?

    public init(purpose: Purpose) { self.purpose = purpose }
}

public struct LoginForm: Hashable, Sendable {
    public var path: InputEditor
    public var passphrase = SecretField()
    /// 0: the file, 1: its passphrase.
    public var field = 0
    /// The passphrase comes from `SOTTO_PASSPHRASE` or a file: no passphrase field.
    public var passphraseGiven: Bool
    public var error: String?

    public init(path: String, passphraseGiven: Bool) {
        self.path = InputEditor(path)
        self.passphraseGiven = passphraseGiven
    }
}

public struct RecoveryEntryForm: Hashable, Sendable {
    public var key = SecretField()
    public var error: String?

    public init() {}
}

public struct UnlockForm: Hashable, Sendable {
    public var passphrase = SecretField()
    public var error: String?

    public init(error: String? = nil) { self.error = error }
}

public struct RecoveryKeyShown: Hashable, Sendable {
    /// The key's text (in locked memory), shown until confirmed.
    public var key: SecretField
    /// What the user types back: the key's last group.
    public var confirmation = InputEditor()
    public var error: String?
    /// The opened history, or why it did not open (said once the key is written down).
    public var grant: Result<AccessGrant, AccessProblem>
    /// Ctrl-Q was pressed once: the next one quits without the key written down.
    public var quitWarned = false

    public init(key: SecretField, grant: Result<AccessGrant, AccessProblem>) {
        self.key = key
        self.grant = grant
    }
}

/// The security key's PIN question.
public struct PINPrompt: Hashable, Sendable {
    public var product: String
    public var retriesLeft: Int
    public var pin = SecretField()

    public init(product: String, retriesLeft: Int) {
        self.product = product
        self.retriesLeft = retriesLeft
    }
}

/// Everything `AccessUpdate` reacts to.
public enum AccessEvent: Sendable {
    case key(Key)
    case paste(String)
    case resize(Size)
    case situation(AccessSituation)
    /// A new account: show its recovery key, then open the history.
    case registered(recoveryKey: SecureBytes, grant: Result<AccessGrant, AccessProblem>)
    case granted(AccessGrant)
    case failed(AccessProblem)
    case pinRequested(product: String, retriesLeft: Int)
    case touchRequested(product: String)

    /// The terminal's input and resizes, as the main screen's events carry them.
    init?(_ event: AppEvent) {
        switch event {
        case .key(let key): self = .key(key)
        case .paste(let text): self = .paste(text)
        case .resize(let size): self = .resize(size)
        case .service, .tick, .editorFinished: return nil
        }
    }
}

/// What the access runtime does for `AccessUpdate`.
public enum AccessEffect: Equatable, Sendable {
    case loadSituation
    case register(passphrase: SecureBytes?)
    case login(softwarePasskeyPath: String?, passphrase: SecureBytes?)
    case recover(recoveryKey: SecureBytes, passphrase: SecureBytes?)
    case unlock(passphrase: SecureBytes?)
    /// The PIN the user typed (nil: cancelled).
    case answerPIN(SecureBytes?)
    /// Stop the ceremony in progress.
    case cancel
    /// Hand the open history to the main screen.
    case finish(AccessGrant)
    case quit
}
