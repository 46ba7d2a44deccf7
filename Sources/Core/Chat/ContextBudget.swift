import Wire

/// What fits in the model's context, judged before anything is sent. The server announces
/// its context size with its attestation (`AttestationResponse.modelContextTokens`); the
/// client has no tokenizer, so it counts generously (`estimate`) and says "about".
public struct ContextBudget: Hashable, Sendable {
    /// The model's context, in tokens.
    public var contextTokens: Int
    /// Kept free for the answer (the length limit asked for, or the server's default).
    public var answerTokens: Int

    public init(contextTokens: Int, answerTokens: Int) {
        self.contextTokens = contextTokens
        self.answerTokens = answerTokens
    }

    /// What a prompt may take: the context less the answer's room.
    public var promptTokens: Int { max(0, contextTokens - answerTokens) }

    /// About how many tokens `text` takes as one message: a token per three bytes of UTF-8
    /// (English runs near four, code and other scripts fewer), plus the turn's markers.
    public static func estimate(_ text: String) -> Int { (text.utf8.count + 2) / 3 + overheadPerMessage }

    /// A turn's role markers and separators.
    public static let overheadPerMessage = 6

    /// How a conversation fits.
    public enum Fit: Hashable, Sendable {
        /// Everything fits: about `used` of the prompt's tokens.
        case fits(used: Int)
        /// The `dropped` oldest messages (never the instructions or the last one; an answer
        /// goes with its prompt) are left out so that the rest, about `used` tokens, fits.
        case dropping(dropped: Int, used: Int)
        /// The instructions and the last message alone take about `needed` tokens, `over`
        /// more than fit: nothing can be sent.
        case tooLong(needed: Int, over: Int)
    }

    /// How `messages` (the instructions first, if any; the last is the new prompt or the
    /// answer to go on from) fit.
    public func fit(_ messages: [ChatRequest.Message]) -> Fit {
        let sizes = messages.map { Self.estimate($0.content) }
        let total = sizes.reduce(0, +)
        if total <= promptTokens { return .fits(used: total) }
        let fixed =
            messages.indices.filter { $0 == messages.count - 1 || messages[$0].role == .system }
            .map { sizes[$0] }.reduce(0, +)
        if fixed > promptTokens { return .tooLong(needed: fixed, over: fixed - promptTokens) }
        var used = total
        var dropped = 0
        // Whole turns go: an answer whose prompt was left out goes with it.
        for index in messages.indices.dropLast() where messages[index].role != .system {
            if used <= promptTokens && messages[index].role != .assistant { break }
            used -= sizes[index]
            dropped += 1
        }
        return .dropping(dropped: dropped, used: used)
    }

    /// `messages` without what `fit` drops.
    public func trimmed(_ messages: [ChatRequest.Message]) -> [ChatRequest.Message] {
        guard case .dropping(let dropped, _) = fit(messages) else { return messages }
        var left = dropped
        return messages.enumerated().filter { index, message in
            guard left > 0, index < messages.count - 1, message.role != .system else { return true }
            left -= 1
            return false
        }.map(\.element)
    }

    /// A token count as the screen shows it: "850", "3.6k", "12k".
    public static func short(_ tokens: Int) -> String {
        if tokens < 1000 { return "\(tokens)" }
        if tokens < 10_000 {
            let tenths = (tokens + 50) / 100
            return tenths % 10 == 0 ? "\(tenths / 10)k" : "\(tenths / 10).\(tenths % 10)k"
        }
        return "\((tokens + 500) / 1000)k"
    }
}

/// A chat turn refused before anything was sent.
public typealias ChatTurnError = CodedError<ChatTurnErrorCode>

/// Stable identifiers of `ChatTurnError`.
public enum ChatTurnErrorCode: String, StableErrorCode {
    /// The new message (with the instructions) cannot fit in the model's context.
    case tooLong = "SOTTO-CHAT-TOO-LONG"
}

extension ContextBudget {
    /// The refusal of a message that cannot fit, saying by how much.
    public func tooLongError(needed: Int, over: Int) -> ChatTurnError {
        ChatTurnError(
            .tooLong,
            "the message is about \(Self.short(needed)) tokens and the model reads about \(Self.short(promptTokens)) (its context is \(Self.short(contextTokens)), \(Self.short(answerTokens)) kept for the answer): shorten it by about \(Self.short(over)) tokens (some \(over * 3) characters)"
        )
    }
}
