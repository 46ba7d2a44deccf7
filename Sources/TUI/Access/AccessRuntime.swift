import Wire

/// Runs the access screens on the UI thread, on the backend the main screen then uses: reads
/// input, feeds `AccessUpdate`, runs the ceremonies as tasks against the `AccessService`, and
/// answers the security key's questions through `AccessPrompts`.
public final class AccessRuntime {
    public private(set) var model: AccessModel
    public let backend: any TerminalBackend
    let service: any AccessService
    let prompts: AccessPrompts
    let theme: Theme
    let inbox = EventInbox<AccessEvent>()
    private var ceremony: Task<Void, Never>?
    private var dirty = true

    public init(
        backend: any TerminalBackend, service: any AccessService, prompts: AccessPrompts, theme: Theme
    ) {
        self.backend = backend
        self.service = service
        self.prompts = prompts
        self.theme = theme
        model = AccessModel(size: backend.size)
        let inbox = self.inbox
        prompts.attach { inbox.post($0) }
        run(AccessUpdate.start())
    }

    /// Loops until the history is open (its grant) or the user quits (nil).
    public func run() -> AccessGrant? {
        while model.grant == nil && !model.quitting {
            step(timeoutMilliseconds: 50)
        }
        prompts.detach()
        return model.quitting ? nil : model.grant
    }

    /// One turn: input, posted results, update, effects, and a frame if anything changed.
    public func step(timeoutMilliseconds: Int = 0) {
        if dirty { render() }
        let events = backend.readEvents(timeoutMilliseconds: timeoutMilliseconds).compactMap(AccessEvent.init)
        for event in events + inbox.drain() {
            send(event)
        }
        if dirty { render() }
    }

    /// Applies one event as if it had arrived (tests).
    public func send(_ event: AccessEvent) {
        let effects = AccessUpdate.update(&model, event)
        dirty = true
        run(effects)
    }

    public func render() {
        backend.present(AccessView.render(model), theme: theme)
        dirty = false
    }

    private func run(_ effects: [AccessEffect]) {
        for effect in effects { perform(effect) }
    }

    private func perform(_ effect: AccessEffect) {
        let service = self.service
        switch effect {
        case .loadSituation:
            let inbox = self.inbox
            Task { inbox.post(.situation(await service.situation())) }
        case .register(let passphrase):
            start { .registered(try await service.register(passphrase: passphrase)) }
        case .login(let path, let passphrase):
            start { .granted(try await service.login(softwarePasskeyPath: path, passphrase: passphrase)) }
        case .recover(let recoveryKey, let passphrase):
            start { .granted(try await service.recover(recoveryKey: recoveryKey, passphrase: passphrase)) }
        case .unlock(let passphrase):
            start { .granted(try await service.unlock(passphrase: passphrase)) }
        case .answerPIN(let pin):
            prompts.answerPIN(pin)
        case .cancel:
            ceremony?.cancel()
            ceremony = nil
            prompts.answerPIN(nil)
        case .finish, .quit:
            break
        }
    }

    /// Runs one ceremony; its outcome (or failure) comes back through the inbox.
    private func start(_ body: @escaping @Sendable () async throws -> Outcome) {
        let inbox = self.inbox
        ceremony?.cancel()
        ceremony = Task {
            do {
                switch try await body() {
                case .registered(let registration):
                    // Even when cancelled: the account exists, its recovery key must be shown.
                    inbox.post(.registered(recoveryKey: registration.recoveryKey, grant: registration.grant))
                case .granted(let grant):
                    guard !Task.isCancelled else { return }
                    inbox.post(.granted(grant))
                }
            } catch {
                guard !Task.isCancelled else { return }
                inbox.post(.failed(error as? AccessProblem ?? AccessProblem(.other, "\(error)")))
            }
        }
    }

    private enum Outcome: Sendable {
        case registered(AccessRegistration)
        case granted(AccessGrant)
    }
}
