import Wire

/// The folder overlay's fields: a new folder's, or an existing one's being renamed. The
/// instructions are sent as the system prompt of the folder's conversations.
public struct FolderForm: Hashable, Sendable {
    /// The folder being edited; nil while creating one.
    public var folder: RecordID?
    public var name = InputEditor()
    public var instructions = InputEditor()
    /// 0: the name has the keys; 1: the instructions.
    public var field = 0

    /// An empty form for a new folder.
    public init() {}

    /// A form filled with `folder` as it is, to change its name and instructions.
    public init(editing folder: Folder) {
        self.folder = folder.id
        name = InputEditor(folder.name)
        instructions = InputEditor(folder.instructions)
    }
}
