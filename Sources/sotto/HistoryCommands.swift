import ArgumentParser
import Core
import Foundation
import Wire

/// `sotto history [ID]`: the conversations of this device's account, or one of them.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List conversations (id, title, folder, updated, messages), or print one.",
        discussion:
            "Reads the encrypted cache on this device after unlocking; `sotto sync` fetches what other devices wrote.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Argument(help: "A conversation to print: its id, or a unique prefix of it (4 or more hex digits).")
    var id: String?

    func run() async throws {
        try await runAccountCommand {
            let opened = try await UnlockedHistory.open(global, account, readOnly: true)
            let history = opened.history
            if let id {
                let recordID = try history.conversationID(named: id)
                let reported = history.corrupt.count
                print(try HistoryExport(history: history, conversation: recordID).markdown(), terminator: "")
                try opened.reportMissing(after: reported)
                return
            }
            let counts = try history.messageCounts()
            let folders = Dictionary(
                history.folderList.map { ($0.id, $0.record.name) }, uniquingKeysWith: { a, _ in a })
            let list = history.conversationList
            if list.isEmpty {
                print("No conversations yet. `sotto ask \"…\"` starts one.")
                return
            }
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime]
            print("ID                                 UPDATED              MSGS  FOLDER        TITLE")
            for (id, record) in list {
                let folder = record.folderID.flatMap { folders[$0] } ?? "-"
                print(
                    "\(id)  \(formatter.string(from: record.updatedAt).prefix(19))  \(String(counts[id] ?? 0).leftPadded(4))  \(folder.prefix(12).padding(toLength: 12, withPad: " ", startingAt: 0))  \(record.title)"
                )
            }
        }
    }
}

/// `sotto sync`: one synchronisation with the server, printing what moved.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Push this device's changes and pull other devices', once.",
        discussion: """
            --rebuild-cache is the way out of a damaged cache file (SOTTO-CACHE-OPEN): the file \
            is set aside beside it as history-damaged-<time>.sqlite (kept, never deleted) and \
            the history is pulled again from the server. A cache that still reads and holds \
            changes not yet synced is left alone, naming them.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Flag(help: "Set the cache file aside (kept) and restore the history from the server.")
    var rebuildCache = false

    mutating func run() async throws {
        // Local mode, as the full screen has it: the local server, started when none runs.
        let local = try await LocalMode.attach(&global) { printError("sotto: \($0)") }
        defer { local?.stop() }
        let command = self
        try await runAccountCommand {
            let opened =
                try await command.rebuildCache
                ? command.rebuild() : UnlockedHistory.open(command.global, command.account)
            guard let sync = opened.sync else {
                throw ValidationError("the server could not be reached to open a session; try again when online")
            }
            let report = try await sync.sync(opened.history)
            print(
                "Pulled \(report.pulled) record(s) (\(report.changed) changed here), pushed \(report.pushed), conflicts resolved \(report.conflicts)."
            )
            if !report.unreadable.isEmpty {
                printError("sotto: \(report.unreadable.count) record(s) from the server did not open; kept and skipped")
            }
            // The pass went through, but a script must not take a tampering server for a clean sync.
            if let warning = report.integrity.warning {
                printError("sotto: warning \(warning)")
                throw ExitCode(1)
            }
        }
    }

    /// Unlocks with the server (a rebuild needs it to pull from), then sets the cache aside
    /// and opens a fresh one.
    private func rebuild() async throws -> OpenedHistory {
        let (_, session) = try account.session(global)
        guard try session.state() != nil else {
            throw ValidationError(
                "this data folder has no account: run `sotto register` (new account) or `sotto login` (existing one)")
        }
        let unlocked = try await session.unlock()
        guard unlocked.online, unlocked.state.session != nil else {
            throw ValidationError(
                "rebuilding the cache needs the server, which could not be reached; try again when online")
        }
        let aside = try LocalCache.setAsideForRebuild(path: try global.folders().historyCachePath)
        if let path = aside.path {
            printError("sotto: set the old cache aside as \(path)")
            if !aside.readable {
                printError(
                    "sotto: it could not be read, so any change made on this device that never reached the server is only in that file"
                )
            }
        }
        return try UnlockedHistory.open(
            keys: unlocked.keys, state: unlocked.state, online: unlocked.online, global, account)
    }
}

/// `sotto export`: the decrypted history as Markdown or Sotto's JSON.
struct ExportCommand: AsyncParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, json }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the decrypted history (or one conversation) as Markdown or JSON.",
        discussion:
            """
            The output is plaintext: with -o the file is readable only by you. The JSON format is \
            docs/EXPORT.md. On standard output, control characters (escape sequences a terminal \
            would obey) are made visible, ESC as ␛ in Markdown and escaped as \\u00XX in JSON, \
            which stays the same document; --raw-output writes the exact bytes, unsafe on a terminal.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Option(help: "Only this conversation (its id, or a unique prefix of it).")
    var conversation: String?

    @Option(help: "markdown or json.")
    var format: Format

    @Option(name: .shortAndLong, help: "Write to this new file instead of standard output.", completion: .file())
    var output: String?

    @Flag(help: ContentOutput.rawFlagHelp)
    var rawOutput = false

    func run() async throws {
        if let output, FileManager.default.fileExists(atPath: output) {
            throw ValidationError("\(output) already exists; choose a new file")
        }
        try await runAccountCommand {
            let opened = try await UnlockedHistory.open(global, account, readOnly: true)
            let only = try conversation.map { try opened.history.conversationID(named: $0) }
            let reported = opened.history.corrupt.count
            let export = try HistoryExport(history: opened.history, conversation: only)
            var bytes: [UInt8] =
                switch format {
                case .markdown: Array(export.markdown().utf8)
                case .json: Array(try export.json()) + [0x0a]
                }
            defer { ConstantTime.wipe(&bytes) }
            if let output {
                let path = AccountOptions.absolute(output)
                do throws(PrivateFile.Failure) {
                    try PrivateFile.write(bytes, to: path, replaceExisting: false)
                } catch {
                    throw ValidationError("cannot write \(path): \(error)")
                }
                printError("sotto: wrote \(export.conversations.count) conversation(s) to \(path)")
            } else {
                let standardOutput = ContentOutput(raw: rawOutput)
                switch format {
                case .markdown: standardOutput.write(utf8: bytes)
                case .json: standardOutput.write(json: bytes)
                }
            }
            try opened.reportMissing(after: reported)
        }
    }
}

extension OpenedHistory {
    /// Reports the records that did not open since the first `reported` were (messages are
    /// decrypted only when printed), then fails the command: what it printed lacks them, and
    /// a script must not take it for the whole history.
    /// - Throws: `ExitCode(1)` when any record did not open.
    func reportMissing(after reported: Int) throws {
        let corrupt = history.corrupt
        for record in corrupt.dropFirst(reported) {
            printError("sotto: skipped unreadable \(record); \(UnlockedHistory.repairAdvice)")
        }
        guard !corrupt.isEmpty else { return }
        printError("sotto: \(corrupt.count) record(s) did not open and are missing from this output")
        throw ExitCode(1)
    }
}

/// `sotto import FILE`: adds a Sotto JSON export to this account's history.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a JSON export (docs/EXPORT.md); what the history already holds is skipped.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Argument(help: "The export file.", completion: .file())
    var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        let export: HistoryExport
        do { export = try HistoryExport(json: data) } catch { throw ValidationError("\(file): \(error)") }
        try await runAccountCommand {
            let opened = try await UnlockedHistory.open(global, account)
            let outcome = try export.importInto(opened.history)
            print(
                "Imported \(outcome.conversations) conversation(s), \(outcome.messages) message(s), \(outcome.folders) folder(s); \(outcome.skipped) already present."
            )
            if let sync = opened.sync {
                do {
                    let report = try await sync.sync(opened.history)
                    print("Synced: pushed \(report.pushed) record(s).")
                } catch {
                    printError("sotto: saved on this device; sync failed (\(error)); `sotto sync` retries")
                }
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
