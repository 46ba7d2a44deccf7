/// A terminal the runtime draws on and reads from: ncurses for real, memory for tests.
/// Calls come from one thread only (the runtime's).
public protocol TerminalBackend: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// How many colours to use (after `NO_COLOR`).
    var colorDepth: ColorDepth { get }
    /// Shows `buffer`, styled by `theme`; writes only what changed since the last frame.
    func present(_ buffer: ScreenBuffer, theme: Theme)
    /// Waits up to `timeoutMilliseconds` for input and returns the events decoded so far
    /// (keys, pastes, resizes); empty when nothing came.
    func readEvents(timeoutMilliseconds: Int) -> [AppEvent]
    /// Puts `text` on the system clipboard, if the terminal allows it (OSC 52).
    func copyToClipboard(_ text: String)
    /// Gives the terminal to another program (the external editor) until `resume`: the
    /// shell's modes back, nothing drawn or read meanwhile.
    func suspend()
    /// Takes the terminal back after `suspend`; the next `present` redraws every cell, as the
    /// other program left the screen in an unknown state.
    func resume()
}
