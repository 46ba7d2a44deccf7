import Core
import Foundation
import Wire

/// Runs the app: reads input from a backend, feeds `update`, runs effects as tasks against
/// the chat service, and presents `view` — all on the calling thread, which must be the one
/// that owns the backend (ncurses: one thread only).
public final class Runtime {
    public private(set) var model: AppModel
    public let backend: any TerminalBackend
    let service: any ChatService
    let themes: ThemeCatalog
    let editor: any EditorRunner
    let inbox = Inbox()
    let cache = RenderCache()
    private var answers: [RecordID: Task<Void, Never>] = [:]
    private var dirty = true
    private let start = ContinuousClock.now
    private var lastTick = ContinuousClock.now
    private var polling = false

    /// - Parameters:
    ///   - banner: a message to show from the first frame (e.g. "server unreachable").
    ///   - editor: runs the user's editor for Ctrl-E (tests pass a fake).
    public init(
        backend: any TerminalBackend, service: any ChatService, themes: ThemeCatalog, themeName: String? = nil,
        banner: String? = nil,
        editor: any EditorRunner = ExternalEditor(environment: ProcessInfo.processInfo.environment)
    ) {
        self.backend = backend
        self.service = service
        self.themes = themes
        self.editor = editor
        let name = themeName.flatMap { themes.themes[$0] != nil ? $0 : nil } ?? ThemeCatalog.defaultThemeName
        model = AppModel(size: backend.size, themeName: name, themeNames: themes.names)
        if let problem = themes.problems.first { model.banner = problem.description }
        if let banner { model.banner = banner }
        run(Update.start())
    }

    /// Loops until the user quits.
    public func run() {
        while !model.quitting {
            step(timeoutMilliseconds: model.streaming.isEmpty ? 50 : 16)
        }
        for task in answers.values { task.cancel() }
    }

    /// One turn of the loop: input, posted results, update, effects, and a frame if anything changed.
    public func step(timeoutMilliseconds: Int = 0) {
        if dirty { render() }
        var events = backend.readEvents(timeoutMilliseconds: timeoutMilliseconds) + inbox.drain()
        if ContinuousClock.now - lastTick >= .seconds(1) {
            lastTick = .now
            events.append(.tick)
        }
        for event in events {
            send(event)
        }
        if dirty { render() }
    }

    /// Applies one event as if it had arrived (tests, scripted demos).
    public func send(_ event: AppEvent) {
        let shownSync = (model.status.sync, model.historyGeneration)
        let effects = Update.update(&model, event)
        switch event {
        case .tick:
            break  // changes nothing on screen by itself
        case .service(.sync):
            polling = false
            // Asked every second: a frame only when the answer changed something.
            if shownSync != (model.status.sync, model.historyGeneration) { dirty = true }
        default:
            dirty = true
        }
        run(effects)
    }

    /// The current frame, rendered now.
    public func render() {
        let frame = AppView.render(model, cache: cache)
        if let scrollTo = frame.scrollTo {
            // The search hit's conversation is drawn: from now on the offset holds it in place.
            model.scrollOffset = scrollTo
            model.scrollTarget = nil
        }
        if let maxScroll = frame.maxScroll, model.scrollOffset > maxScroll {
            // The view found the top: keep the offset where PgDn acts at once.
            model.scrollOffset = maxScroll
        }
        backend.present(frame.buffer, theme: themes.theme(named: model.themeName))
        dirty = false
    }

    private func run(_ effects: [Effect]) {
        for effect in effects {
            perform(effect)
        }
    }

    /// Runs a service call in a task and posts what it answers, if anything; a failure becomes
    /// a banner starting with `failure`.
    private func background(_ failure: String, _ call: @escaping @Sendable () async throws -> ServiceEvent?) {
        let inbox = self.inbox
        Task {
            do {
                if let event = try await call() { inbox.post(.service(event)) }
            } catch {
                inbox.post(.service(.failed(message: "\(failure): \(error)")))
            }
        }
    }

    private func perform(_ effect: Effect) {
        let inbox = self.inbox
        let service = self.service
        switch effect {
        case .quit:
            model.quitting = true
        case .copyToClipboard(let text):
            backend.copyToClipboard(text)
        case .editInEditor(let text):
            // Here, not in a task: the editor owns the terminal until it exits, and curses
            // may only be touched from this thread. Answers still arrive in the inbox meanwhile.
            backend.suspend()
            let result = editor.edit(text)
            backend.resume()
            send(.editorFinished(result))
        case .saveFolder(let folder):
            background("Could not save the folder") {
                try await service.saveFolder(folder)
                return nil
            }
        case .export(let id, let shown):
            background("The export failed") { .exported(path: try await service.exportMarkdown(id, showing: shown)) }
        case .search(let query):
            background("The search failed") {
                .searchResults(query: query, try await service.search(query, limit: 200))
            }
        case .loadStatus:
            Task { inbox.post(.service(.status(await service.status()))) }
        case .pollSync:
            // One question at a time: a slow answer must not pile up others.
            guard !polling else { return }
            polling = true
            Task { inbox.post(.service(.sync(await service.syncSnapshot()))) }
        case .loadConversations:
            background("Could not load the conversations") {
                let (conversations, folders) = try await service.conversations()
                return .conversationsLoaded(conversations, folders: folders)
            }
        case .loadConversation(let id):
            background("Could not load the conversation") {
                .conversationLoaded(id, try await service.messages(of: id))
            }
        case .save(let summary):
            background("Could not save the conversation") {
                try await service.save(summary)
                return nil
            }
        case .delete(let id):
            background("Could not delete the conversation") {
                try await service.delete(id)
                return nil
            }
        case .deleteFolder(let id):
            background("Could not delete the folder") {
                try await service.deleteFolder(id)
                return nil
            }
        case .stop(let id):
            answers.removeValue(forKey: id)?.cancel()
        case .send(let turn):
            let id = turn.conversation
            let start = self.start
            answers[id]?.cancel()
            // The one consumer of the answer: the events of a received chunk are posted together,
            // so the screen draws them in one frame; cancelling this task stops the turn.
            answers[id] = Task {
                func now() -> Double {
                    let elapsed = ContinuousClock.now - start
                    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                }
                do {
                    for try await event in try await service.send(turn) {
                        switch event {
                        case .token(let piece): inbox.post(.service(.answerToken(id, piece, time: now())))
                        case .error(let code, let message): throw ChatServiceError(serverCode: code, message)
                        case .end(.length, _, _): inbox.post(.service(.answerStoppedAtLength(id)))
                        case .progress(let read, let total):
                            inbox.post(.service(.answerProgress(id, read: read, total: total)))
                        case .start, .end: break
                        }
                    }
                    if !Task.isCancelled { inbox.post(.service(.answerFinished(id, time: now()))) }
                } catch {
                    if !Task.isCancelled {
                        inbox.post(.service(.answerFailed(id, message: "The answer broke off: \(error)")))
                    }
                }
            }
        }
    }
}
