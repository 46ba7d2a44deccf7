import ArgumentParser
import Core
import Foundation
import Wire

/// `sotto ask`: one question, answered through the encrypted channel.
struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Ask one question; the answer streams to standard output.",
        discussion: """
            The prompt is the argument, or standard input when there is none. The server is \
            verified first; if it does not verify, nothing is sent and the exit status is 1.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The prompt (default: read standard input).")
    var prompt: String?

    @Option(help: "Most tokens to generate.")
    var maxTokens: Int?

    @Option(help: "A system prompt.")
    var system: String?

    func run() async throws {
        let text = try prompt ?? readStandardInput()
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the prompt is empty: pass it as an argument or on standard input")
        }
        var messages = [ChatRequest.Message]()
        if let system { messages.append(.init(role: .system, content: system)) }
        messages.append(.init(role: .user, content: text))
        let client = try global.makeClient()
        do {
            let server = try await client.verifiedServer()
            if server.simulated { printError("sotto: \(simulatedLabel)") }
            var endedWithError: String?
            for try await event in client.chat(ChatRequest(messages: messages, maxTokens: maxTokens)) {
                switch event {
                case .start: break
                case .token(let piece):
                    FileHandle.standardOutput.write(Data(piece.utf8))
                case .error(let code, let message):
                    endedWithError = "\(code): \(message)"
                case .end:
                    FileHandle.standardOutput.write(Data("\n".utf8))
                }
            }
            if let endedWithError {
                printError("sotto: the server stopped: \(endedWithError)")
                throw ExitCode(1)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("sotto: \(error)")
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
