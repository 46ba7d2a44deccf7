import Core
import Foundation
import Synchronization
import Testing
import Wire

@testable import TUI

/// A stand-in for the account ceremonies: checks passphrases against one it knows, asks a
/// "security key" PIN through the screen's prompts, and records what it was asked to do.
final class FakeAccessService: AccessService {
    struct Call: Equatable {
        var name: String
        var passphrase: String?
        var detail: String?
    }

    let situationValue: AccessSituation
    let passphrase: String
    let recoveryKeyText: String
    let pinPrompts: AccessPrompts?
    private let log = Mutex<[Call]>([])
    /// A ceremony that waits here until released (to test cancelling).
    let hold = Mutex<Bool>(false)
    let failure = Mutex<AccessProblem?>(nil)

    init(
        situation: AccessSituation, passphrase: String = "correct horse", recoveryKeyText: String,
        pinPrompts: AccessPrompts? = nil
    ) {
        situationValue = situation
        self.passphrase = passphrase
        self.recoveryKeyText = recoveryKeyText
        self.pinPrompts = pinPrompts
    }

    var calls: [Call] { log.withLock { $0 } }

    func situation() async -> AccessSituation { situationValue }

    func register(passphrase: SecureBytes?) async throws -> AccessRegistration {
        try await ceremony("register", passphrase: passphrase)
        return AccessRegistration(recoveryKey: SecureBytes(copying: Array(recoveryKeyText.utf8)), grant: grant())
    }

    func login(softwarePasskeyPath: String?, passphrase: SecureBytes?) async throws -> AccessGrant {
        try await ceremony("login", passphrase: passphrase, detail: softwarePasskeyPath)
        return grant()
    }

    func recover(recoveryKey: SecureBytes, passphrase: SecureBytes?) async throws -> AccessGrant {
        try await ceremony(
            "recover", passphrase: passphrase,
            detail: recoveryKey.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
        return grant()
    }

    func unlock(passphrase: SecureBytes?) async throws -> AccessGrant {
        try await ceremony("unlock", passphrase: passphrase)
        return grant()
    }

    private func ceremony(_ name: String, passphrase: SecureBytes?, detail: String? = nil) async throws {
        let typed = passphrase.map { $0.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
        log.withLock { $0.append(Call(name: name, passphrase: typed, detail: detail)) }
        while hold.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        if let problem = failure.withLock({ $0 }) { throw problem }
        if let prompts = pinPrompts {
            let device = SecurityKeyDevice(path: "/dev/hidraw9", manufacturer: "Test", product: "Test Key")
            prompts.touchPrompt(device)
            guard let pin = try await prompts.pinSource.pin(for: PINRequest(device: device, retriesLeft: 2)) else {
                throw AccessProblem(.other, "SOTTO-PASSKEY-CANCELLED: the PIN was not given")
            }
            guard pin.withUnsafeBytes({ String(decoding: $0, as: UTF8.self) }) == "1234" else {
                throw AccessProblem(.other, "SOTTO-PASSKEY-WRONG-PIN: wrong PIN")
            }
            return
        }
        // A recovery's passphrase seals a new passkey: any will do.
        if case .softwarePasskey = situationValue.passkey, name != "recover", typed != nil, typed != self.passphrase {
            throw AccessProblem(.wrongPassphrase, "the passphrase does not open the software passkey")
        }
    }

    private func grant() -> AccessGrant {
        AccessGrant(service: InMemoryChatService(), banner: "opened")
    }
}

@Suite struct AccessTests {
    init() { TestEnvironment.prepare() }

    static let recoveryKeyText = RecoveryKey.generate().revealedText()

    static func situation(
        hasAccount: Bool, passkey: AccessSituation.Passkey = .softwarePasskey(passphraseGiven: false)
    ) -> AccessSituation {
        AccessSituation(
            hasAccount: hasAccount, passkey: passkey, softwarePasskeyPath: "/home/u/.local/share/sotto/passkey",
            server: "127.0.0.1:47391", simulated: true)
    }

    func runtime(
        _ service: FakeAccessService, prompts: AccessPrompts = AccessPrompts(), size: Size = Size(columns: 80, rows: 24)
    )
        -> (AccessRuntime, InMemoryBackend)
    {
        let backend = InMemoryBackend(size: size)
        let runtime = AccessRuntime(
            backend: backend, service: service, prompts: prompts, theme: ThemeCatalog.shipped().theme(named: "dark"))
        return (runtime, backend)
    }

    /// Steps the runtime until `condition` holds or about five seconds pass.
    @Test func firstRunCreatesAnAccountAndShowsTheRecoveryKeyUntilConfirmed() async throws {
        let service = FakeAccessService(
            situation: Self.situation(hasAccount: false), recoveryKeyText: Self.recoveryKeyText)
        let (runtime, backend) = runtime(service)
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("This device has no account yet")))
        #expect(backend.screen.text.contains("DEV: simulated attestation"))
        #expect(backend.screen.text.contains("not hardware-backed"))
        backend.type("<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("New software passkey")))
        // Two different passphrases: refused, both fields emptied, nothing created.
        backend.type("correct horse<CR>correct hors<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("The two passphrases differ")))
        #expect(service.calls.isEmpty)
        backend.type("<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("An empty passphrase is refused")))
        backend.type("correct horse<CR>correct horse")
        runtime.step()
        #expect(backend.screen.text.contains("•••••••••••••"))
        #expect(!backend.screen.text.contains("correct horse"))
        backend.type("<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Recovery key — shown once")))
        #expect(service.calls == [.init(name: "register", passphrase: "correct horse")])
        let groups = Self.recoveryKeyText.split(separator: "-")
        #expect(backend.screen.text.contains(groups[0...6].joined(separator: "-")))
        #expect(backend.screen.text.contains(groups[7...].joined(separator: "-")))
        // Only the key's last group lets the user on.
        backend.type(String(groups[0]) + "<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("That is not the key's last group")))
        #expect(runtime.model.grant == nil)
        backend.type(String(groups[13]).lowercased() + "<CR>")
        #expect(try await AccessDriving.run(runtime, until: { $0.model.grant != nil }))
        #expect(runtime.run()?.banner == "opened")
    }

    @Test func aWrongPassphraseIsAskedAgainAndTheRightOneUnlocks() async throws {
        let service = FakeAccessService(
            situation: Self.situation(hasAccount: true), recoveryKeyText: Self.recoveryKeyText)
        let (runtime, backend) = runtime(service)
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Unlock — software passkey")))
        backend.type("<CR>")
        #expect(
            try await AccessDriving.run(
                runtime, until: AccessDriving.showing("Type the passphrase of the software passkey")))
        backend.type("wrong<CR>")
        #expect(
            try await AccessDriving.run(
                runtime, until: AccessDriving.showing("That passphrase does not open the software passkey; try again")))
        #expect(runtime.model.grant == nil)
        backend.type("correct horse<CR>")
        #expect(try await AccessDriving.run(runtime, until: { $0.model.grant != nil }))
        #expect(service.calls.map(\.passphrase) == ["wrong", "correct horse"])
    }

    /// `SOTTO_PASSPHRASE` unlocks without asking; when it is wrong the screen asks instead.
    @Test func aGivenPassphraseUnlocksWithoutAskingAndAWrongOneFallsBackToTyping() async throws {
        let given = Self.situation(hasAccount: true, passkey: .softwarePasskey(passphraseGiven: true))
        let service = FakeAccessService(situation: given, recoveryKeyText: Self.recoveryKeyText)
        let (first, _) = runtime(service)
        #expect(try await AccessDriving.run(first, until: { $0.model.grant != nil }))
        #expect(service.calls == [.init(name: "unlock", passphrase: nil)])

        let refusing = FakeAccessService(situation: given, recoveryKeyText: Self.recoveryKeyText)
        refusing.failure.withLock { $0 = AccessProblem(.wrongPassphrase, "wrong") }
        let (second, backend) = runtime(refusing)
        #expect(try await AccessDriving.run(second, until: AccessDriving.showing("SOTTO_PASSPHRASE")))
        refusing.failure.withLock { $0 = nil }
        backend.type("correct horse<CR>")
        #expect(try await AccessDriving.run(second, until: { $0.model.grant != nil }))
        #expect(refusing.calls.map(\.passphrase) == [nil, "correct horse"])
    }

    @Test func recoveryChecksTheTypedKeyThenEnrolsANewPasskey() async throws {
        let service = FakeAccessService(
            situation: Self.situation(hasAccount: false), recoveryKeyText: Self.recoveryKeyText)
        let (runtime, backend) = runtime(service)
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("This device has no account yet")))
        backend.type("3")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Recover your account")))
        // A mistyped character is located, not echoed back as a whole key.
        var mistyped = Array(Self.recoveryKeyText)
        mistyped[5] = mistyped[5] == "A" ? "B" : "A"
        backend.type(String(mistyped) + "<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("does not check out")))
        #expect(service.calls.isEmpty)
        for _ in mistyped { backend.type("<BS>") }
        backend.type(Self.recoveryKeyText.lowercased() + "<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("New software passkey")))
        backend.type("new pass<CR>new pass<CR>")
        #expect(try await AccessDriving.run(runtime, until: { $0.model.grant != nil }))
        #expect(service.calls == [.init(name: "recover", passphrase: "new pass", detail: Self.recoveryKeyText)])
    }

    @Test func loginWithASoftwarePasskeyFileAsksItsPassphrase() async throws {
        let service = FakeAccessService(
            situation: Self.situation(hasAccount: false), recoveryKeyText: Self.recoveryKeyText)
        let (runtime, backend) = runtime(service)
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("This device has no account yet")))
        backend.type("<Down><CR>")
        #expect(
            try await AccessDriving.run(
                runtime, until: AccessDriving.showing("Passkey file: /home/u/.local/share/sotto/passkey")))
        backend.type("<CR>wrong<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("That passphrase does not open")))
        #expect(runtime.model.screen.isLogin)
        backend.type("correct horse<CR>")
        #expect(try await AccessDriving.run(runtime, until: { $0.model.grant != nil }))
        #expect(
            service.calls.map(\.detail) == ["/home/u/.local/share/sotto/passkey", "/home/u/.local/share/sotto/passkey"])
    }

    /// A security key's PIN is asked in a masked modal; Esc cancels the ceremony's question,
    /// a failure says what went wrong and Enter goes back.
    @Test func aSecurityKeyAsksItsPINOnTheScreen() async throws {
        let prompts = AccessPrompts()
        let service = FakeAccessService(
            situation: Self.situation(hasAccount: true, passkey: .securityKey("Test Key")),
            recoveryKeyText: Self.recoveryKeyText, pinPrompts: prompts)
        let (runtime, backend) = runtime(service, prompts: prompts)
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Security key PIN — Test Key")))
        #expect(backend.screen.text.contains("2 tries left"))
        backend.type("1234")
        runtime.step()
        #expect(backend.screen.text.contains("••••") && !backend.screen.text.contains("1234"))
        backend.type("<BS><BS>99<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("wrong PIN")))
        backend.type("<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Security key PIN")))
        backend.type("<Esc>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("the PIN was not given")))
        backend.type("<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Security key PIN")))
        backend.type("1234<CR>")
        #expect(try await AccessDriving.run(runtime, until: { $0.model.grant != nil }))
        #expect(service.calls.count == 3)
    }

    @Test func quittingDuringACeremonyCancelsIt() async throws {
        let service = FakeAccessService(
            situation: Self.situation(hasAccount: true, passkey: .softwarePasskey(passphraseGiven: true)),
            recoveryKeyText: Self.recoveryKeyText)
        service.hold.withLock { $0 = true }
        let (runtime, backend) = runtime(service)
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Unlocking…")))
        backend.type("<C-q>")
        #expect(runtime.run() == nil)
        service.hold.withLock { $0 = false }
    }

    @Test func smallTerminalsSayTooSmallAndEveryStepFits() {
        var model = AccessModel(size: Size(columns: 20, rows: 6))
        _ = AccessUpdate.update(&model, .situation(Self.situation(hasAccount: false)))
        #expect(AccessView.render(model).text.contains("terminal too small"))
        for columns in [40, 41, 57, 80, 200] {
            for rows in [10, 11, 15, 24] {
                model.size = Size(columns: columns, rows: rows)
                let text = AccessView.render(model).text
                #expect(text.contains("Welcome to Sotto"), "\(columns)×\(rows)")
            }
        }
    }

    /// The account exists once registration returns: its recovery key is shown even when the
    /// user pressed Esc meanwhile, and even when the history then fails to open.
    @Test func aRegistrationsRecoveryKeyIsNeverDropped() {
        let given = Self.situation(hasAccount: false, passkey: .softwarePasskey(passphraseGiven: true))
        var model = AccessModel(size: Size(columns: 80, rows: 24))
        _ = AccessUpdate.update(&model, .situation(given))
        #expect(AccessUpdate.update(&model, .key(.character("1"))) == [.register(passphrase: nil)])
        #expect(AccessUpdate.update(&model, .key(.escape)) == [.cancel])
        let key = SecureBytes(copying: Array(Self.recoveryKeyText.utf8))
        _ = AccessUpdate.update(
            &model, .registered(recoveryKey: key, grant: .failure(AccessProblem(.other, "SOTTO-CACHE-OPEN: disk full")))
        )
        #expect(AccessView.render(model).text.contains(String(Self.recoveryKeyText.prefix(9))))
        // Ctrl-Q asks once more before leaving without the key written down.
        #expect(AccessUpdate.update(&model, .key(.control("q"))).isEmpty)
        #expect(!model.quitting)
        #expect(AccessView.render(model).text.contains("Ctrl-Q once more quits"))
        let last = String(Self.recoveryKeyText.suffix(4))
        for c in last { _ = AccessUpdate.update(&model, .key(.character(c))) }
        #expect(AccessUpdate.update(&model, .key(.enter)).isEmpty)
        #expect(AccessView.render(model).text.contains("The account is created, but its history did not open"))
        #expect(model.grant == nil)
        #expect(AccessUpdate.update(&model, .key(.control("q"))) == [.quit])
    }

    /// Quitting while an account is being created waits for the outcome: a created account's
    /// key is shown; a failure quits. A second Ctrl-Q leaves at once.
    @Test func quittingDuringARegistrationWaitsForItsKey() {
        let given = Self.situation(hasAccount: false, passkey: .softwarePasskey(passphraseGiven: true))
        var model = AccessModel(size: Size(columns: 80, rows: 24))
        _ = AccessUpdate.update(&model, .situation(given))
        _ = AccessUpdate.update(&model, .key(.character("1")))
        #expect(AccessUpdate.update(&model, .key(.control("q"))).isEmpty)
        #expect(!model.quitting)
        #expect(AccessView.render(model).text.contains("Finishing the account creation"))
        _ = AccessUpdate.update(&model, .pinRequested(product: "Key", retriesLeft: 8))
        let key = SecureBytes(copying: Array(Self.recoveryKeyText.utf8))
        let effects = AccessUpdate.update(
            &model, .registered(recoveryKey: key, grant: .success(AccessGrant(service: InMemoryChatService()))))
        #expect(effects == [.answerPIN(nil)], "the PIN question it closes is answered")
        #expect(model.pin == nil && !model.quitting)
        #expect(AccessView.render(model).text.contains("Recovery key — shown once"))
        // The warning is taken back by any other key: a later Ctrl-Q warns again.
        _ = AccessUpdate.update(&model, .key(.control("q")))
        _ = AccessUpdate.update(&model, .key(.character("x")))
        #expect(AccessUpdate.update(&model, .key(.control("c"))).isEmpty)
        #expect(!model.quitting)

        // A registration that fails after Ctrl-Q quits.
        var failing = AccessModel(size: Size(columns: 80, rows: 24))
        _ = AccessUpdate.update(&failing, .situation(given))
        _ = AccessUpdate.update(&failing, .key(.character("1")))
        _ = AccessUpdate.update(&failing, .key(.control("q")))
        #expect(AccessUpdate.update(&failing, .failed(AccessProblem(.other, "offline"))) == [.quit])
        // And a second Ctrl-Q does not wait.
        var impatient = AccessModel(size: Size(columns: 80, rows: 24))
        _ = AccessUpdate.update(&impatient, .situation(given))
        _ = AccessUpdate.update(&impatient, .key(.character("1")))
        _ = AccessUpdate.update(&impatient, .key(.control("q")))
        #expect(AccessUpdate.update(&impatient, .key(.control("q"))) == [.cancel, .quit])
    }

    /// A wrong passphrase is asked again only for an unlock or a login; for a new passkey it
    /// is a failure (the device has no account to unlock).
    @Test func aPassphraseProblemForANewPasskeyIsAFailure() {
        var model = AccessModel(size: Size(columns: 80, rows: 24))
        _ = AccessUpdate.update(&model, .situation(Self.situation(hasAccount: false, passkey: .securityKey("Key"))))
        #expect(AccessUpdate.update(&model, .key(.character("1"))) == [.register(passphrase: nil)])
        _ = AccessUpdate.update(&model, .failed(AccessProblem(.wrongPassphrase, "no passphrase")))
        guard case .failed(_, let back) = model.screen else {
            Issue.record("a failure screen, not \(model.screen)")
            return
        }
        #expect(back == .welcome(selection: 0))
    }

    /// PIN questions belong to the ceremony under way: a stray one is answered "no" at once,
    /// and a failure that closes the modal answers the question it closes.
    @Test func strayPINQuestionsAreAnsweredAndNeverLeftWaiting() {
        var model = AccessModel(size: Size(columns: 80, rows: 24))
        _ = AccessUpdate.update(&model, .situation(Self.situation(hasAccount: false, passkey: .securityKey("Key"))))
        #expect(AccessUpdate.update(&model, .pinRequested(product: "Key", retriesLeft: 8)) == [.answerPIN(nil)])
        #expect(model.pin == nil)
        _ = AccessUpdate.update(&model, .touchRequested(product: "Key"))
        #expect(model.touch == nil)
        _ = AccessUpdate.update(&model, .key(.character("1")))
        _ = AccessUpdate.update(&model, .pinRequested(product: "Key", retriesLeft: 8))
        #expect(model.pin != nil)
        let effects = AccessUpdate.update(&model, .failed(AccessProblem(.other, "the key was unplugged")))
        #expect(effects == [.answerPIN(nil)])
        #expect(model.pin == nil)
    }

    /// A newer PIN question ends an older one unanswered, and so does cancelling the ceremony
    /// that asked: no ceremony waits for an answer that cannot come.
    @Test func theScreensPINSourceNeverLeavesACeremonyWaiting() async throws {
        let prompts = AccessPrompts()
        let asked = Mutex<[AccessEvent]>([])
        prompts.attach { event in asked.withLock { $0.append(event) } }
        let device = SecurityKeyDevice(path: "/dev/hidraw9", manufacturer: "T", product: "Key")
        let request = PINRequest(device: device, retriesLeft: 8)
        let first = Task { try await prompts.pinSource.pin(for: request) }
        while asked.withLock({ $0.count }) < 1 { try await Task.sleep(for: .milliseconds(2)) }
        let second = Task { try await prompts.pinSource.pin(for: request) }
        #expect(try await first.value == nil)
        prompts.answerPIN(SecureBytes(copying: Array("1234".utf8)))
        #expect(try await second.value?.count == 4)

        let third = Task { try await prompts.pinSource.pin(for: request) }
        while asked.withLock({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(2)) }
        third.cancel()
        #expect(try await third.value == nil)
        prompts.detach()
        #expect(try await prompts.pinSource.pin(for: request) == nil, "nobody to ask: no PIN")
    }

    /// On a short terminal a form's explanation gives way to its fields.
    @Test func shortTerminalsKeepTheFields() {
        var model = AccessModel(size: Size(columns: 42, rows: 11))
        _ = AccessUpdate.update(&model, .situation(Self.situation(hasAccount: false)))
        _ = AccessUpdate.update(&model, .key(.enter))
        let text = AccessView.render(model).text
        #expect(text.contains("Passphrase:") && text.contains("Same again:"))
        #expect(!text.contains("cannot be reset"))
        model.size = Size(columns: 80, rows: 24)
        #expect(AccessView.render(model).text.contains("cannot be reset"))
    }

    @Test func snapshots() {
        func model(_ events: [AccessEvent], size: Size = Size(columns: 80, rows: 24)) -> AccessModel {
            var model = AccessModel(size: size)
            for event in events { _ = AccessUpdate.update(&model, event) }
            return model
        }
        let fresh = AccessEvent.situation(Self.situation(hasAccount: false))
        Snapshot.assert(Snapshot.frame(AccessView.render(model([fresh]))), named: "access-welcome-80x24")
        Snapshot.assert(
            Snapshot.frame(
                AccessView.render(model([fresh] + KeyNotation.parse("<CR>secret<CR>sec").compactMap(Self.access)))),
            named: "access-new-passphrase-80x24")
        let fixedKey = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789-ABCD-EFGH-JKMN-PQRS-TVWX-YZ01"
        let registered = AccessEvent.registered(
            recoveryKey: SecureBytes(copying: Array(fixedKey.utf8)),
            grant: .success(AccessGrant(service: InMemoryChatService())))
        Snapshot.assert(
            Snapshot.frame(
                AccessView.render(
                    model([
                        .situation(Self.situation(hasAccount: false, passkey: .softwarePasskey(passphraseGiven: true))),
                        .key(.character("1")), registered,
                    ]))),
            named: "access-recovery-key-80x24")
        let locked = AccessEvent.situation(Self.situation(hasAccount: true))
        Snapshot.assert(
            Snapshot.frame(
                AccessView.render(
                    model(
                        [locked] + KeyNotation.parse("nope<CR>").compactMap(Self.access)
                            + [.failed(AccessProblem(.wrongPassphrase, "wrong")), .key(.character("x"))]))),
            named: "access-unlock-retry-80x24")
        let key = AccessEvent.situation(Self.situation(hasAccount: true, passkey: .securityKey("Test Key")))
        Snapshot.assert(
            Snapshot.frame(
                AccessView.render(
                    model([key, .pinRequested(product: "Test Key", retriesLeft: 3), .key(.character("7"))]))),
            named: "access-pin-80x24")
    }

    @Test func secretFieldsKeepTheirBytesAndPrintNothing() {
        var field = SecretField()
        field.insert("pässwörd 🔑")
        #expect(field.characterCount == 10)
        #expect(field.revealedText() == "pässwörd 🔑")
        let copy = field
        field.backspace()
        field.backspace()
        #expect(field.revealedText() == "pässwörd")
        #expect(copy.revealedText() == "pässwörd 🔑", "a copy is not changed by typing into the original")
        #expect(!"\(field)".contains("pä") && !String(reflecting: field).contains("pä"))
        field.insert("\u{7}\u{1B}x")
        #expect(field.revealedText() == "pässwördx", "control characters are not typed")
        field.clear()
        #expect(field.isEmpty && field.secret().count == 0)
        field.insert(String(repeating: "é", count: SecretField.capacity))
        #expect(field.byteCount == SecretField.capacity)
    }

    static func access(_ event: AppEvent) -> AccessEvent? {
        switch event {
        case .key(let key): .key(key)
        case .paste(let text): .paste(text)
        case .resize(let size): .resize(size)
        case .service, .tick, .editorFinished: nil
        }
    }
}

extension AccessModel.Screen {
    var isLogin: Bool {
        if case .login = self { return true }
        return false
    }
}
