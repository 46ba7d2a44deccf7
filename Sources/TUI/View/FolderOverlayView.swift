import Wire

/// The folder overlays that need more than a line or two: the move-to-folder picker and the
/// confirmation before a folder is deleted.
enum FolderOverlayView {
    static func drawPicker(_ picker: FolderPicker, model: AppModel, into buffer: inout ScreenBuffer) {
        let width = min(56, buffer.size.columns - 4)
        let conversation = model.conversations.first { $0.id == picker.conversation }
        // A folder that no longer exists counts as none, as the list shows it.
        let current = model.folders.first { $0.id == conversation?.folder }?.id
        var body = [
            StyledLine("“\(conversation?.shownTitle ?? picker.conversation.description)”", role: .muted),
            StyledLine([Span("> ", role: .overlayTitle), Span(picker.query + "▏", role: .overlay)]),
        ]
        let choices = picker.choices(from: model.folders)
        let rows = max(1, buffer.size.rows - 9)
        let first = max(0, min(picker.selection - rows / 2, choices.count - rows))
        for (index, choice) in choices.enumerated().dropFirst(first).prefix(rows) {
            let role: Role = index == picker.selection ? .overlaySelected : .overlay
            let name = (index == picker.selection ? "› " : "  ") + choice.name
            let mark = choice.folder == current ? "current" : ""
            let gap = max(1, width - 4 - DisplayWidth.of(name) - DisplayWidth.of(mark))
            body.append(
                StyledLine([Span(name + String(repeating: " ", count: gap) + mark, role: role)], fillRole: role))
        }
        if choices.isEmpty { body.append(StyledLine("no folder matches “\(picker.query)”", role: .muted)) }
        OverlayView.drawBox(
            title: "Move to folder — Enter moves, Esc cancels", lines: body, preferredWidth: width, into: &buffer)
    }

    static func drawDeleteConfirmation(_ id: RecordID, model: AppModel, into buffer: inout ScreenBuffer) {
        let name = model.folders.first { $0.id == id }?.name ?? id.description
        let count = model.conversations.count(where: { $0.folder == id })
        let consequence =
            switch count {
            case 0: "It holds no conversations."
            case 1: "Its 1 conversation moves out of it; it is not deleted."
            default: "Its \(count) conversations move out of it; they are not deleted."
            }
        OverlayView.drawBox(
            title: "Delete folder",
            lines: [
                StyledLine("Delete folder “\(name)”?", role: .overlay),
                StyledLine(consequence, role: .overlay),
                StyledLine("y / Enter: delete   any other key: keep", role: .muted),
            ], preferredWidth: 64, wrap: true, into: &buffer)
    }
}
