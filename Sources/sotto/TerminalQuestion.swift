import Core
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A yes-or-no question on the terminal, asked only when standard input and standard error are
/// both a terminal (a script or a pipe gets no question, and the caller says what to pass).
enum TerminalQuestion {
    /// Whether a question can be asked here.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1 }

    /// Asks `prompt` (with " [y/N] "); true only for an answer starting with y. Nil when there
    /// is no terminal to ask on.
    static func confirm(_ prompt: String) -> Bool? {
        guard isInteractive else { return nil }
        FileHandle.standardError.write(Data((TerminalSafeText(prompt).description + " [y/N] ").utf8))
        guard let answer = readLine(strippingNewline: true) else { return false }
        return answer.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("y")
    }
}
