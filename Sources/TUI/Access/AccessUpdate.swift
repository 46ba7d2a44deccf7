import Core
import Wire

/// The access screens' state machine: pure, like `Update`. Secrets typed here stay in
/// `SecretField`s and leave only inside the effects that use them.
public enum AccessUpdate {
    /// The effects to run when the app starts.
    public static func start() -> [AccessEffect] { [.loadSituation] }

    /// The choices of the first-run screen.
    static let welcomeChoices = [
        "Create an account",
        "I already have an account: log in with one of its passkeys",
        "I have my recovery key",
    ]

    public static func update(_ model: inout AccessModel, _ event: AccessEvent) -> [AccessEffect] {
        switch event {
        case .resize(let size):
            model.size = size
            return []
        case .key(.control("q")), .key(.control("c")):
            // A recovery key not yet written down is never shown again: ask once more.
            if case .recoveryKey(var shown) = model.screen, !shown.quitWarned {
                shown.quitWarned = true
                shown.error =
                    "The recovery key is not shown again. Ctrl-Q once more quits without it (`sotto recovery-key rotate` makes a new one)"
                model.screen = .recoveryKey(shown)
                return []
            }
            // An account being created may already exist: finish first, so its recovery key
            // is shown (a second Ctrl-Q leaves at once).
            if model.registering, !model.quitAfterRegistration, case .working(_, let back) = model.screen {
                model.quitAfterRegistration = true
                model.screen = .working(
                    title: "Finishing the account creation before quitting (Ctrl-Q again leaves at once)…", back: back)
                return []
            }
            model.quitting = true
            let dismissed = dismissPIN(&model)
            // Cancelling the ceremony ends its question too.
            if case .working = model.screen { return [.cancel, .quit] }
            return dismissed + [.quit]
        case .key(let key):
            if model.pin != nil { return pinKey(&model, key) }
            return screenKey(&model, key)
        case .paste(let text):
            paste(&model, text)
            return []
        case .situation(let situation):
            model.situation = situation
            return begin(&model, situation)
        case .pinRequested(let product, let retriesLeft):
            // Only a ceremony under way may ask; anything else is a leftover of one abandoned.
            guard case .working = model.screen else { return [.answerPIN(nil)] }
            model.pin = PINPrompt(product: product, retriesLeft: retriesLeft)
            return []
        case .touchRequested(let product):
            guard case .working = model.screen else { return [] }
            model.touch = "Touch your security key" + (product.isEmpty ? "" : " (\(product))") + " now"
            return []
        case .registered(let recoveryKey, let grant):
            // The account exists now, even if the user pressed Esc meanwhile: its recovery key
            // must be shown, whatever the screen.
            model.touch = nil
            model.registering = false
            model.quitAfterRegistration = false
            model.screen = .recoveryKey(RecoveryKeyShown(key: SecretField(copying: recoveryKey), grant: grant))
            return dismissPIN(&model)
        case .granted(let grant):
            guard case .working = model.screen else { return [] }
            model.touch = nil
            model.grant = grant
            return [.finish(grant)]
        case .failed(let problem):
            guard case .working(_, let back) = model.screen else { return [] }
            model.touch = nil
            model.registering = false
            let dismissed = dismissPIN(&model)
            if model.quitAfterRegistration {
                model.quitting = true
                return dismissed + [.quit]
            }
            return dismissed + failed(&model, problem, back: back)
        }
    }

    /// Where a start goes: the unlock of a device with an account, else the welcome.
    private static func begin(_ model: inout AccessModel, _ situation: AccessSituation) -> [AccessEffect] {
        guard situation.hasAccount else {
            model.screen = .welcome(selection: 0)
            return []
        }
        if situation.needsPassphrase {
            model.screen = .unlock(UnlockForm())
            return []
        }
        model.screen = .working(title: "Unlocking…", back: .starting)
        return [.unlock(passphrase: nil)]
    }

    private static func failed(
        _ model: inout AccessModel, _ problem: AccessProblem, back: AccessModel.Screen
    )
        -> [AccessEffect]
    {
        // A wrong passphrase is asked again where one was typed or given for an unlock or a
        // login; anywhere else (a new passkey) it is a failure like another.
        let asksAgain: Bool =
            switch back {
            case .unlock, .starting, .login: true
            default: false
            }
        guard problem.kind == .wrongPassphrase, asksAgain else {
            model.screen = .failed(message: problem.message, back: back)
            return []
        }
        let given = model.situation?.passkey == .softwarePasskey(passphraseGiven: true)
        let message =
            given
            ? "The passphrase from SOTTO_PASSPHRASE or the passphrase file does not open the software passkey; type it here"
            : "That passphrase does not open the software passkey; try again"
        switch back {
        case .login(var form):
            form.passphrase.clear()
            form.passphraseGiven = false
            form.field = 1
            form.error = message
            model.screen = .login(form)
        default:
            // The unlock (typed, or from the environment): ask here from now on.
            model.situation?.passkey = .softwarePasskey(passphraseGiven: false)
            model.screen = .unlock(UnlockForm(error: message))
        }
        return []
    }

    /// Closes the PIN modal, if it is open, answering its question "no": the ceremony that
    /// asked never waits for an answer that cannot come.
    private static func dismissPIN(_ model: inout AccessModel) -> [AccessEffect] {
        guard model.pin != nil else { return [] }
        model.pin = nil
        return [.answerPIN(nil)]
    }

    // MARK: - Keys

    private static func pinKey(_ model: inout AccessModel, _ key: Key) -> [AccessEffect] {
        guard var prompt = model.pin else { return [] }
        switch key {
        case .escape:
            model.pin = nil
            return [.answerPIN(nil)]
        case .enter:
            guard !prompt.pin.isEmpty else { return [] }
            model.pin = nil
            return [.answerPIN(prompt.pin.secret())]
        case .character(let c): prompt.pin.insert(String(c))
        case .backspace: prompt.pin.backspace()
        default: break
        }
        model.pin = prompt
        return []
    }

    private static func screenKey(_ model: inout AccessModel, _ key: Key) -> [AccessEffect] {
        switch model.screen {
        case .starting:
            return []
        case .welcome(let selection):
            return welcomeKey(&model, key, selection)
        case .newPassphrase(var form):
            return newPassphraseKey(&model, key, &form)
        case .login(var form):
            return loginKey(&model, key, &form)
        case .recoveryEntry(var form):
            return recoveryEntryKey(&model, key, &form)
        case .unlock(var form):
            switch key {
            case .enter:
                guard !form.passphrase.isEmpty else {
                    form.error = "Type the passphrase of the software passkey"
                    break
                }
                model.screen = .working(
                    title: "Unlocking… (checking the passphrase takes a moment)", back: .unlock(UnlockForm()))
                return [.unlock(passphrase: form.passphrase.secret())]
            case .character(let c): form.passphrase.insert(String(c))
            case .backspace: form.passphrase.backspace()
            default: return []
            }
            model.screen = .unlock(form)
            return []
        case .working(_, let back):
            guard key == .escape else { return [] }
            // A registration cancelled here still shows its key if the account came to exist.
            model.registering = false
            model.quitAfterRegistration = false
            model.touch = nil
            model.screen = back == .starting ? .failed(message: "Cancelled.", back: .starting) : back
            return [.cancel]
        case .recoveryKey(var shown):
            return recoveryKeyKey(&model, key, &shown)
        case .failed(_, let back):
            guard key == .enter || key == .escape else { return [] }
            if back == .starting {
                model.screen = .starting
                return [.loadSituation]
            }
            model.screen = back
            return []
        }
    }

    private static func welcomeKey(_ model: inout AccessModel, _ key: Key, _ selection: Int) -> [AccessEffect] {
        var selection = selection
        switch key {
        case .up, .character("k"): selection = max(0, selection - 1)
        case .down, .character("j"): selection = min(welcomeChoices.count - 1, selection + 1)
        case .character(let c) where ("1"..."3").contains(c):
            selection = Int(String(c))! - 1
            return choose(&model, selection)
        case .enter:
            return choose(&model, selection)
        default: break
        }
        model.screen = .welcome(selection: selection)
        return []
    }

    private static func choose(_ model: inout AccessModel, _ selection: Int) -> [AccessEffect] {
        guard let situation = model.situation else { return [] }
        let back = AccessModel.Screen.welcome(selection: selection)
        switch (selection, situation.passkey) {
        case (0, .securityKey):
            model.screen = .working(title: "Creating your account with the security key…", back: back)
            model.registering = true
            return [.register(passphrase: nil)]
        case (0, .softwarePasskey(passphraseGiven: true)):
            model.screen = .working(title: "Creating your account (software passkey)…", back: back)
            model.registering = true
            return [.register(passphrase: nil)]
        case (0, .softwarePasskey(passphraseGiven: false)):
            model.screen = .newPassphrase(NewPassphraseForm(purpose: .register))
        case (1, .securityKey):
            model.screen = .working(title: "Logging in with the security key…", back: back)
            return [.login(softwarePasskeyPath: nil, passphrase: nil)]
        case (1, .softwarePasskey(let given)):
            model.screen = .login(LoginForm(path: situation.softwarePasskeyPath, passphraseGiven: given))
        default:
            model.screen = .recoveryEntry(RecoveryEntryForm())
        }
        return []
    }

    private static func newPassphraseKey(
        _ model: inout AccessModel, _ key: Key, _ form: inout NewPassphraseForm
    )
        -> [AccessEffect]
    {
        switch key {
        case .escape:
            switch form.purpose {
            case .register: model.screen = .welcome(selection: 0)
            case .recover: model.screen = .recoveryEntry(RecoveryEntryForm())
            }
            return []
        case .tab, .backTab, .up, .down:
            form.field = 1 - form.field
        case .enter where form.field == 0:
            if form.first.isEmpty {
                form.error = "An empty passphrase is refused"
            } else {
                form.error = nil
                form.field = 1
            }
        case .enter:
            guard form.first == form.second else {
                form.first.clear()
                form.second.clear()
                form.field = 0
                form.error = "The two passphrases differ; type them again"
                break
            }
            let back = AccessModel.Screen.newPassphrase(NewPassphraseForm(purpose: form.purpose))
            switch form.purpose {
            case .register:
                model.screen = .working(
                    title: "Creating your account (sealing the software passkey takes a moment)…", back: back)
                model.registering = true
                return [.register(passphrase: form.first.secret())]
            case .recover(let recoveryKey):
                model.screen = .working(title: "Recovering your account…", back: back)
                return [.recover(recoveryKey: recoveryKey.secret(), passphrase: form.first.secret())]
            }
        case .character(let c):
            if form.field == 0 { form.first.insert(String(c)) } else { form.second.insert(String(c)) }
        case .backspace:
            if form.field == 0 { form.first.backspace() } else { form.second.backspace() }
        default: return []
        }
        model.screen = .newPassphrase(form)
        return []
    }

    private static func loginKey(_ model: inout AccessModel, _ key: Key, _ form: inout LoginForm) -> [AccessEffect] {
        let fields = form.passphraseGiven ? 1 : 2
        switch key {
        case .escape:
            model.screen = .welcome(selection: 1)
            return []
        case .tab, .backTab, .up, .down:
            form.field = (form.field + 1) % fields
        case .enter where form.field + 1 < fields:
            form.field += 1
        case .enter:
            let path = form.path.text.trimmingSpaces()
            guard !path.isEmpty else {
                form.field = 0
                form.error = "Give the software passkey's file"
                break
            }
            guard form.passphraseGiven || !form.passphrase.isEmpty else {
                form.error = "Type the passphrase of the software passkey"
                break
            }
            var back = form
            back.passphrase.clear()
            back.error = nil
            model.screen = .working(title: "Logging in…", back: .login(back))
            return [
                .login(softwarePasskeyPath: path, passphrase: form.passphraseGiven ? nil : form.passphrase.secret())
            ]
        case .character(let c):
            if form.field == 0 { form.path.insert(String(c)) } else { form.passphrase.insert(String(c)) }
        case .backspace:
            if form.field == 0 { form.path.backspace() } else { form.passphrase.backspace() }
        case .control("u"):
            if form.field == 0 { form.path.clear() } else { form.passphrase.clear() }
        case .left where form.field == 0: form.path.moveLeft()
        case .right where form.field == 0: form.path.moveRight()
        default: return []
        }
        model.screen = .login(form)
        return []
    }

    private static func recoveryEntryKey(
        _ model: inout AccessModel, _ key: Key, _ form: inout RecoveryEntryForm
    )
        -> [AccessEffect]
    {
        switch key {
        case .escape:
            model.screen = .welcome(selection: 2)
            return []
        case .enter:
            do {
                _ = try RecoveryKey(parsing: form.key.revealedText())
            } catch let error as KeyError {
                form.error = "That key does not check out: " + error.message
                break
            } catch {
                form.error = "That key does not check out"
                break
            }
            guard let situation = model.situation else { return [] }
            if situation.needsPassphrase {
                model.screen = .newPassphrase(NewPassphraseForm(purpose: .recover(form.key)))
                return []
            }
            model.screen = .working(title: "Recovering your account…", back: .recoveryEntry(RecoveryEntryForm()))
            return [.recover(recoveryKey: form.key.secret(), passphrase: nil)]
        case .character(let c):
            form.key.insert(String(c).uppercased())
            form.error = nil
        case .backspace:
            form.key.backspace()
            form.error = nil
        default: return []
        }
        model.screen = .recoveryEntry(form)
        return []
    }

    private static func recoveryKeyKey(
        _ model: inout AccessModel, _ key: Key, _ shown: inout RecoveryKeyShown
    )
        -> [AccessEffect]
    {
        // Any other key than Ctrl-Q takes back its warning: a later one warns again.
        shown.quitWarned = false
        switch key {
        case .enter:
            let typed = shown.confirmation.text.trimmingSpaces().uppercased()
            guard !typed.isEmpty, typed == lastGroup(of: shown.key) else {
                shown.confirmation = InputEditor()
                shown.error = "That is not the key's last group; check what you wrote down"
                break
            }
            // Leaving this screen releases the key's buffer, which wipes it.
            switch shown.grant {
            case .success(let grant):
                model.grant = grant
                model.screen = .working(title: "Opening your history…", back: .starting)
                return [.finish(grant)]
            case .failure(let problem):
                model.screen = .failed(
                    message: "The account is created, but its history did not open: " + problem.message,
                    back: .starting)
                return []
            }
        case .character(let c):
            shown.confirmation.insert(String(c))
            shown.error = nil
        case .backspace:
            shown.confirmation.backspace()
        default: return []
        }
        model.screen = .recoveryKey(shown)
        return []
    }

    /// The last dash-separated group of a recovery key's text.
    static func lastGroup(of key: SecretField) -> String {
        String(key.revealedText().split(separator: "-").last ?? "").uppercased()
    }

    private static func paste(_ model: inout AccessModel, _ text: String) {
        let line = text.replacingCRLF().split(separator: "\n").first.map(String.init) ?? ""
        if var prompt = model.pin {
            prompt.pin.insert(line)
            model.pin = prompt
            return
        }
        switch model.screen {
        case .newPassphrase(var form):
            if form.field == 0 { form.first.insert(line) } else { form.second.insert(line) }
            model.screen = .newPassphrase(form)
        case .login(var form):
            if form.field == 0 { form.path.insert(line) } else { form.passphrase.insert(line) }
            model.screen = .login(form)
        case .recoveryEntry(var form):
            form.key.insert(line.uppercased())
            model.screen = .recoveryEntry(form)
        case .unlock(var form):
            form.passphrase.insert(line)
            model.screen = .unlock(form)
        case .recoveryKey(var shown):
            shown.confirmation.insert(line)
            model.screen = .recoveryKey(shown)
        default:
            break
        }
    }
}
