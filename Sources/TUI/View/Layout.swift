/// Where each part of the main screen goes at a given size. Pure arithmetic, clamped so
/// no size (down to 0×0) yields a negative rectangle.
public struct Layout: Hashable, Sendable {
    /// Below this the app shows "terminal too small" instead of its panes.
    public static let minimumSize = Size(columns: 40, rows: 10)
    /// The conversation list is shown from this width on.
    public static let sidebarMinimumColumns = 60

    public var sidebar: Rect
    public var chat: Rect
    public var input: Rect
    public var status: Rect

    public var isTooSmall: Bool {
        status.width < Self.minimumSize.columns || status.y + 1 < Self.minimumSize.rows
    }

    public init(size: Size, inputLineCount: Int) {
        let columns = size.columns
        let rows = size.rows
        status = Rect(x: 0, y: max(0, rows - 1), width: columns, height: rows > 0 ? 1 : 0)
        let body = max(0, rows - 1)
        let sidebarWidth = columns >= Self.sidebarMinimumColumns ? min(32, max(18, columns / 4)) : 0
        sidebar = Rect(x: 0, y: 0, width: sidebarWidth, height: body)
        let right = sidebarWidth > 0 ? sidebarWidth + 1 : 0
        let maxInputLines = max(1, rows / 3 - 1)
        let inputHeight = min(body, min(max(1, inputLineCount), maxInputLines) + 1)
        input = Rect(x: right, y: body - inputHeight, width: columns - right, height: inputHeight)
        chat = Rect(x: right, y: 0, width: columns - right, height: body - inputHeight)
    }

    /// The layout for `model`, measuring the composer at its width.
    public init(model: AppModel) {
        let probe = Layout(size: model.size, inputLineCount: 1)
        let lines = InputView.visualLines(of: model.input, width: InputView.textWidth(probe.input.width)).lines.count
        self.init(size: model.size, inputLineCount: lines)
    }
}
