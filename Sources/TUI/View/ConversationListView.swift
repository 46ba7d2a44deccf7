/// The left pane: pinned conversations, folders that collapse, the rest; a marker on a
/// conversation that is streaming (●) or has an unread answer (•); the `/` filter on top.
enum ConversationListView {
    static func draw(_ model: AppModel, in rect: Rect, into buffer: inout ScreenBuffer) {
        buffer.fill(rect, role: .sidebar)
        guard !rect.isEmpty else { return }
        let header: String
        if let filter = model.filter {
            header = "/" + filter + (model.focus == .list ? "▏" : "")
        } else {
            header = "Conversations"
        }
        buffer.put(
            TextWrapper.truncate(header, width: rect.width - 1), x: rect.x + 1, y: rect.y,
            role: model.filter != nil ? .marker : .sidebarFolder, attributes: .bold, clip: rect)

        let rows = model.listRows
        let height = rect.height - 1
        guard height > 0 else { return }
        if rows.isEmpty {
            let text = model.filter != nil ? "no match" : "no conversations"
            buffer.put(text, x: rect.x + 1, y: rect.y + 1, role: .muted, clip: rect)
            return
        }
        let selection = min(model.listSelection, rows.count - 1)
        let first = max(0, min(selection - height + 1, rows.count - height))
        for (offset, row) in rows[first..<min(rows.count, first + height)].enumerated() {
            let y = rect.y + 1 + offset
            let index = first + offset
            let selected = index == selection && model.focus == .list
            let role: Role
            var attributes: TextAttributes = []
            var text: String
            var marker = ""
            switch row {
            case .section(let title):
                role = .muted
                text = title
            case .folder(let folder, let count, let collapsed):
                role = .sidebarFolder
                text = (collapsed ? "▸ " : "▾ ") + folder.name + " (\(count))"
            case .conversation(let summary, let depth):
                role = .sidebar
                text = String(repeating: "  ", count: depth) + summary.shownTitle
                if summary.id == model.current { attributes.insert(.bold) }
                if model.streaming[summary.id] != nil {
                    marker = "●"
                } else if summary.unread {
                    marker = "•"
                }
            }
            let line = Rect(x: rect.x, y: y, width: rect.width, height: 1)
            if selected { buffer.fill(line, role: .sidebarSelected) }
            let markerWidth = marker.isEmpty ? 0 : 2
            let textWidth = rect.width - 1 - markerWidth
            buffer.put(
                TextWrapper.truncate(text, width: textWidth), x: rect.x + 1, y: y,
                role: selected ? .sidebarSelected : role, attributes: attributes, clip: line)
            if !marker.isEmpty {
                buffer.put(marker, x: rect.maxX - 2, y: y, role: selected ? .sidebarSelected : .marker, clip: line)
            }
        }
    }
}
