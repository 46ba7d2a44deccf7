import CNcurses
import Core
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The user's editor — `$VISUAL`, else `$EDITOR`, else `vi` from PATH — run on a private
/// scratch copy of the text, as git runs it for a commit message. The caller must have
/// handed the terminal over (curses suspended): the editor inherits standard input, output
/// and error.
public struct ExternalEditor: EditorRunner {
    let environment: [String: String]
    let maximumByteCount: Int

    /// - Parameters:
    ///   - environment: where the editor, PATH and TMPDIR come from; also the editor's environment.
    ///   - maximumByteCount: the most the edited text may hold (1 MiB: a prompt, not a file).
    public init(environment: [String: String], maximumByteCount: Int = 1 << 20) {
        self.environment = environment
        self.maximumByteCount = maximumByteCount
    }

    public func edit(_ text: String) -> Result<String, EditorProblem> {
        guard let editor = EditorCommand(environment: environment) else { return .failure(.noEditor) }
        let file: ScratchFile
        do throws(EditorProblem) {
            file = try ScratchFile(text, temporaryDirectory: environment["TMPDIR"])
        } catch {
            return .failure(error)
        }
        // The copy goes whatever the editor did.
        defer { file.destroy() }
        if let problem = run(editor, on: file.path) { return .failure(problem) }
        do throws(EditorProblem) {
            return .success(try file.read(maximumByteCount: maximumByteCount))
        } catch {
            return .failure(error)
        }
    }

    /// Runs `/bin/sh -c '<editor> "$1"' sh <file>` (so "code --wait" or "nano -R" work) and
    /// waits for it; nil when it exits with status 0.
    private func run(_ editor: EditorCommand, on path: String) -> EditorProblem? {
        let arguments = ["/bin/sh", "-c", editor.command + " \"$1\"", "sh", path]
        // The editor gets the user's environment, less the software passkey's passphrase.
        let variables = environment.filter { $0.key != PassphraseSource.environmentVariable }.map {
            $0.key + "=" + $0.value
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Only the terminal goes to the editor, not the history's open files or sockets, even
        // one another thread opens while the spawn runs.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU] { sigaddset(&defaults, signal) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // Ctrl-C and Ctrl-\ belong to the editor while it runs (git does the same).
        let saved = SignalsIgnored([SIGINT, SIGQUIT])
        defer { saved.restore() }
        var pid: pid_t = 0
        let started = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, &envp)
        guard started == 0 else { return .cannotStart(errno: started) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return .cannotStart(errno: errno) }
        }
        // WIFEXITED and WEXITSTATUS are macros Swift cannot call.
        let signal = status & 0x7f
        if signal != 0 { return .killed(editor: editor.name, signal: signal) }
        let code = (status >> 8) & 0xff
        return code == 0 ? nil : .exited(editor: editor.name, status: code)
    }
}

/// The editor to run, and how a message names it.
struct EditorCommand: Equatable {
    /// Shell words: a command and its arguments, as the variable holds them.
    var command: String
    /// "$VISUAL", "$EDITOR" or "vi".
    var name: String

    /// Picks `$VISUAL`, else `$EDITOR`, else `vi` if PATH has it; nil when none is there.
    init?(environment: [String: String]) {
        for variable in ["VISUAL", "EDITOR"] {
            if let value = environment[variable], !value.trimmingCharacters(in: .whitespaces).isEmpty {
                command = value
                name = "$" + variable
                return
            }
        }
        let folders = (environment["PATH"] ?? "").split(separator: ":")
        guard let folder = folders.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/vi") })
        else { return nil }
        command = "'" + folder.replacingOccurrences(of: "'", with: "'\\''") + "/vi'"
        name = "vi"
    }
}

/// Signals set to be ignored, and how they were handled before.
private struct SignalsIgnored {
    private var previous: [(Int32, sigaction)] = []

    init(_ signals: [Int32]) {
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&ignore.sa_mask)
        for signal in signals {
            var old = sigaction()
            if sigaction(signal, &ignore, &old) == 0 { previous.append((signal, old)) }
        }
    }

    func restore() {
        for (signal, old) in previous {
            var action = old
            sigaction(signal, &action, nil)
        }
    }
}
