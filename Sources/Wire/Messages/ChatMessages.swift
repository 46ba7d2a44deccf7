/// Who wrote a message: the one role the request, the stored history and the screen share.
public enum MessageRole: String, Codable, Hashable, Sendable {
    case system, user, assistant
}

/// The conversation a client sends, decrypted only inside the TEE. Stateless: the client
/// sends the whole conversation each turn.
public struct ChatRequest: Codable, Hashable, Sendable {
    /// One turn of the conversation.
    public struct Message: Codable, Hashable, Sendable {
        public var role: MessageRole
        public var content: String

        public init(role: MessageRole, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// Sampling settings; absent fields take the server's defaults.
    public struct Sampling: Codable, Hashable, Sendable {
        public var temperature: Double?
        public var topK: Int?
        public var topP: Double?
        public var minP: Double?
        public var repeatPenalty: Double?
        public var seed: UInt64?

        public init(
            temperature: Double? = nil, topK: Int? = nil, topP: Double? = nil, minP: Double? = nil,
            repeatPenalty: Double? = nil, seed: UInt64? = nil
        ) {
            self.temperature = temperature
            self.topK = topK
            self.topP = topP
            self.minP = minP
            self.repeatPenalty = repeatPenalty
            self.seed = seed
        }

        enum CodingKeys: String, CodingKey {
            case temperature, seed
            case topK = "top_k"
            case topP = "top_p"
            case minP = "min_p"
            case repeatPenalty = "repeat_penalty"
        }
    }

    public var messages: [Message]
    public var maxTokens: Int?
    public var sampling: Sampling?
    /// True when the last message is an answer cut short at the length limit: the model goes
    /// on from where it stopped instead of answering anew. Absent means false.
    public var continuesLast: Bool?
    /// True when the client reads `ChatEvent.progress` events; absent means false (a client
    /// that predates them gets none).
    public var progress: Bool?

    public init(
        messages: [Message], maxTokens: Int? = nil, sampling: Sampling? = nil, continuesLast: Bool? = nil,
        progress: Bool? = nil
    ) {
        self.progress = progress
        self.messages = messages
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.continuesLast = continuesLast
    }

    enum CodingKeys: String, CodingKey {
        case messages, sampling, progress
        case maxTokens = "max_tokens"
        case continuesLast = "continue_last"
    }
}

/// Why generation stopped.
public enum FinishReason: String, Codable, Sendable {
    case stop, length, cancelled
}

/// What the server streams back, one event per encrypted frame.
public enum ChatEvent: Hashable, Sendable {
    /// First event: which model answers.
    case start(model: String)
    /// The model has read `read` of the prompt's `total` tokens; sent while a long prompt is
    /// read, before the first token, to clients that asked (`ChatRequest.progress`).
    case progress(read: Int, total: Int)
    /// A piece of the answer (whole UTF-8 characters).
    case token(String)
    /// Generation failed; the stream ends after this with `end`.
    case error(code: String, message: String)
    /// Last event. A stream without it was truncated.
    case end(reason: FinishReason, promptTokens: Int, completionTokens: Int)
}
