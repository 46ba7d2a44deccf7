import Wire

/// The open conversation: role labels and messages (Markdown for answers), scrolled from
/// the bottom. Only the messages in view (plus the scrolled-over ones) are wrapped.
enum ChatPaneView {
    /// Draws the pane.
    /// - Returns: the largest useful scroll offset when it is known (the top was reached).
    /// The scroll offset that puts message `target` at the top of a pane of `rect`'s size (as
    /// far as the conversation allows), or nil when the message is not in the open conversation.
    static func offset(bringing target: RecordID, _ model: AppModel, in rect: Rect, cache: RenderCache) -> Int? {
        let messages = model.messages
        guard let index = messages.firstIndex(where: { $0.id == target }), !rect.isEmpty else { return nil }
        let width = max(1, rect.width - 2)
        var below = 0
        for message in messages[index...] {
            below += cache.lines(for: message, in: model.current, width: width, render: render).count
        }
        // Scrolled up, the text has one row less (the last holds the "more below" marker).
        return below > rect.height ? below - max(1, rect.height - 1) : 0
    }

    @discardableResult
    static func draw(_ model: AppModel, in rect: Rect, into buffer: inout ScreenBuffer, cache: RenderCache) -> Int? {
        buffer.fill(rect, role: .text)
        guard !rect.isEmpty else { return 0 }
        let messages = model.messages
        if messages.isEmpty {
            let hint = [
                "Start typing to ask.",
                "Enter sends · Ctrl-J newline · Ctrl-P commands · F1 help",
            ]
            for (i, line) in hint.enumerated() {
                let text = TextWrapper.truncate(line, width: rect.width - 2)
                let x = rect.x + max(1, (rect.width - DisplayWidth.of(text)) / 2)
                buffer.put(text, x: x, y: rect.y + rect.height / 2 - 1 + i, role: .muted, clip: rect)
            }
            return 0
        }
        let width = max(1, rect.width - 2)
        let streamingID = model.current.flatMap { model.streaming[$0]?.messageID }
        let needed = model.scrollOffset + rect.height
        var blocks: [[StyledLine]] = []
        var total = 0
        var reachedTop = true
        for index in messages.indices.reversed() {
            if total >= needed {
                reachedTop = false
                break
            }
            let message = messages[index]
            var lines = cache.lines(for: message, in: model.current, width: width, render: render)
            if message.id == streamingID, !lines.isEmpty {
                lines[0].spans.append(Span(" ●", role: .marker))
                if let current = model.current, let reading = model.streaming[current]?.reading {
                    lines[0].spans.append(Span(" " + readingNote(reading.read, of: reading.total), role: .muted))
                }
            }
            if message.id == model.searchMark, !lines.isEmpty {
                lines[0].spans.append(Span(" ◀ found", role: .marker))
            }
            blocks.append(lines)
            total += lines.count
        }
        let lines = Array(blocks.reversed().joined())
        // Scrolled up, the last row holds the "more below" marker, not text under it: the
        // text gets one row less, and the top is reached one line further.
        let maxScroll = lines.count > rect.height ? lines.count - max(1, rect.height - 1) : 0
        let offset = reachedTop ? min(model.scrollOffset, maxScroll) : model.scrollOffset
        let bottom = lines.count - offset
        let top = max(0, bottom - (offset > 0 ? max(1, rect.height - 1) : rect.height))
        for (row, line) in lines[top..<bottom].enumerated() {
            let y = rect.y + row
            if let fill = line.fillRole {
                buffer.fill(Rect(x: rect.x + 1, y: y, width: width, height: 1), role: fill)
            }
            buffer.put(line, x: rect.x + 1, y: y, clip: Rect(x: rect.x + 1, y: y, width: width, height: 1))
        }
        if offset > 0 {
            let more = " ↓ more below (PgDn) "
            buffer.put(
                more, x: rect.maxX - DisplayWidth.of(more) - 1, y: rect.maxY - 1, role: .marker, clip: rect)
        }
        return reachedTop ? maxScroll : nil
    }

    /// Beside an answer that has not started while the model reads a long prompt.
    static func readingNote(_ read: Int, of total: Int) -> String {
        let percent = total > 0 ? min(100, read * 100 / total) : 0
        return "reading \(total) tokens… \(percent)%"
    }

    /// Said under an answer the model stopped at the length limit.
    static let lengthStopNote = "(stopped at the length limit — Ctrl-R continues)"

    /// One message as lines: its label, its text, a blank line after.
    static func render(_ message: ChatMessage, width: Int) -> [StyledLine] {
        var lines: [StyledLine] = []
        switch message.role {
        case .user:
            lines.append(StyledLine("You", role: .userLabel, attributes: .bold))
            for line in message.text.split(separator: "\n", omittingEmptySubsequences: false) {
                lines += TextWrapper.wrap([Span(String(line).replacingTabs())], width: width)
            }
        case .assistant:
            var label = StyledLine("Assistant", role: .assistantLabel, attributes: .bold)
            if message.versionCount > 1 {
                label.spans.append(
                    Span(" · answer \(message.versionNumber) of \(message.versionCount) (Alt-, Alt-.)", role: .muted))
            }
            lines.append(label)
            lines += MarkdownRenderer.render(message.text, width: width)
        case .system:
            lines.append(StyledLine("Instructions", role: .muted, attributes: .bold))
            lines += TextWrapper.wrap([Span(message.text, role: .muted)], width: width)
        }
        if message.interrupted {
            lines += TextWrapper.wrap(
                [Span("(interrupted — Ctrl-R retries)", role: .statusWarning, attributes: .italic)], width: width)
        } else if message.stoppedAtLength {
            lines += TextWrapper.wrap(
                [Span(lengthStopNote, role: .statusWarning, attributes: .italic)], width: width)
        }
        lines.append(StyledLine())
        return lines
    }
}
