import Core

/// The composer: a separator line (with the banner or key hints) over the text, which wraps
/// by display width and grows with it up to the layout's limit.
public enum InputView {
    static let prompt = "› "

    /// Columns for text in a composer `width` wide.
    static func textWidth(_ width: Int) -> Int { max(1, width - DisplayWidth.of(prompt) - 1) }

    /// The editor's text broken into screen lines, and where the cursor falls.
    public static func visualLines(
        of editor: InputEditor, width: Int
    ) -> (
        lines: [[Character]], cursor: (row: Int, column: Int)
    ) {
        var lines: [[Character]] = [[]]
        var lineWidth = 0
        var cursor = (row: 0, column: 0)
        for (index, character) in editor.characters.enumerated() {
            if index == editor.cursor { cursor = (lines.count - 1, lineWidth) }
            if character == "\n" {
                lines.append([])
                lineWidth = 0
                continue
            }
            let w = DisplayWidth.drawable(character).reduce(0) { $0 + $1.1 }
            if lineWidth + w > width && lineWidth > 0 {
                lines.append([])
                lineWidth = 0
                if index == editor.cursor { cursor = (lines.count - 1, 0) }
            }
            lines[lines.count - 1].append(character)
            lineWidth += w
        }
        if editor.cursor == editor.characters.count {
            if lineWidth >= width {
                lines.append([])
                lineWidth = 0
            }
            cursor = (lines.count - 1, lineWidth)
        }
        return (lines, cursor)
    }

    static func draw(_ model: AppModel, in rect: Rect, into buffer: inout ScreenBuffer) {
        buffer.fill(rect, role: .input)
        guard !rect.isEmpty else { return }
        // The separator, with a message or the hints.
        let separator = Rect(x: rect.x, y: rect.y, width: rect.width, height: 1)
        buffer.put(String(repeating: "─", count: rect.width), x: rect.x, y: rect.y, role: .border, clip: separator)
        if let banner = model.banner {
            // Cut, it says which key shows it whole.
            let more = " F2 whole "
            let cut = DisplayWidth.of(banner) > rect.width - 4 && rect.width > 30
            buffer.put(
                " " + TextWrapper.truncate(banner, width: rect.width - 4 - (cut ? DisplayWidth.of(more) : 0)) + " ",
                x: rect.x + 1, y: rect.y, role: .statusWarning, clip: separator)
            if cut {
                buffer.put(more, x: rect.maxX - DisplayWidth.of(more) - 1, y: rect.y, role: .muted, clip: separator)
            }
        } else if !model.input.text.isEmpty, let use = Update.contextUse(model, draft: model.input.text) {
            // How much of the model's context the draft and the conversation take.
            let draft = ContextBudget.estimate(model.input.text)
            let total = use.messages.map { ContextBudget.estimate($0.content) }.reduce(0, +)
            let over = total > use.budget.promptTokens
            let hint =
                " ~\(ContextBudget.short(total)) of \(ContextBudget.short(use.budget.promptTokens)) tokens (draft \(ContextBudget.short(draft)))\(over ? " — too long" : "") "
            if DisplayWidth.of(hint) + 2 <= rect.width {
                buffer.put(
                    hint, x: rect.maxX - DisplayWidth.of(hint) - 1, y: rect.y, role: over ? .statusWarning : .muted,
                    clip: separator)
            }
        } else {
            let hint = " Enter send · Alt-Enter/Ctrl-J newline "
            if DisplayWidth.of(hint) + 2 <= rect.width {
                buffer.put(hint, x: rect.maxX - DisplayWidth.of(hint) - 1, y: rect.y, role: .muted, clip: separator)
            }
        }
        let text = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        guard !text.isEmpty else { return }
        let focused = model.focus == .input && model.overlay == nil
        buffer.put(prompt, x: text.x, y: text.y, role: focused ? .marker : .muted, clip: text)
        let left = text.x + DisplayWidth.of(prompt)
        if model.input.isEmpty {
            buffer.put(
                "Ask anything…", x: left, y: text.y, role: .inputPlaceholder,
                clip: Rect(x: left, y: text.y, width: text.maxX - left, height: 1))
            if focused { buffer[left, text.y].attributes.insert(.reverse) }
            return
        }
        let (lines, cursor) = visualLines(of: model.input, width: textWidth(rect.width))
        // Keep the cursor's line in view.
        let first = max(0, cursor.row - text.height + 1)
        for row in 0..<min(text.height, lines.count - first) {
            buffer.put(String(lines[first + row]), x: left, y: text.y + row, role: .input, clip: text)
        }
        let cursorY = text.y + cursor.row - first
        let cursorX = left + cursor.column
        if focused, cursorX < text.maxX, cursorY < text.maxY {
            var cell = buffer[cursorX, cursorY]
            if cell.isContinuation { cell = buffer[cursorX - 1, cursorY] }
            buffer[cursorX, cursorY].attributes.insert(.reverse)
            if cell.width == 2, cursorX + 1 < buffer.size.columns {
                buffer[cursorX + 1, cursorY].attributes.insert(.reverse)
            }
        }
    }
}
