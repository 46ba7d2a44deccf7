/// A terminal in memory, like ratatui's `TestBackend`: tests queue events, run the app,
/// and read the last presented screen as text and roles.
public final class InMemoryBackend: TerminalBackend {
    public private(set) var size: Size
    public let colorDepth: ColorDepth
    /// The last frame presented.
    public private(set) var screen: ScreenBuffer
    /// The theme of the last frame.
    public private(set) var theme: Theme?
    /// Cells written by the last `present` (what a diffing backend would send).
    public private(set) var lastChangedCells = 0
    public private(set) var presentCount = 0
    public private(set) var clipboard: [String] = []
    /// Calls of `suspend` and `resume`, and whether the terminal is given away now.
    public private(set) var suspendCount = 0
    public private(set) var resumeCount = 0
    public private(set) var isSuspended = false
    private var pending: [AppEvent] = []

    public init(size: Size, colorDepth: ColorDepth = .ansi256) {
        self.size = size
        self.colorDepth = colorDepth
        screen = ScreenBuffer(size: size)
    }

    /// Queues events for the next read.
    public func enqueue(_ events: [AppEvent]) {
        for event in events {
            if case .resize(let newSize) = event { size = newSize }
        }
        pending += events
    }

    /// Queues key presses written in the key notation (`KeyNotation`).
    public func type(_ notation: String) {
        enqueue(KeyNotation.parse(notation))
    }

    public func present(_ buffer: ScreenBuffer, theme: Theme) {
        if buffer.size == screen.size {
            lastChangedCells = zip(buffer.cells, screen.cells).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
        } else {
            lastChangedCells = buffer.cells.count
        }
        screen = buffer
        self.theme = theme
        presentCount += 1
    }

    public func readEvents(timeoutMilliseconds: Int) -> [AppEvent] {
        defer { pending = [] }
        return pending
    }

    public func copyToClipboard(_ text: String) {
        clipboard.append(text)
    }

    public func suspend() {
        suspendCount += 1
        isSuspended = true
    }

    public func resume() {
        resumeCount += 1
        isSuspended = false
    }

    /// The screen as lines of text.
    public var lines: [String] { screen.lines }
}
