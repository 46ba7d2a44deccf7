/// The whole screen for a model: `render(model)` fills a fresh buffer and never touches
/// the terminal.
public enum AppView {
    /// What a frame produced.
    public struct Frame: Sendable {
        public var buffer: ScreenBuffer
        /// The largest useful scroll offset, when this frame reached the top of the chat.
        public var maxScroll: Int?
        /// The offset that brings `model.scrollTarget` to the top, once its message is loaded.
        public var scrollTo: Int?
    }

    /// Renders `model` at its size.
    public static func render(_ model: AppModel, cache: RenderCache) -> Frame {
        var buffer = ScreenBuffer(size: model.size)
        let layout = Layout(model: model)
        if layout.isTooSmall {
            drawTooSmall(into: &buffer)
            return Frame(buffer: buffer, maxScroll: nil, scrollTo: nil)
        }
        if !layout.sidebar.isEmpty {
            ConversationListView.draw(model, in: layout.sidebar, into: &buffer)
            for y in layout.sidebar.y..<layout.sidebar.maxY {
                buffer.put("│", x: layout.sidebar.maxX, y: y, role: .border)
            }
        }
        let scrollTo = model.scrollTarget.flatMap {
            ChatPaneView.offset(bringing: $0, model, in: layout.chat, cache: cache)
        }
        var model = model
        if let scrollTo { model.scrollOffset = scrollTo }
        let maxScroll = ChatPaneView.draw(model, in: layout.chat, into: &buffer, cache: cache)
        InputView.draw(model, in: layout.input, into: &buffer)
        StatusBarView.draw(model, in: layout.status, into: &buffer)
        if let overlay = model.overlay {
            OverlayView.draw(overlay, model: model, into: &buffer)
        }
        return Frame(buffer: buffer, maxScroll: maxScroll, scrollTo: scrollTo)
    }

    /// Convenience for tests: the buffer only, with a throwaway cache.
    public static func render(_ model: AppModel) -> ScreenBuffer {
        render(model, cache: RenderCache()).buffer
    }

    static func drawTooSmall(into buffer: inout ScreenBuffer) {
        let size = buffer.size
        guard size.rows > 0, size.columns > 0 else { return }
        let need = "need \(Layout.minimumSize.columns)×\(Layout.minimumSize.rows)"
        let lines = ["terminal too small", need]
        let top = max(0, (size.rows - lines.count) / 2)
        for (index, line) in lines.enumerated() where top + index < size.rows {
            let x = max(0, (size.columns - DisplayWidth.of(line)) / 2)
            buffer.put(line, x: x, y: top + index, role: index == 0 ? .statusWarning : .muted)
        }
    }
}
