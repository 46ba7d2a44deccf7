import Wire

/// The folder part of the state machine: the folder form (new or rename), the move-to-folder
/// picker, and deleting a folder. Still pure: the history changes through `save`,
/// `saveFolder` and `deleteFolder` effects.
extension Update {
    /// The banner when a folder action finds no folder to act on.
    static let noFolderMessage = "No folder here: select one in the list (Tab), or open a conversation in one"

    static func folderFormKey(_ model: inout AppModel, _ form: FolderForm, _ key: Key) -> [Effect] {
        var form = form
        switch key {
        case .escape:
            model.overlay = nil
            return []
        case .tab, .backTab: form.field = 1 - form.field
        // The instructions are multi-line text: new lines, lines up and down, $EDITOR.
        case .control("j") where form.field == 1, .altEnter where form.field == 1: form.instructions.insert("\n")
        case .up where form.field == 1:
            if !form.instructions.moveUp() { form.field = 0 }
        case .down where form.field == 1: _ = form.instructions.moveDown()
        case .up, .down: form.field = 1 - form.field
        case .control("e") where form.field == 1:
            // The form stays open; `editorFinished` puts the edited text back in it.
            model.overlay = .folderForm(form)
            return [.editInEditor(form.instructions.text)]
        case .enter:
            let name = form.name.text.trimmingSpaces()
            guard !name.isEmpty else {
                form.field = 0
                break
            }
            model.overlay = nil
            return saveFolder(&model, form, name: name)
        default:
            if form.field == 0 { _ = form.name.applyLineKey(key) } else { _ = form.instructions.applyLineKey(key) }
        }
        model.overlay = .folderForm(form)
        return []
    }

    private static func saveFolder(_ model: inout AppModel, _ form: FolderForm, name: String) -> [Effect] {
        let instructions = form.instructions.text.trimmingSpaces()
        guard let id = form.folder else {
            let folder = Folder(id: RecordID.random(), name: name, instructions: instructions)
            model.folders.append(folder)
            model.banner = "Folder “\(name)” created; m moves the selected conversation into it"
            return [.saveFolder(folder)]
        }
        // Gone meanwhile (deleted, or a reload from another device): nothing left to rename.
        guard let index = model.folders.firstIndex(where: { $0.id == id }) else { return [] }
        model.folders[index].name = name
        model.folders[index].instructions = instructions
        return [.saveFolder(model.folders[index])]
    }

    /// Opens the picker on the target conversation, its current folder highlighted.
    static func openFolderPicker(_ model: inout AppModel) -> [Effect] {
        guard let id = targetConversation(model), let summary = model.conversations.first(where: { $0.id == id })
        else {
            model.banner = "Select or open a conversation to move it"
            return []
        }
        guard !model.folders.isEmpty else {
            model.banner = "No folders yet: “New folder with instructions” in Ctrl-P makes one"
            return []
        }
        var picker = FolderPicker(conversation: id)
        picker.selection = picker.choices(from: model.folders).firstIndex { $0.folder == summary.folder } ?? 0
        model.overlay = .folderPicker(picker)
        return []
    }

    static func folderPickerKey(_ model: inout AppModel, _ picker: FolderPicker, _ key: Key) -> [Effect] {
        var picker = picker
        let choices = picker.choices(from: model.folders)
        switch key {
        case .escape:
            model.overlay = nil
            return []
        case .up: picker.selection = max(0, picker.selection - 1)
        case .down: picker.selection = min(max(0, choices.count - 1), picker.selection + 1)
        case .enter:
            // Nothing matches what is typed: stay open to fix it.
            guard choices.indices.contains(picker.selection) else { break }
            model.overlay = nil
            return move(&model, picker.conversation, to: choices[picker.selection].folder)
        case .character(let c):
            picker.query.append(c)
            picker.selection = 0
        case .backspace:
            if !picker.query.isEmpty { picker.query.removeLast() }
            picker.selection = 0
        default: break
        }
        model.overlay = .folderPicker(picker)
        return []
    }

    /// Puts a conversation in `folder` (nil: out of folders) and saves it; the folder opens
    /// so the list selection can follow the conversation into it.
    private static func move(_ model: inout AppModel, _ id: RecordID, to folder: RecordID?) -> [Effect] {
        guard let index = model.conversations.firstIndex(where: { $0.id == id }),
            model.conversations[index].folder != folder
        else { return [] }
        model.conversations[index].folder = folder
        if let folder { model.collapsedFolders.remove(folder) }
        let name = model.folders.first { $0.id == folder }?.name
        model.banner = name.map { "Moved to “\($0)”" } ?? "Moved out of its folder"
        if model.focus == .list { model.listSelection = selectedRowIndex(model, id) }
        return [.save(model.conversations[index])]
    }

    /// Deletes a folder from the screen: its conversations move out of it, each saved so the
    /// history (and other devices) agree, then the folder itself goes.
    static func deleteFolder(_ model: inout AppModel, _ id: RecordID) -> [Effect] {
        guard let folder = model.folders.first(where: { $0.id == id }) else { return [] }
        var effects: [Effect] = []
        for index in model.conversations.indices where model.conversations[index].folder == id {
            model.conversations[index].folder = nil
            effects.append(.save(model.conversations[index]))
        }
        model.folders.removeAll { $0.id == id }
        model.collapsedFolders.remove(id)
        model.banner =
            "Folder “\(folder.name)” deleted" + (effects.isEmpty ? "" : "; its conversations are outside folders now")
        model.listSelection = min(model.listSelection, max(0, model.listRows.count - 1))
        moveSelection(&model, by: 0)
        return effects + [.deleteFolder(id)]
    }

    /// The folder a folder action applies to: the highlighted folder row in the list, else the
    /// folder of the conversation other actions would apply to.
    static func targetFolder(_ model: AppModel) -> Folder? {
        let id =
            selectedFolderRow(model)
            ?? targetConversation(model).flatMap { id in model.conversations.first { $0.id == id }?.folder }
        return model.folders.first { $0.id == id }
    }

    /// The folder whose row is highlighted in the focused list, if one is.
    static func selectedFolderRow(_ model: AppModel) -> RecordID? {
        guard model.focus == .list else { return nil }
        let rows = model.listRows
        guard rows.indices.contains(model.listSelection), case .folder(let folder, _, _) = rows[model.listSelection]
        else { return nil }
        return folder.id
    }
}
