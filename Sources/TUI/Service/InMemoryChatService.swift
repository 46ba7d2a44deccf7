import Core
import Synchronization
import Wire

/// A `ChatService` that keeps everything in memory and answers with scripted text, token
/// by token. Tests use it with no delay; the demo with a small one so streaming shows.
public final class InMemoryChatService: ChatService {
    struct State {
        var conversations: [ConversationSummary]
        var folders: [Folder]
        var messages: [RecordID: [ChatMessage]]
        var sent: [(RecordID, [ChatMessage], String)] = []
        var exports: [RecordID: String] = [:]
    }

    private let state: Mutex<State>
    private let statusInfo: StatusInfo
    private let answer: @Sendable ([ChatMessage]) -> String
    private let tokenDelay: Duration
    /// Fail each answer after this many tokens (a dropped connection), or never.
    private let failAfterTokens: Int?

    /// - Parameters:
    ///   - answer: the reply to a conversation (default: a Markdown echo of the prompt).
    ///   - tokenDelay: the pause between tokens.
    public init(
        conversations: [ConversationSummary] = [], folders: [Folder] = [],
        messages: [RecordID: [ChatMessage]] = [:], status: StatusInfo = StatusInfo(),
        tokenDelay: Duration = .zero, failAfterTokens: Int? = nil,
        answer: @escaping @Sendable ([ChatMessage]) -> String = InMemoryChatService.echo
    ) {
        state = Mutex(State(conversations: conversations, folders: folders, messages: messages))
        statusInfo = status
        self.answer = answer
        self.tokenDelay = tokenDelay
        self.failAfterTokens = failAfterTokens
    }

    /// The default answer: repeats the prompt inside a little Markdown.
    public static let echo: @Sendable ([ChatMessage]) -> String = { messages in
        let prompt = messages.last { $0.role == .user }?.text ?? ""
        return "You said: **\(prompt)**\n\n- this answer is *simulated*\n- nothing left this machine"
    }

    /// What was sent so far: conversation, the messages answered, instructions.
    public var sentRequests: [(RecordID, [ChatMessage], String)] { state.withLock { $0.sent } }

    public func conversations() async throws -> (conversations: [ConversationSummary], folders: [Folder]) {
        state.withLock { ($0.conversations, $0.folders) }
    }

    public func messages(of id: RecordID) async throws -> [ChatMessage] {
        state.withLock { $0.messages[id] ?? [] }
    }

    /// Stores the turn's prompt (or drops what follows the one to answer again), then streams
    /// the scripted answer word by word, storing it once complete.
    public func send(_ turn: ChatTurn) async throws -> any AsyncSequence<ChatEvent, any Error> {
        let id = turn.conversation
        let context = state.withLock { state in
            var messages = state.messages[id] ?? []
            switch turn.ask {
            case .prompt(let promptID, let text):
                if !state.conversations.contains(where: { $0.id == id }) {
                    state.conversations.insert(
                        ConversationSummary(id: id, title: ConversationTitle.from(prompt: text)), at: 0)
                }
                messages.append(ChatMessage(id: promptID, role: .user, text: text))
            case .again(let promptID):
                messages = Array(messages.prefix { $0.id != promptID }) + messages.filter { $0.id == promptID }
            case .continuation(let answerID):
                messages = Array(messages.prefix { $0.id != answerID }) + messages.filter { $0.id == answerID }
            }
            state.messages[id] = messages
            state.sent.append((id, messages, turn.instructions))
            return messages
        }
        let (text, delay, failAfter) = (answer(context), tokenDelay, failAfterTokens)
        let batches = AsyncThrowingStream<[ChatEvent], any Error> { continuation in
            let task = Task {
                var produced = ""
                for (count, token) in Self.tokens(of: text).enumerated() where !Task.isCancelled {
                    if let failAfter, count >= failAfter {
                        return continuation.finish(throwing: InMemoryChatServiceError.connectionLost)
                    }
                    if delay > .zero { try? await Task.sleep(for: delay) }
                    continuation.yield([.token(token)])
                    produced += token
                }
                self.state.withLock {
                    $0.messages[id] = context + [ChatMessage(id: turn.answer, role: .assistant, text: produced)]
                }
                continuation.yield([
                    .end(reason: .stop, promptTokens: context.count, completionTokens: Self.tokens(of: produced).count)
                ])
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return ChatEventStream(batches: batches)
    }

    public func save(_ summary: ConversationSummary) async throws {
        state.withLock { state in
            if let index = state.conversations.firstIndex(where: { $0.id == summary.id }) {
                state.conversations[index] = summary
            } else {
                state.conversations.insert(summary, at: 0)
            }
        }
    }

    public func saveFolder(_ folder: Folder) async throws {
        state.withLock { state in
            if let index = state.folders.firstIndex(where: { $0.id == folder.id }) {
                state.folders[index] = folder
            } else {
                state.folders.append(folder)
            }
        }
    }

    public func delete(_ id: RecordID) async throws {
        state.withLock {
            $0.conversations.removeAll { $0.id == id }
            $0.messages[id] = nil
        }
    }

    public func deleteFolder(_ id: RecordID) async throws {
        state.withLock { state in
            state.folders.removeAll { $0.id == id }
            for index in state.conversations.indices where state.conversations[index].folder == id {
                state.conversations[index].folder = nil
            }
        }
    }

    public func status() async -> StatusInfo { statusInfo }

    /// Keeps the Markdown in memory (nothing is written); the path names it.
    public func exportMarkdown(_ id: RecordID, showing shown: Set<RecordID>) async throws -> String {
        let text = state.withLock { state in
            (state.messages[id] ?? []).map { "## \($0.role.rawValue)\n\n\($0.text)\n" }.joined(separator: "\n")
        }
        state.withLock { $0.exports[id] = text }
        return "memory:\(id)"
    }

    /// What `exportMarkdown` produced, by conversation.
    public var exports: [RecordID: String] { state.withLock { $0.exports } }

    public func search(_ query: String, limit: Int) async throws -> [SearchHit] {
        state.withLock { state in
            var hits: [SearchHit] = []
            for conversation in state.conversations {
                for message in state.messages[conversation.id] ?? [] {
                    guard hits.count < limit, let snippet = SearchHit.snippet(of: message.text, matching: query)
                    else { continue }
                    hits.append(
                        SearchHit(
                            conversation: conversation.id, title: conversation.title, messageID: message.id,
                            snippet: snippet))
                }
            }
            return hits
        }
    }

    /// Splits text into word-sized tokens (a word with its following spaces), as a model streams.
    static func tokens(of text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for c in text {
            if (c == " " || c == "\n") && !current.isEmpty && current.last != " " && current.last != "\n" {
                current.append(c)
                tokens.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }
}

/// The simulated connection broke.
public enum InMemoryChatServiceError: Error, CustomStringConvertible {
    case connectionLost

    /// The stable identifiers of these failures.
    public enum Code: String, StableErrorCode {
        /// `sotto dev tui-demo`'s scripted connection failure.
        case demoConnection = "SOTTO-TUI-DEMO-CONNECTION"
    }

    public var code: Code { .demoConnection }
    public var description: String { "\(code): the connection was lost (simulated)" }
}
