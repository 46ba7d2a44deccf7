/// What floats over the main screen: help, the command palette, confirmations, notices.
enum OverlayView {
    static func draw(_ overlay: Overlay, model: AppModel, into buffer: inout ScreenBuffer) {
        switch overlay {
        case .help:
            var lines: [(String, String)] = [
                ("Enter", "Send"),
                ("Alt-Enter, Ctrl-J", "New line"),
                ("Tab", "Switch between list and input"),
                ("PgUp / PgDn", "Scroll the conversation"),
                ("/", "Filter the list (list focused)"),
                ("p d r m n", "Pin, delete, rename, move, new (list)"),
                ("r d on a folder", "Edit, delete the folder (list)"),
                ("Ctrl-P", "Command palette"),
            ]
            lines += AppAction.allCases.filter { !$0.shortcut.isEmpty }.map { ($0.shortcut, $0.title) }
            let keyWidth = lines.map { DisplayWidth.of($0.0) }.max() ?? 0
            let body = lines.map { key, title in
                StyledLine([
                    Span(key + String(repeating: " ", count: keyWidth - DisplayWidth.of(key) + 2), role: .overlayTitle),
                    Span(title, role: .overlay),
                ])
            }
            drawBox(title: "Help — any key closes", lines: body, preferredWidth: 60, into: &buffer)
        case .palette(let query, let selection):
            let matches = Update.paletteMatches(query)
            var body = [StyledLine([Span("> ", role: .overlayTitle), Span(query + "▏", role: .overlay)])]
            let width = min(56, buffer.size.columns - 4)
            for (index, action) in matches.enumerated() {
                let role: Role = index == selection ? .overlaySelected : .overlay
                let title = (index == selection ? "› " : "  ") + action.title
                let gap = max(1, width - 4 - DisplayWidth.of(title) - DisplayWidth.of(action.shortcut))
                body.append(
                    StyledLine(
                        [Span(title + String(repeating: " ", count: gap) + action.shortcut, role: role)],
                        fillRole: role))
            }
            if matches.isEmpty { body.append(StyledLine("no matching command", role: .muted)) }
            drawBox(title: "Commands", lines: body, preferredWidth: 56, into: &buffer)
        case .confirmDelete(let id):
            let title = model.conversations.first { $0.id == id }?.shownTitle ?? id.description
            drawBox(
                title: "Delete conversation",
                lines: [
                    StyledLine("Delete “\(title)”? Its history goes too.", role: .overlay),
                    StyledLine("y / Enter: delete   any other key: keep", role: .muted),
                ], preferredWidth: 50, wrap: true, into: &buffer)
        case .rename(_, let editor):
            let width = 50
            drawBox(
                title: "Rename — Enter saves, Esc cancels",
                lines: [
                    StyledLine(FieldLine.spans(editor, width: innerWidth(width, in: buffer), role: .overlay))
                ],
                preferredWidth: width, into: &buffer)
        case .search(let state):
            let width = min(72, buffer.size.columns - 4)
            var body = [
                StyledLine(
                    FieldLine.spans(
                        state.query, width: innerWidth(width + 4, in: buffer), role: .overlay,
                        prefix: [Span("› ", role: .overlayTitle)]))
            ]
            if state.resultsQuery == nil {
                body.append(StyledLine("Enter searches every conversation's messages", role: .muted))
            } else if !state.isCurrent {
                body.append(StyledLine("Enter searches for the new text", role: .muted))
            } else if state.results.isEmpty {
                body.append(StyledLine("no message contains “\(state.query.text)”", role: .muted))
            } else {
                let rows = max(1, buffer.size.rows - 8)
                let first = max(0, min(state.selection - rows / 2, state.results.count - rows))
                for (index, hit) in state.results.enumerated().dropFirst(first).prefix(rows) {
                    let role: Role = index == state.selection ? .overlaySelected : .overlay
                    let title = TextWrapper.truncate(hit.title, width: max(8, width / 3))
                    body.append(
                        StyledLine(
                            [
                                Span(
                                    (index == state.selection ? "› " : "  ") + title + "  ", role: role,
                                    attributes: .bold),
                                Span(hit.snippet, role: role),
                            ], fillRole: role))
                }
            }
            let count = state.isCurrent && !state.results.isEmpty ? " (\(state.results.count))" : ""
            drawBox(
                title: "Search\(count) — Enter opens, Esc closes", lines: body, preferredWidth: width + 4,
                into: &buffer)
        case .folderForm(let form):
            let inner = innerWidth(70, in: buffer)
            // The name: one line, its end kept in view.
            let nameText = form.name.text + (form.field == 0 ? "▏" : "")
            let nameRoom = max(1, inner - 6)
            let shownName =
                DisplayWidth.of(nameText) > nameRoom ? "…" + String(nameText.suffix(max(1, nameRoom - 1))) : nameText
            var lines = [
                StyledLine([
                    Span("Name: ", role: .overlayTitle, attributes: form.field == 0 ? .bold : []),
                    Span(shownName, role: .overlay),
                ]),
                StyledLine([
                    Span("Instructions", role: .overlayTitle, attributes: form.field == 1 ? .bold : []),
                    Span(" (Ctrl-J new line · Ctrl-E $EDITOR):", role: .muted),
                ]),
            ]
            lines += instructionLines(
                form.instructions, active: form.field == 1, width: inner - 2, rows: Self.instructionRows(buffer)
            )
            .map { StyledLine([Span("  "), Span($0, role: .overlay)]) }
            lines.append(StyledLine("Instructions are sent as the system prompt of its conversations.", role: .muted))
            drawBox(
                title: form.folder == nil
                    ? "New folder — Tab switches, Enter creates, Esc cancels"
                    : "Edit folder — Tab switches, Enter saves, Esc cancels",
                lines: lines, preferredWidth: 70, into: &buffer)
        case .folderPicker(let picker):
            FolderOverlayView.drawPicker(picker, model: model, into: &buffer)
        case .copy(let picker):
            let width = min(72, buffer.size.columns - 4)
            let rows = max(1, buffer.size.rows - 6)
            let first = max(0, min(picker.selection - rows / 2, picker.items.count - rows))
            var body: [StyledLine] = []
            for (index, item) in picker.items.enumerated().dropFirst(first).prefix(rows) {
                let role: Role = index == picker.selection ? .overlaySelected : .overlay
                let label: String =
                    switch item.kind {
                    case .message(.user): "You        "
                    case .message(.assistant): "Assistant  "
                    case .message(.system): "System     "
                    case .codeBlock(let language): "  └ " + (language.isEmpty ? "code" : language) + "  "
                    }
                let firstLine = item.text.split(separator: "\n").first.map(String.init) ?? ""
                body.append(
                    StyledLine(
                        [
                            Span((index == picker.selection ? "› " : "  ") + label, role: role, attributes: .bold),
                            Span(firstLine, role: role),
                        ], fillRole: role))
            }
            drawBox(
                title: "Copy (\(picker.items.count)) — Enter copies, Esc closes", lines: body,
                preferredWidth: width + 4, into: &buffer)
        case .confirmDeleteFolder(let id):
            FolderOverlayView.drawDeleteConfirmation(id, model: model, into: &buffer)
        case .notice(let title, let lines):
            drawBox(
                title: title + " — any key closes", lines: lines.map { StyledLine($0, role: .overlay) },
                preferredWidth: 64, wrap: true, into: &buffer)
        }
    }

    /// How many lines of instructions the folder form shows: six, fewer on a short screen.
    static func instructionRows(_ buffer: ScreenBuffer) -> Int { max(1, min(6, buffer.size.rows - 10)) }

    /// The instructions as the folder form shows them: wrapped to `width`, `rows` lines
    /// scrolled to keep the cursor (drawn when `active`) in view.
    static func instructionLines(_ editor: InputEditor, active: Bool, width: Int, rows: Int) -> [String] {
        // The cursor goes into the text as a character of its own, so it wraps with it.
        var characters = editor.characters
        if active { characters.insert("▏", at: editor.cursor) }
        // Wrapped at word boundaries, a line at a time.
        let texts = String(characters).split(separator: "\n", omittingEmptySubsequences: false).flatMap { line in
            line.isEmpty
                ? [""]
                : TextWrapper.wrap([Span(String(line))], width: max(1, width)).map { $0.spans.map(\.text).joined() }
        }
        let cursorRow = active ? texts.firstIndex { $0.contains("▏") } ?? 0 : 0
        let first = active ? max(0, min(cursorRow - rows + 1, texts.count - rows)) : 0
        var shown = Array(texts.dropFirst(first).prefix(rows))
        while shown.count < rows { shown.append("") }
        if first > 0 { shown[0] = "↑ " + shown[0] }
        if first + rows < texts.count { shown[rows - 1] += " ↓" }
        return shown
    }

    /// The columns inside a box drawn `preferredWidth` wide on `buffer`.
    static func innerWidth(_ preferredWidth: Int, in buffer: ScreenBuffer) -> Int {
        min(preferredWidth, buffer.size.columns - 2) - 4
    }

    /// A framed box centred on the screen; lines are cut at its edge, or with `wrap` (a
    /// dialog's sentences) wrapped inside it.
    static func drawBox(
        title: String, lines: [StyledLine], preferredWidth: Int, wrap: Bool = false, into buffer: inout ScreenBuffer
    ) {
        let size = buffer.size
        let width = min(preferredWidth, size.columns - 2)
        let lines =
            wrap && width > 4
            ? lines.flatMap { TextWrapper.wrap($0.spans, width: width - 4, fillRole: $0.fillRole) } : lines
        let height = min(lines.count + 2, size.rows - 2)
        guard width >= 4, height >= 3 else { return }
        let box = Rect(x: (size.columns - width) / 2, y: (size.rows - height) / 2, width: width, height: height)
        buffer.fill(box, role: .overlay)
        let horizontal = String(repeating: "─", count: width - 2)
        buffer.put("┌" + horizontal + "┐", x: box.x, y: box.y, role: .border)
        buffer.put("└" + horizontal + "┘", x: box.x, y: box.maxY - 1, role: .border)
        for y in (box.y + 1)..<(box.maxY - 1) {
            buffer.put("│", x: box.x, y: y, role: .border)
            buffer.put("│", x: box.maxX - 1, y: y, role: .border)
        }
        buffer.put(
            " " + TextWrapper.truncate(title, width: width - 6) + " ", x: box.x + 2, y: box.y, role: .overlayTitle,
            attributes: .bold)
        let inner = Rect(x: box.x + 2, y: box.y + 1, width: width - 4, height: height - 2)
        for (row, line) in lines.prefix(inner.height).enumerated() {
            let y = inner.y + row
            if let fill = line.fillRole {
                buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: fill)
            }
            buffer.put(line, x: inner.x, y: y, clip: Rect(x: inner.x, y: y, width: inner.width, height: 1))
        }
    }
}
