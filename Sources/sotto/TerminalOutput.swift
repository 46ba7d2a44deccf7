import ArgumentParser
import Core
import Foundation

// Everything `sotto` writes may carry text from outside: a model's answer, a server's error
// message, a certificate's name, a synced title. All of it reaches standard output and
// standard error through these functions, which pass it through `TerminalSafeText`, so no
// escape sequence in it is obeyed by the user's terminal. `print` shadows the standard
// library's within this executable so that no output site, present or future, can skip it.

/// Writes `items` to standard output as the standard library's `print` would, made terminal-safe.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { String(describing: $0) }.joined(separator: separator) + terminator
    FileHandle.standardOutput.write(Data(TerminalSafeText(text).description.utf8))
}

/// An error as a user reads it: a refusal of the file system (read-only, full, not allowed)
/// in words with its folder, anything else as it describes itself.
func errorText(_ error: any Error) -> String {
    FileSystemError.describing(error).map { "\($0)" } ?? "\(error)"
}

/// Writes a line to standard error, made terminal-safe.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((TerminalSafeText(text).description + "\n").utf8))
}

/// Standard output for content that may be piped: made terminal-safe unless the user asked
/// for the raw bytes (`--raw-output`), which a terminal would obey.
struct ContentOutput {
    /// Whether bytes pass unchanged.
    let raw: Bool

    /// Writes text, such as a piece of a streamed answer.
    func write(_ text: String) {
        FileHandle.standardOutput.write(Data((raw ? text : TerminalSafeText(text).description).utf8))
    }

    /// Writes UTF-8 bytes (a Markdown export).
    func write(utf8 bytes: [UInt8]) {
        FileHandle.standardOutput.write(raw ? Data(bytes) : Data(TerminalSafeText(utf8: bytes).description.utf8))
    }

    /// Writes a JSON document; escaped controls keep it the same document.
    func write(json bytes: [UInt8]) {
        FileHandle.standardOutput.write(raw ? Data(bytes) : Data(TerminalSafeText(json: bytes).description.utf8))
    }

    /// The help of `--raw-output`, shared by the commands that take it.
    static let rawFlagHelp = ArgumentHelp(
        "Write the bytes exactly as received, control characters included: for pipes and "
            + "files only, never a terminal, which would obey any escape sequence in them.")
}
