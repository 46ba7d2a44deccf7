/// Edits text in the user's own editor. The runtime calls it on the UI thread with the
/// terminal suspended; tests swap in a fake.
public protocol EditorRunner {
    /// Hands `text` to the editor and waits for it.
    /// - Returns: the text as the editor left it, or why it could not be used.
    func edit(_ text: String) -> Result<String, EditorProblem>
}

/// Why an edit in the external editor was not taken. Never carries the text: the prompt may
/// be private.
public enum EditorProblem: Error, Hashable, Sendable {
    /// Neither $VISUAL nor $EDITOR is set, and there is no vi on PATH.
    case noEditor
    /// The shell that runs the editor could not be started.
    case cannotStart(errno: Int32)
    /// The editor exited with a status other than 0 (vi's `:cq` is how one cancels).
    case exited(editor: String, status: Int32)
    /// The editor was killed by a signal.
    case killed(editor: String, signal: Int32)
    /// The edited text is longer than the input takes.
    case tooLong(limit: Int)
    /// The editor removed the file.
    case fileRemoved
    /// The file is not UTF-8 text.
    case notText
    /// The private scratch file could not be made, read or written.
    case file(operation: String, errno: Int32)

    /// A one-line explanation for the banner.
    public var message: String {
        switch self {
        case .noEditor: "no editor: set $EDITOR or $VISUAL"
        case .cannotStart(let code): "the editor could not be started (errno \(code)); the input is unchanged"
        case .exited(let editor, 126), .exited(let editor, 127):
            "\(editor) could not be run (not found or not executable); the input is unchanged"
        case .exited(let editor, let status): "\(editor) exited with status \(status); the input is unchanged"
        case .killed(let editor, let signal): "\(editor) was stopped by signal \(signal); the input is unchanged"
        case .tooLong(let limit):
            "the edited text is over \(limit / 1024) KiB; the input is unchanged"
        case .fileRemoved: "the editor removed the file; the input is unchanged"
        case .notText: "the edited file is not UTF-8 text; the input is unchanged"
        case .file(let operation, let code):
            "could not \(operation) the editor's private file (errno \(code)); the input is unchanged"
        }
    }
}
