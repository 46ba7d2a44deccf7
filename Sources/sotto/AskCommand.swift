import ArgumentParser
import Core
import Foundation
import Wire

/// `sotto ask`: one question, answered through the encrypted channel; saved to the account's
/// encrypted history when this device has one.
struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Ask one question; the answer streams to standard output.",
        discussion: """
            The prompt is the argument, or standard input when there is none. The server is \
            verified first; if it does not verify, nothing is sent and the exit status is 1. \
            On a device with an account (`sotto register` / `sotto login`) the exchange is saved \
            as a new conversation (or continues --conversation ID) and synced; --no-save keeps nothing.

            Control characters in the answer (escape sequences a terminal would obey) are shown \
            as visible stand-ins, ESC as ␛, also when standard output is a pipe or a file; \
            --raw-output writes the answer's bytes unchanged, which is unsafe on a terminal.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var account: AccountOptions

    @Argument(help: "The prompt (default: read standard input).")
    var prompt: String?

    @Option(help: "Most tokens to generate.")
    var maxTokens: Int?

    @Option(help: "A system prompt.")
    var system: String?

    @Option(help: "Continue this conversation (its id from `sotto history`, or a unique prefix of it).")
    var conversation: String?

    @Flag(help: "Keep nothing: neither this device nor the server stores the exchange.")
    var noSave = false

    @Flag(help: ContentOutput.rawFlagHelp)
    var rawOutput = false

    func validate() throws {
        if noSave && conversation != nil {
            throw ValidationError("--no-save and --conversation exclude each other")
        }
    }

    mutating func run() async throws {
        let text = try prompt ?? readStandardInput()
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the prompt is empty: pass it as an argument or on standard input")
        }
        let continued = conversation
        let folders = try global.folders()
        let hasAccount = (try? AccountStateFile(dataFolder: folders.data).load()) != nil
        if continued != nil && !hasAccount {
            throw ValidationError("--conversation needs an account on this device (`sotto register` or `sotto login`)")
        }
        // Local mode, as the full screen has it: the local server, started when none runs.
        let local = try await LocalMode.attach(&global) { printError("sotto: \($0)") }
        defer { local?.stop() }
        do {
            if noSave || !hasAccount {
                try await askWithoutSaving(text)
            } else {
                try await askAndSave(text, continuing: continued)
            }
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("sotto: \(errorText(error))")
            throw ExitCode(1)
        }
    }

    private func askWithoutSaving(_ text: String) async throws {
        var messages = [ChatRequest.Message]()
        if let system { messages.append(.init(role: .system, content: system)) }
        messages.append(.init(role: .user, content: text))
        let client = try global.makeClient()
        let server = try await client.verifiedServer()
        if server.simulated { printError("sotto: \(simulatedLabel)") }
        try await stream(client.chat(ChatRequest(messages: messages, maxTokens: maxTokens)))
    }

    /// - Parameter continuing: the conversation to continue: its id or a unique prefix.
    private func askAndSave(_ text: String, continuing: String?) async throws {
        let client = try global.makeClient()
        // Verify before unlocking: a server that fails verification gets nothing, not even a login.
        let server = try await client.verifiedServer()
        if server.simulated { printError("sotto: \(simulatedLabel)") }
        let opened = try await UnlockedHistory.open(global, account)
        let continued = try continuing.map { try opened.history.conversationID(named: $0) }
        let session = ChatSession(history: opened.history, sender: client, sync: opened.sync)
        let id: RecordID
        if let continued {
            id = continued
        } else {
            id = try await session.startConversation(firstPrompt: text, settings: ModelSettings(systemPrompt: system))
        }
        // What the model's context cannot hold is left out, or the prompt refused, before sending.
        let budget = server.modelContextTokens.map {
            ContextBudget(contextTokens: $0, answerTokens: maxTokens ?? server.defaultMaxTokens ?? 512)
        }
        try await stream(
            try await session.send(
                ChatTurn(conversation: id, ask: .prompt(id: .random(), text: text), budget: budget),
                maxTokens: maxTokens))
        printError("sotto: saved in conversation \(id)")
        await session.close()
        if opened.sync != nil {
            do { try await session.syncNow() } catch {
                printError("sotto: saved on this device; sync failed (\(error)); `sotto sync` retries")
            }
        }
    }

    private func stream(_ events: some AsyncSequence<ChatEvent, any Error>) async throws {
        var endedWithError: String?
        let output = ContentOutput(raw: rawOutput)
        for try await event in events {
            switch event {
            case .start, .progress: break
            case .token(let piece): output.write(piece)
            case .error(let code, let message): endedWithError = "\(code): \(message)"
            case .end: output.write("\n")
            }
        }
        if let endedWithError {
            printError("sotto: the server stopped: \(endedWithError)")
            throw ExitCode(1)
        }
    }

    private func readStandardInput() throws -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("standard input is not UTF-8 text")
        }
        return text
    }
}
