/// The actions of the app, each reachable from the command palette and listed in help.
public enum AppAction: String, CaseIterable, Hashable, Sendable {
    case newConversation
    case rename
    case delete
    case pin
    case moveToFolder
    case newFolder
    case editFolder
    case deleteFolder
    case search
    case editInEditor
    case regenerate
    case previousVersion
    case nextVersion
    case stop
    case copyMessage
    case copyCodeBlock
    case copyPick
    case export
    case attestationDetails
    case messageDetails
    case switchTheme
    case help
    case quit

    /// The name shown in the palette and in help.
    public var title: String {
        switch self {
        case .newConversation: "New conversation"
        case .rename: "Rename conversation"
        case .delete: "Delete conversation"
        case .pin: "Pin / unpin conversation"
        case .moveToFolder: "Move to folder"
        case .newFolder: "New folder with instructions"
        case .editFolder: "Edit folder (name, instructions)"
        case .deleteFolder: "Delete folder"
        case .search: "Search all conversations"
        case .editInEditor: "Edit input in $EDITOR"
        case .regenerate: "Regenerate last answer"
        case .previousVersion: "Previous version of the answer"
        case .nextVersion: "Next version of the answer"
        case .stop: "Stop generation"
        case .copyMessage: "Copy last answer"
        case .copyCodeBlock: "Copy last code block"
        case .copyPick: "Copy a message or code block…"
        case .export: "Export to Markdown"
        case .attestationDetails: "Attestation details"
        case .messageDetails: "Show the whole message (banner)"
        case .switchTheme: "Switch theme"
        case .help: "Help"
        case .quit: "Quit"
        }
    }

    /// The shortcut, as help shows it; empty when the palette is the way in.
    public var shortcut: String {
        switch self {
        case .newConversation: "Ctrl-N"
        case .search: "Ctrl-F"
        case .copyPick: "Ctrl-Y"
        case .editInEditor: "Ctrl-E"
        case .stop: "Esc"
        case .regenerate: "Ctrl-R"
        case .previousVersion: "Alt-,"
        case .nextVersion: "Alt-."
        case .help: "? / F1"
        case .quit: "Ctrl-Q"
        case .switchTheme: "Ctrl-T"
        case .messageDetails: "F2"
        default: ""
        }
    }
}
