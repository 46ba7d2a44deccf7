import Core
import Wire

/// The app's state machine: a pure function from the state and one event to the next
/// state and the effects to run. No I/O, no clock, no terminal — tests drive it directly.
public enum Update {
    /// Applies `event` to `model`.
    /// - Returns: the effects the runtime should perform, in order.
    public static func update(_ model: inout AppModel, _ event: AppEvent) -> [Effect] {
        switch event {
        case .resize(let size):
            model.size = size
            return []
        case .paste(let text):
            return paste(&model, text)
        case .service(let serviceEvent):
            return service(&model, serviceEvent)
        case .tick:
            return [.pollSync]
        case .editorFinished(let result):
            return editorFinished(&model, result)
        case .key(let key):
            if model.overlay != nil { return overlayKey(&model, key) }
            if let effects = globalKey(&model, key) { return effects }
            switch model.focus {
            case .input: return inputKey(&model, key)
            case .list: return listKey(&model, key)
            }
        }
    }

    /// The effects to run when the app starts.
    public static func start() -> [Effect] {
        [.loadStatus, .loadConversations]
    }

    // MARK: - Keys

    private static func globalKey(_ model: inout AppModel, _ key: Key) -> [Effect]? {
        switch key {
        case .control("q"): return perform(&model, .quit)
        case .control("p"):
            model.overlay = .palette(query: "", selection: 0)
            return []
        case .function(1): return perform(&model, .help)
        case .function(2): return perform(&model, .messageDetails)
        case .control("n"): return perform(&model, .newConversation)
        case .control("f"): return perform(&model, .search)
        case .control("r"): return perform(&model, .regenerate)
        case .control("t"): return perform(&model, .switchTheme)
        case .control("y"): return perform(&model, .copyPick)
        case .control("c"):
            if let current = model.current, model.streaming[current] != nil { return perform(&model, .stop) }
            model.banner = "Ctrl-Q quits"
            return []
        case .control("e"): return perform(&model, .editInEditor)
        case .alt(","), .alt("<"): return perform(&model, .previousVersion)
        case .alt("."), .alt(">"): return perform(&model, .nextVersion)
        case .tab, .backTab:
            model.focus = model.focus == .input ? .list : .input
            if model.focus == .list { model.listSelection = selectedRowIndex(model) }
            return []
        case .pageUp:
            model.scrollOffset += pageSize(model)
            return []
        case .pageDown:
            model.scrollOffset = max(0, model.scrollOffset - pageSize(model))
            return []
        case .escape:
            if let current = model.current, model.streaming[current] != nil { return perform(&model, .stop) }
            if model.filter != nil {
                model.filter = nil
                return []
            }
            if model.banner != nil {
                model.banner = nil
                return []
            }
            model.focus = .input
            return []
        default:
            return nil
        }
    }

    private static func inputKey(_ model: inout AppModel, _ key: Key) -> [Effect] {
        switch key {
        case .character(let c): model.input.insert(String(c))
        case .enter: return send(&model)
        case .altEnter, .control("j"): model.input.insert("\n")
        case .backspace: model.input.backspace()
        case .delete: model.input.deleteForward()
        case .left: model.input.moveLeft()
        case .right: model.input.moveRight()
        case .home, .control("a"): model.input.moveHome()
        case .end: model.input.moveEnd()
        case .up:
            if !model.input.moveUp() { model.scrollOffset += 1 }
        case .down:
            if !model.input.moveDown() { model.scrollOffset = max(0, model.scrollOffset - 1) }
        case .control("w"): model.input.deleteWordBackward()
        case .control("u"): model.input.clear()
        default: break
        }
        return []
    }

    private static func listKey(_ model: inout AppModel, _ key: Key) -> [Effect] {
        let rows = model.listRows
        if model.filter != nil {
            switch key {
            case .character(let c):
                model.filter?.append(c)
                model.listSelection = 0
                return []
            case .backspace:
                if model.filter?.isEmpty == true { model.filter = nil } else { model.filter?.removeLast() }
                model.listSelection = 0
                return []
            default: break
            }
        }
        switch key {
        case .up, .character("k"): moveSelection(&model, by: -1)
        case .down, .character("j"): moveSelection(&model, by: 1)
        case .home: moveSelection(&model, by: -rows.count)
        case .end: moveSelection(&model, by: rows.count)
        case .character("/"):
            model.filter = ""
            model.listSelection = 0
        case .character("?"): model.overlay = .help
        case .character("n"): return perform(&model, .newConversation)
        case .character("p"): return perform(&model, .pin)
        case .character("d"): return perform(&model, selectedFolderRow(model) == nil ? .delete : .deleteFolder)
        case .character("r"): return perform(&model, selectedFolderRow(model) == nil ? .rename : .editFolder)
        case .character("m"): return perform(&model, .moveToFolder)
        case .enter, .character(" "), .character("l"), .right:
            guard rows.indices.contains(model.listSelection) else { return [] }
            switch rows[model.listSelection] {
            case .folder(let folder, _, _):
                if model.collapsedFolders.contains(folder.id) {
                    model.collapsedFolders.remove(folder.id)
                } else {
                    model.collapsedFolders.insert(folder.id)
                }
            case .conversation(let summary, _):
                model.filter = nil
                model.focus = .input
                let effects = open(&model, summary.id)
                model.listSelection = selectedRowIndex(model)
                return effects
            case .section: break
            }
        default: break
        }
        return []
    }

    private static func overlayKey(_ model: inout AppModel, _ key: Key) -> [Effect] {
        switch model.overlay {
        case .help, .notice:
            model.overlay = nil
            return key == .control("q") ? perform(&model, .quit) : []
        case .confirmDelete(let id):
            model.overlay = nil
            if key == .character("y") || key == .enter { return delete(&model, id) }
            return []
        case .rename(let id, var editor):
            switch key {
            case .escape: model.overlay = nil
            case .enter:
                model.overlay = nil
                let title = editor.text.trimmingSpaces()
                if let index = model.conversations.firstIndex(where: { $0.id == id }), !title.isEmpty {
                    model.conversations[index].title = title
                    return [.save(model.conversations[index])]
                }
            default:
                if editor.applyLineKey(key) { model.overlay = .rename(id, editor) }
            }
            return []
        case .folderForm(let form):
            return folderFormKey(&model, form, key)
        case .folderPicker(let picker):
            return folderPickerKey(&model, picker, key)
        case .copy(var picker):
            let last = max(0, picker.items.count - 1)
            switch key {
            case .escape, .control("y"): model.overlay = nil
            case .up, .character("k"): picker.selection = max(0, picker.selection - 1)
            case .down, .character("j"): picker.selection = min(last, picker.selection + 1)
            case .pageUp: picker.selection = max(0, picker.selection - pageSize(model))
            case .pageDown: picker.selection = min(last, picker.selection + pageSize(model))
            case .home: picker.selection = 0
            case .end: picker.selection = last
            case .enter:
                model.overlay = nil
                guard picker.items.indices.contains(picker.selection) else { return [] }
                let item = picker.items[picker.selection]
                switch item.kind {
                case .message(let role): model.banner = "Copied the \(role == .user ? "prompt" : "answer")"
                case .codeBlock: model.banner = "Copied the code block"
                }
                return [.copyToClipboard(item.text)]
            default: break
            }
            if model.overlay != nil { model.overlay = .copy(picker) }
            return []
        case .confirmDeleteFolder(let id):
            model.overlay = nil
            if key == .character("y") || key == .enter { return deleteFolder(&model, id) }
            return []
        case .search(var state):
            switch key {
            case .escape, .control("f"):
                model.overlay = nil
                return []
            case .up: state.selection = max(0, state.selection - 1)
            case .down: state.selection = min(max(0, state.results.count - 1), state.selection + 1)
            case .enter:
                if state.isCurrent, state.results.indices.contains(state.selection) {
                    return jump(&model, to: state.results[state.selection])
                }
                let query = state.query.text.trimmingSpaces()
                guard !query.isEmpty else { return [] }
                model.overlay = .search(state)
                return [.search(state.query.text)]
            default: _ = state.query.applyLineKey(key)
            }
            model.overlay = .search(state)
            return []
        case .palette(var query, var selection):
            let matches = paletteMatches(query)
            switch key {
            case .escape, .control("p"):
                model.overlay = nil
            case .up: selection = max(0, selection - 1)
            case .down: selection = min(max(0, matches.count - 1), selection + 1)
            case .enter:
                model.overlay = nil
                if matches.indices.contains(selection) { return perform(&model, matches[selection]) }
                return []
            case .character(let c):
                query.append(c)
                selection = 0
            case .backspace:
                if !query.isEmpty { query.removeLast() }
                selection = 0
            default: break
            }
            if model.overlay != nil { model.overlay = .palette(query: query, selection: selection) }
            return []
        case nil:
            return []
        }
    }

    /// The palette's actions matching `query` (every word must occur in the title).
    public static func paletteMatches(_ query: String) -> [AppAction] {
        let words = query.lowercased().split(separator: " ")
        return AppAction.allCases.filter { action in
            let title = action.title.lowercased()
            return words.allSatisfy { title.contains($0) }
        }
    }

    private static func paste(_ model: inout AppModel, _ text: String) -> [Effect] {
        // Fields of one line take a pasted block with its lines joined by spaces.
        let line = text.replacingCRLF().split(separator: "\n").joined(separator: " ")
        switch model.overlay {
        case .palette(let query, _):
            model.overlay = .palette(query: query + line, selection: 0)
        case .rename(let id, var editor):
            editor.insert(line)
            model.overlay = .rename(id, editor)
        case .search(var state):
            state.query.insert(line)
            model.overlay = .search(state)
        case .folderForm(var form):
            if form.field == 0 { form.name.insert(line) } else { form.instructions.insert(text.replacingCRLF()) }
            model.overlay = .folderForm(form)
        case .folderPicker(var picker):
            picker.query += line
            picker.selection = 0
            model.overlay = .folderPicker(picker)
        case .some:
            break
        case nil:
            if model.focus == .list, model.filter != nil {
                model.filter?.append(contentsOf: line)
            } else {
                model.focus = .input
                model.input.insert(text)
            }
        }
        return []
    }

    // MARK: - Actions

    /// Runs one of the app's actions (from a key, the palette or the list).
    public static func perform(_ model: inout AppModel, _ action: AppAction) -> [Effect] {
        switch action {
        case .quit:
            model.quitting = true
            return model.streaming.keys.sorted().map { .stop($0) } + [.quit]
        case .help:
            model.overlay = .help
            return []
        case .newConversation:
            // Untitled until its first prompt, stored when something is first sent or saved.
            let id = RecordID.random()
            let summary = ConversationSummary(id: id)
            model.conversations.insert(
                summary, at: model.conversations.firstIndex { !$0.pinned } ?? model.conversations.count)
            model.transcripts[id] = []
            model.current = id
            model.scrollOffset = 0
            model.focus = .input
            model.filter = nil
            model.listSelection = selectedRowIndex(model)
            return []
        case .search:
            model.overlay = .search(SearchState())
            return []
        case .editInEditor:
            model.focus = .input
            return [.editInEditor(model.input.text)]
        case .stop:
            guard let current = model.current, let streaming = model.streaming[current] else { return [] }
            model.streaming[current] = nil
            if model.banner == waitForAnswerHint { model.banner = nil }
            markInterrupted(&model, current, streaming.messageID)
            return [.stop(current)] + reloadIfStale(&model, current)
        case .regenerate:
            return regenerate(&model)
        case .previousVersion:
            return stepVersion(&model, by: -1)
        case .nextVersion:
            return stepVersion(&model, by: 1)
        case .pin:
            guard let id = targetConversation(model), let index = model.conversations.firstIndex(where: { $0.id == id })
            else { return [] }
            model.conversations[index].pinned.toggle()
            model.listSelection = selectedRowIndex(model, id)
            return [.save(model.conversations[index])]
        case .delete:
            guard let id = targetConversation(model) else { return [] }
            model.overlay = .confirmDelete(id)
            return []
        case .rename:
            guard let id = targetConversation(model), let summary = model.conversations.first(where: { $0.id == id })
            else { return [] }
            model.overlay = .rename(id, InputEditor(summary.title))
            return []
        case .moveToFolder:
            return openFolderPicker(&model)
        case .copyMessage:
            guard let text = model.messages.last(where: { $0.role == .assistant })?.text, !text.isEmpty else {
                model.banner = "Nothing to copy yet"
                return []
            }
            model.banner = "Copied the last answer"
            return [.copyToClipboard(text)]
        case .copyCodeBlock:
            guard let text = model.messages.last(where: { $0.role == .assistant })?.text,
                let code = CopyPicker.codeBlocks(in: text).last?.code
            else {
                model.banner = "No code block in the last answer"
                return []
            }
            model.banner = "Copied the code block"
            return [.copyToClipboard(code)]
        case .copyPick:
            let picker = CopyPicker(messages: model.messages)
            guard !picker.items.isEmpty else {
                model.banner = "Nothing to copy yet"
                return []
            }
            model.overlay = .copy(picker)
            return []
        case .attestationDetails:
            model.overlay = .notice(title: "Attestation", lines: attestationLines(model.status))
            return []
        case .messageDetails:
            // The banner cut at the screen's edge, whole and wrapped.
            guard let banner = model.banner else {
                model.banner = "No message to show"
                return []
            }
            model.overlay = .notice(title: "Message", lines: banner.split(separator: "\n").map(String.init))
            return []
        case .switchTheme:
            guard !model.themeNames.isEmpty else { return [] }
            let index = model.themeNames.firstIndex(of: model.themeName) ?? -1
            model.themeName = model.themeNames[(index + 1) % model.themeNames.count]
            model.banner = "Theme: \(model.themeName)"
            return []
        case .export:
            guard let id = targetConversation(model) else {
                model.banner = "Open a conversation to export it"
                return []
            }
            return [.export(id, showing: shownVersions(model, id))]
        case .newFolder:
            model.overlay = .folderForm(FolderForm())
            return []
        case .editFolder:
            guard let folder = targetFolder(model) else {
                model.banner = noFolderMessage
                return []
            }
            model.overlay = .folderForm(FolderForm(editing: folder))
            return []
        case .deleteFolder:
            guard let folder = targetFolder(model) else {
                model.banner = noFolderMessage
                return []
            }
            model.overlay = .confirmDeleteFolder(folder.id)
            return []
        }
    }

    /// Said when a prompt is sent while the answer streams; it goes when that answer ends.
    static let waitForAnswerHint = "Wait for the answer, or press Esc to stop it"

    private static func send(_ model: inout AppModel) -> [Effect] {
        let prompt = model.input.text
        // Blank (spaces and line breaks only) is not a prompt.
        guard !prompt.allSatisfy({ $0 == " " || $0 == "\n" }) else { return [] }
        if let current = model.current, model.streaming[current] != nil {
            model.banner = waitForAnswerHint
            return []
        }
        if model.current == nil { _ = perform(&model, .newConversation) }
        guard let current = model.current else { return [] }
        // An untitled conversation takes its first prompt's words, as the history does.
        if let index = model.conversations.firstIndex(where: { $0.id == current }),
            model.conversations[index].title.isEmpty
        {
            model.conversations[index].title = ConversationTitle.from(prompt: prompt)
        }
        // What fits in the model's context, judged before anything is sent.
        var note: String?
        if let use = contextUse(model, draft: prompt) {
            switch use.budget.fit(use.messages) {
            case .tooLong(let needed, let over):
                model.overlay = .notice(
                    title: "Not sent: too long for the model",
                    lines: [
                        "This message is about \(ContextBudget.short(needed)) tokens; the model reads about \(ContextBudget.short(use.budget.promptTokens)) (its context is \(ContextBudget.short(use.budget.contextTokens)), \(ContextBudget.short(use.budget.answerTokens)) kept for the answer).",
                        "Shorten it by about \(ContextBudget.short(over)) tokens (some \(over * 3) characters), or split it in parts. The draft is kept.",
                    ])
                return []
            case .dropping(let dropped, let used):
                note =
                    "The \(dropped) oldest message\(dropped == 1 ? "" : "s") left out: the model reads about \(ContextBudget.short(used)) of \(ContextBudget.short(use.budget.promptTokens)) tokens"
            case .fits:
                break
            }
        }
        model.input.clear()
        model.banner = nil
        model.scrollOffset = 0
        let promptID = RecordID.random()
        var transcript = model.transcripts[current] ?? []
        transcript.append(ChatMessage(id: promptID, role: .user, text: prompt))
        let effects = startAnswer(&model, current, after: transcript, .prompt(id: promptID, text: prompt))
        model.banner = note
        return effects
    }

    /// The open conversation as the model would read it with `draft` sent (its folder's
    /// instructions, what is shown, the draft), and the context it must fit; nil until the
    /// server has announced its context.
    static func contextUse(
        _ model: AppModel, draft: String
    ) -> (
        messages: [ChatRequest.Message], budget: ContextBudget
    )? {
        guard let budget = model.status.budget else { return nil }
        let id = model.current
        let folder = model.conversations.first { $0.id == id }?.folder
        let instructions = model.folders.first { $0.id == folder }?.instructions ?? ""
        var messages: [ChatRequest.Message] = instructions.isEmpty ? [] : [.init(role: .system, content: instructions)]
        messages += (id.flatMap { model.transcripts[$0] } ?? []).filter { !$0.text.isEmpty }.map {
            ChatRequest.Message(role: $0.role, content: $0.text)
        }
        messages.append(.init(role: .user, content: draft))
        return (messages, budget)
    }

    /// Shows an empty answer after `shown` and asks for it.
    private static func startAnswer(
        _ model: inout AppModel, _ id: RecordID, after shown: [ChatMessage], _ ask: ChatTurn.Ask
    ) -> [Effect] {
        let answerID = RecordID.random()
        model.transcripts[id] = shown + [ChatMessage(id: answerID, role: .assistant, text: "")]
        model.streaming[id] = Streaming(conversation: id, messageID: answerID, tokens: 0)
        let folder = model.conversations.first { $0.id == id }?.folder
        let instructions = model.folders.first { $0.id == folder }?.instructions ?? ""
        return [
            .send(
                ChatTurn(
                    conversation: id, ask: ask, answer: answerID, instructions: instructions,
                    shownVersions: shownVersions(model, id), budget: model.status.budget))
        ]
    }

    /// The earlier versions of regenerated answers shown in conversation `id` (in place of
    /// the current ones): what the model reads and an export writes is what is on screen.
    static func shownVersions(_ model: AppModel, _ id: RecordID) -> Set<RecordID> {
        Set((model.transcripts[id] ?? []).filter { !$0.later.isEmpty }.map(\.id))
    }

    /// Alt-, and Alt-.: the open conversation's last regenerated answer shows its previous or
    /// next version. Not while an answer streams there (its text is still arriving).
    private static func stepVersion(_ model: inout AppModel, by delta: Int) -> [Effect] {
        guard let current = model.current, model.streaming[current] == nil,
            let index = model.transcripts[current]?.lastIndex(where: { $0.versionCount > 1 }),
            let message = model.transcripts[current]?[index]
        else {
            model.banner = "No other version of an answer here (Ctrl-R makes one)"
            return []
        }
        let shown = message.showing(by: delta)
        model.transcripts[current]?[index] = shown
        model.banner = "Answer \(shown.versionNumber) of \(shown.versionCount)"
        return []
    }

    /// Ctrl-R: the last prompt answered again, its answer (complete or broken off) replaced;
    /// an answer the model stopped at the length limit is continued instead.
    private static func regenerate(_ model: inout AppModel) -> [Effect] {
        guard let current = model.current, model.streaming[current] == nil,
            let transcript = model.transcripts[current],
            let lastUser = transcript.lastIndex(where: { $0.role == .user })
        else { return [] }
        if let last = transcript.last, last.role == .assistant, last.stoppedAtLength, !last.interrupted {
            return continueAnswer(&model, current, last)
        }
        model.scrollOffset = 0
        // A banner about the answer being replaced ("broke off") no longer applies.
        model.banner = nil
        // The answer it replaces becomes an earlier version (one that never got a word was
        // not stored, and is no version). The new one follows every version there is.
        var versions: [ChatMessage] = []
        if lastUser + 1 < transcript.count, transcript[lastUser + 1].role == .assistant {
            versions = transcript[lastUser + 1].versions.filter { !$0.text.isEmpty }
        }
        let effects = startAnswer(
            &model, current, after: Array(transcript[...lastUser]), .again(prompt: transcript[lastUser].id))
        if let last = model.transcripts[current]?.indices.last { model.transcripts[current]?[last].earlier = versions }
        return effects
    }

    /// Continues `answer` (stopped at the length limit) in place: what arrives is added to its
    /// text, stored as a new version that replaces it.
    private static func continueAnswer(_ model: inout AppModel, _ id: RecordID, _ answer: ChatMessage) -> [Effect] {
        model.scrollOffset = 0
        model.banner = nil
        // Read before the answer leaves the screen: an earlier version is continued as shown.
        let shown = shownVersions(model, id)
        let answerID = RecordID.random()
        let continued = ChatMessage(id: answerID, role: .assistant, text: answer.text, earlier: answer.versions)
        model.transcripts[id] = (model.transcripts[id] ?? []).dropLast() + [continued]
        model.streaming[id] = Streaming(conversation: id, messageID: answerID, tokens: 0)
        let folder = model.conversations.first { $0.id == id }?.folder
        let instructions = model.folders.first { $0.id == folder }?.instructions ?? ""
        return [
            .send(
                ChatTurn(
                    conversation: id, ask: .continuation(answer: answer.id), answer: answerID,
                    instructions: instructions, shownVersions: shown, budget: model.status.budget))
        ]
    }

    private static func open(_ model: inout AppModel, _ id: RecordID) -> [Effect] {
        model.current = id
        model.scrollOffset = 0
        if let index = model.conversations.firstIndex(where: { $0.id == id }) {
            model.conversations[index].unread = false
        }
        return model.transcripts[id] == nil ? [.loadConversation(id)] : []
    }

    /// Opens the conversation of a search hit with the matching message at the top.
    private static func jump(_ model: inout AppModel, to hit: SearchHit) -> [Effect] {
        model.overlay = nil
        var effects = open(&model, hit.conversation)
        // A message another device added since the transcript loaded: reload it.
        if let transcript = model.transcripts[hit.conversation],
            !transcript.contains(where: { $0.id == hit.messageID }),
            model.streaming[hit.conversation] == nil
        {
            effects.append(.loadConversation(hit.conversation))
        }
        model.scrollTarget = hit.messageID
        model.searchMark = hit.messageID
        model.focus = .input
        model.listSelection = selectedRowIndex(model)
        return effects
    }

    private static func delete(_ model: inout AppModel, _ id: RecordID) -> [Effect] {
        var effects: [Effect] = []
        if model.streaming.removeValue(forKey: id) != nil { effects.append(.stop(id)) }
        model.staleTranscripts.remove(id)
        model.conversations.removeAll { $0.id == id }
        model.transcripts[id] = nil
        if model.current == id {
            model.current = nil
            if let first = model.conversations.first { effects += open(&model, first.id) }
        }
        model.listSelection = min(model.listSelection, max(0, model.listRows.count - 1))
        return effects + [.delete(id)]
    }

    // MARK: - Service events

    private static func service(_ model: inout AppModel, _ event: ServiceEvent) -> [Effect] {
        switch event {
        case .status(let status):
            model.status = status
        case .conversationsLoaded(let conversations, let folders):
            return conversationsLoaded(&model, conversations, folders: folders)
        case .conversationLoaded(let id, let messages):
            if model.streaming[id] == nil {
                model.transcripts[id] = keepingInterruptedAnswer(shown: model.transcripts[id], loaded: messages)
            } else {
                // Not under a streaming answer: once it ends.
                model.staleTranscripts.insert(id)
            }
        case .answerToken(let id, let text, let time):
            guard var streaming = model.streaming[id],
                let index = model.transcripts[id]?.lastIndex(where: { $0.id == streaming.messageID })
            else { return [] }
            model.transcripts[id]?[index].text += text
            streaming.tokens += 1
            streaming.reading = nil
            if streaming.startTime == nil { streaming.startTime = time }
            streaming.lastTime = time
            model.streaming[id] = streaming
        case .answerProgress(let id, let read, let total):
            guard var streaming = model.streaming[id], streaming.tokens == 0 else { return [] }
            streaming.reading = Streaming.Reading(read: read, total: total)
            model.streaming[id] = streaming
        case .answerStoppedAtLength(let id):
            guard let streaming = model.streaming[id],
                let index = model.transcripts[id]?.lastIndex(where: { $0.id == streaming.messageID })
            else { return [] }
            model.transcripts[id]?[index].stoppedAtLength = true
        case .answerFinished(let id, _):
            guard model.streaming.removeValue(forKey: id) != nil else { return [] }
            if model.banner == waitForAnswerHint { model.banner = nil }
            if model.current != id, let index = model.conversations.firstIndex(where: { $0.id == id }) {
                model.conversations[index].unread = true
            }
            return reloadIfStale(&model, id)
        case .answerFailed(let id, let message):
            guard let streaming = model.streaming.removeValue(forKey: id) else { return [] }
            markInterrupted(&model, id, streaming.messageID)
            model.banner = message
            return reloadIfStale(&model, id)
        case .failed(let message):
            model.banner = message
        case .sync(let snapshot):
            model.status.sync = snapshot.state
            if let warning = snapshot.integrityWarning, warning != model.status.integrityWarning {
                model.banner = warning
            }
            model.status.integrityWarning = snapshot.integrityWarning
            guard snapshot.generation != model.historyGeneration else { return [] }
            // Another device's changes arrived: reload the list and what is shown. A streaming
            // conversation is reloaded once its answer ends; other loaded transcripts are
            // forgotten (reloaded when opened), except those holding an interrupted answer,
            // which exists only on this screen.
            model.historyGeneration = snapshot.generation
            var effects: [Effect] = [.loadConversations]
            for (id, transcript) in model.transcripts where !transcript.isEmpty {
                if model.streaming[id] != nil {
                    model.staleTranscripts.insert(id)
                } else if id == model.current {
                    effects.append(.loadConversation(id))
                } else if !transcript.contains(where: \.interrupted) {
                    model.transcripts[id] = nil
                }
            }
            return effects
        case .exported(let path):
            model.banner = "Exported to \(path) (plaintext, readable only by you)"
        case .searchResults(let query, let hits):
            guard case .search(var state) = model.overlay, state.query.text == query else { return [] }
            state.resultsQuery = query
            state.results = hits
            state.selection = 0
            model.overlay = .search(state)
        }
        return []
    }

    /// The edited text replaces the input; on failure the input stays and the banner says why.
    private static func editorFinished(_ model: inout AppModel, _ result: Result<String, EditorProblem>) -> [Effect] {
        // Ctrl-E from the folder form edited its instructions: they take the text.
        if case .folderForm(var form) = model.overlay, form.field == 1 {
            switch result {
            case .success(let edited):
                var text = edited.replacingCRLF()
                if text.hasSuffix("\n") { text.removeLast() }
                form.instructions = InputEditor(text)
                model.overlay = .folderForm(form)
            case .failure(let problem):
                model.banner = problem.message
            }
            return []
        }
        switch result {
        case .success(let edited):
            var text = edited.replacingCRLF()
            // Editors end a file with a newline; the prompt does not want it.
            if text.hasSuffix("\n") { text.removeLast() }
            model.input = InputEditor(text)
            model.focus = .input
            model.banner = nil
        case .failure(let problem):
            model.banner = problem.message
        }
        return []
    }

    /// A new list from the service (at start, or after a sync pass changed the history).
    private static func conversationsLoaded(
        _ model: inout AppModel, _ conversations: [ConversationSummary], folders: [Folder]
    ) -> [Effect] {
        let rows = model.listRows
        let selectedRow = rows.indices.contains(model.listSelection) ? rows[model.listSelection] : nil
        let loaded = Set(conversations.map(\.id))
        // What exists only here so far: a new conversation with nothing sent yet, or one whose
        // first answer is streaming before the service has stored it.
        let onlyHere = model.conversations.filter {
            !loaded.contains($0.id)
                && ((model.transcripts[$0.id]?.isEmpty != false && $0.id == model.current)
                    || model.streaming[$0.id] != nil)
        }
        let unread = Set(model.conversations.filter(\.unread).map(\.id))
        var merged = conversations.map { summary in
            var summary = summary
            if unread.contains(summary.id) { summary.unread = true }
            return summary
        }
        merged.insert(contentsOf: onlyHere, at: merged.firstIndex { !$0.pinned } ?? merged.count)
        model.conversations = merged
        model.folders = folders
        var effects: [Effect] = []
        let first = model.current == nil && model.historyGeneration == 0 && rows.isEmpty
        if let current = model.current, !model.conversations.contains(where: { $0.id == current }) {
            // Deleted on another device. Nothing else opens in its place: a draft in the input
            // must not go to a conversation the user did not choose.
            model.transcripts[current] = nil
            model.current = nil
            model.scrollTarget = nil
            model.searchMark = nil
            model.banner = "This conversation was deleted on another device"
        }
        if first, let conversation = model.conversations.first {
            effects = open(&model, conversation.id)
        }
        model.listSelection = rowIndex(model, keeping: first ? nil : selectedRow, else: model.listSelection)
        return effects
    }

    // MARK: - Helpers

    /// Reloads a conversation a sync changed while its answer streamed, now that it ended.
    private static func reloadIfStale(_ model: inout AppModel, _ id: RecordID) -> [Effect] {
        model.staleTranscripts.remove(id) != nil ? [.loadConversation(id)] : []
    }

    /// An answer that broke off is stored when the service has it; until then (or when storing
    /// failed) a reload would take it off the screen: it stays after its prompt, where Ctrl-R
    /// retries it.
    private static func keepingInterruptedAnswer(shown: [ChatMessage]?, loaded: [ChatMessage]) -> [ChatMessage] {
        guard let shown, let answer = shown.last, answer.role == .assistant, answer.interrupted,
            let prompt = shown.dropLast().last, prompt.role == .user,
            loaded.last?.id == prompt.id
        else { return loaded }
        return loaded + [answer]
    }

    private static func markInterrupted(_ model: inout AppModel, _ id: RecordID, _ messageID: RecordID) {
        if let index = model.transcripts[id]?.lastIndex(where: { $0.id == messageID }) {
            model.transcripts[id]?[index].interrupted = true
        }
    }

    /// The conversation an action applies to: the highlighted one in the list, else the open one.
    static func targetConversation(_ model: AppModel) -> RecordID? {
        if model.focus == .list {
            let rows = model.listRows
            if rows.indices.contains(model.listSelection), let id = rows[model.listSelection].conversationID {
                return id
            }
        }
        return model.current
    }

    static func moveSelection(_ model: inout AppModel, by delta: Int) {
        let rows = model.listRows
        guard !rows.isEmpty else { return }
        var index = min(max(0, model.listSelection + delta), rows.count - 1)
        let step = delta < 0 ? -1 : 1
        while rows.indices.contains(index) && !rows[index].isSelectable { index += step }
        if !rows.indices.contains(index) {
            index = model.listSelection
        }
        model.listSelection = min(max(0, index), rows.count - 1)
    }

    /// Where `row` is now (the same conversation or folder), else the old index, clamped to
    /// a selectable row; with no row, the open conversation's.
    private static func rowIndex(_ model: AppModel, keeping row: ConversationListRow?, else old: Int) -> Int {
        let rows = model.listRows
        guard !rows.isEmpty else { return 0 }
        guard let row else { return selectedRowIndex(model) }
        if let found = rows.firstIndex(where: { $0.isSameItem(as: row) }) { return found }
        var index = min(max(0, old), rows.count - 1)
        while index > 0 && !rows[index].isSelectable { index -= 1 }
        while index < rows.count - 1 && !rows[index].isSelectable { index += 1 }
        return index
    }

    static func selectedRowIndex(_ model: AppModel, _ id: RecordID? = nil) -> Int {
        let target = id ?? model.current
        return model.listRows.firstIndex { $0.conversationID == target && target != nil } ?? 0
    }

    private static func pageSize(_ model: AppModel) -> Int {
        max(1, Layout(model: model).chat.height - 2)
    }

    static func attestationLines(_ status: StatusInfo) -> [String] {
        var lines = ["Server: \(status.server.isEmpty ? "(none)" : status.server)"]
        switch status.attestation {
        case .unverified:
            lines.append("Not verified yet.")
        case .verified(let platform, let measurement, let simulated):
            // Development attestation proves nothing about hardware: never called trusted.
            lines.append(simulated ? "Verdict: simulated (development)" : "Verdict: trusted")
            lines.append("Platform: \(platform)")
            lines.append("Measurement: \(measurement)")
            if simulated { lines.append("DEV: simulated attestation — not a real TEE") }
        case .failed(let code):
            lines.append("Verdict: refused (\(code)); nothing was sent")
        }
        if !status.audit.isEmpty {
            lines.append("Last audit record:")
            lines += status.audit.map { "  " + $0 }
        }
        lines.append("Model: \(status.model.isEmpty ? "(unknown)" : status.model)")
        if !status.modelDigest.isEmpty { lines.append("Model SHA-256: \(status.modelDigest)") }
        return lines
    }
}
