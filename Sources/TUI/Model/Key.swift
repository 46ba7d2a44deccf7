import Core
import Wire

/// A key press, decoded from the terminal's input.
public enum Key: Hashable, Sendable {
    case character(Character)
    case enter
    /// Alt-Enter: a newline in the composer (Shift-Enter is not told apart by terminals).
    case altEnter
    case tab, backTab, backspace, delete, escape
    case up, down, left, right, home, end, pageUp, pageDown
    /// Ctrl with a letter, lower case: `.control("j")` is Ctrl-J.
    case control(Character)
    /// Alt (or Esc then) a character.
    case alt(Character)
    /// F1…F12.
    case function(Int)
}

/// Everything `update` reacts to: input, the terminal, and the results of effects.
public enum AppEvent: Hashable, Sendable {
    case key(Key)
    /// A bracketed paste: inserted, never sent.
    case paste(String)
    case resize(Size)
    case service(ServiceEvent)
    /// A second passed (the runtime's clock): time to ask how sync is doing.
    case tick
    /// The external editor is done: the edited text, or why the input stays as it was.
    case editorFinished(Result<String, EditorProblem>)
}

/// What the chat service reports back to the app. Times are seconds on the runtime's
/// monotonic clock, so tokens per second stay a pure computation.
public enum ServiceEvent: Hashable, Sendable {
    case conversationsLoaded([ConversationSummary], folders: [Folder])
    case conversationLoaded(RecordID, [ChatMessage])
    case status(StatusInfo)
    case answerToken(RecordID, String, time: Double)
    /// The model has read `read` of the prompt's `total` tokens (a long prompt, before the
    /// first token).
    case answerProgress(RecordID, read: Int, total: Int)
    case answerFinished(RecordID, time: Double)
    /// The model stopped the answer at the length limit (its `end` said so); `answerFinished`
    /// follows.
    case answerStoppedAtLength(RecordID)
    /// The answer broke off; the partial text stays, marked interrupted.
    case answerFailed(RecordID, message: String)
    /// Something went wrong outside an answer; shown in the banner.
    case failed(message: String)
    /// The messages matching `query`.
    case searchResults(query: String, [SearchHit])
    /// A conversation was exported to this file.
    case exported(path: String)
    /// Sync's state, and how often it changed the history.
    case sync(SyncSnapshot)
}

/// A side effect `update` asks the runtime to perform. Effects run as tasks and post
/// their results back as `ServiceEvent`s; editing in the external editor alone runs on the
/// UI thread, as it takes the terminal over.
public enum Effect: Hashable, Sendable {
    /// Searches every conversation's messages.
    case search(String)
    /// Exports one conversation to Markdown, showing these earlier versions of its
    /// regenerated answers (the current ones otherwise).
    case export(RecordID, showing: Set<RecordID>)
    case loadConversations
    case loadConversation(RecordID)
    case loadStatus
    /// Asks the service how sync is doing (cheap, no network).
    case pollSync
    /// Runs a chat turn and streams its answer.
    case send(ChatTurn)
    case stop(RecordID)
    case save(ConversationSummary)
    /// Stores a folder (new or changed).
    case saveFolder(Folder)
    case delete(RecordID)
    /// Deletes a folder (its conversations were moved out by `save` effects before it).
    case deleteFolder(RecordID)
    case copyToClipboard(String)
    /// Opens the input's text in the user's editor; `editorFinished` brings it back.
    case editInEditor(String)
    case quit
}
