/// The prompt format of a chat model, recognised from its `tokenizer.chat_template`: rendering a Jinja template
/// would need a Jinja engine, so the known families are written out here instead.
public enum ChatTemplate: Sendable, Equatable {
    /// ChatML (SmolLM2, Qwen): `<|im_start|>role\ncontent<|im_end|>\n` per message. `defaultSystemPrompt` is the
    /// system message the template inserts when a conversation starts without one.
    case chatML(defaultSystemPrompt: String?)
    /// Llama 3: `<|begin_of_text|>`, then `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` per
    /// message, with the content trimmed as the official template does.
    case llama3

    /// The template a model declares in `tokenizer.chat_template`.
    public init(metadata: GGUFMetadata) throws(TokenizerError) {
        guard metadata.contains("tokenizer.chat_template") else { throw .missingChatTemplate }
        let source: String
        do { source = try metadata.string("tokenizer.chat_template") } catch { throw .metadata(error) }
        try self.init(source: source)
    }

    /// The template whose Jinja source is `source`.
    public init(source: String) throws(TokenizerError) {
        if source.contains("<|im_start|>") {
            self = .chatML(defaultSystemPrompt: Self.defaultSystemPrompt(in: source))
        } else if source.contains("<|start_header_id|>") {
            self = .llama3
        } else {
            throw .unsupportedChatTemplate
        }
    }

    /// The special token that ends the model's turn; generation stops there.
    public var endOfTurn: String {
        switch self {
        case .chatML: "<|im_end|>"
        case .llama3: "<|eot_id|>"
        }
    }

    /// The prompt text for `messages`, ending with the assistant's header when `addGenerationPrompt` is set.
    ///
    /// For display and debugging: encode with ``encode(_:with:addGenerationPrompt:)``, which keeps special-token
    /// texts inside message contents as plain text.
    public func render(
        _ messages: [ChatMessage], addGenerationPrompt: Bool = true, continuingLast: Bool = false
    )
        -> String
    {
        segments(messages, addGenerationPrompt: addGenerationPrompt, continuingLast: continuingLast).map { segment in
            switch segment {
            case .special(let text), .text(let text): text
            }
        }.joined()
    }

    /// The prompt tokens for `messages`. Only the template's own markers become special tokens; contents are
    /// encoded as text, so a message cannot close its turn or forge another role's.
    ///
    /// With `continuingLast`, the last message (an assistant's answer cut short) is left open,
    /// without its end marker or a new assistant header, so generation goes on from its end.
    public func encode(
        _ messages: [ChatMessage], with tokenizer: Tokenizer, addGenerationPrompt: Bool = true,
        continuingLast: Bool = false
    ) throws(TokenizerError) -> [Int] {
        var out: [Int] = []
        for segment in segments(messages, addGenerationPrompt: addGenerationPrompt, continuingLast: continuingLast) {
            switch segment {
            case .special(let text):
                guard let id = tokenizer.specialTokenID(text) else { throw .missingTemplateToken(text) }
                out.append(id)
            case .text(let text):
                out.append(contentsOf: tokenizer.encode(text))
            }
        }
        return out
    }

    private enum Segment {
        case special(String)
        case text(String)
    }

    /// The prompt as special markers and text runs; adjacent text is joined so it is encoded as llama.cpp
    /// encodes the text between two special tokens.
    private func segments(
        _ messages: [ChatMessage], addGenerationPrompt: Bool, continuingLast: Bool = false
    )
        -> [Segment]
    {
        let open = continuingLast && messages.last?.role == .assistant
        var out: [Segment] = []
        func special(_ text: String) { out.append(.special(text)) }
        func text(_ text: String) {
            guard !text.isEmpty else { return }
            if case .text(let previous) = out.last {
                out[out.count - 1] = .text(previous + text)
            } else {
                out.append(.text(text))
            }
        }
        switch self {
        case .chatML(let defaultSystemPrompt):
            func turn(_ role: String, _ content: String, closed: Bool = true) {
                special("<|im_start|>")
                text(role + "\n" + content)
                guard closed else { return }
                special("<|im_end|>")
                text("\n")
            }
            if let defaultSystemPrompt, messages.first?.role != .system {
                turn(ChatRole.system.rawValue, defaultSystemPrompt)
            }
            for (index, message) in messages.enumerated() {
                turn(message.role.rawValue, message.content, closed: !(open && index == messages.count - 1))
            }
            if addGenerationPrompt && !open {
                special("<|im_start|>")
                text("assistant\n")
            }
        case .llama3:
            func header(_ role: String) {
                special("<|start_header_id|>")
                text(role)
                special("<|end_header_id|>")
                text("\n\n")
            }
            special("<|begin_of_text|>")
            for (index, message) in messages.enumerated() {
                header(message.role.rawValue)
                if open && index == messages.count - 1 {
                    // Left as it is: trimming its end would change where generation goes on.
                    text(message.content)
                    continue
                }
                text(Self.trimmed(message.content))
                special("<|eot_id|>")
            }
            if addGenerationPrompt && !open { header(ChatRole.assistant.rawValue) }
        }
        return out
    }

    /// The system message a ChatML template inserts when the first message is not a system one (SmolLM2 and
    /// Qwen do), when it is a plain literal in the template.
    private static func defaultSystemPrompt(in source: String) -> String? {
        guard source.contains("!= 'system'") || source.contains("!= \"system\"") else { return nil }
        for opening in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            guard let start = source.firstRange(of: opening)?.upperBound,
                let end = source[start...].firstRange(of: "<|im_end|>")?.lowerBound
            else { continue }
            let literal = source[start..<end]
            // Anything Jinja could interpret means the prompt is computed, not a literal we can copy.
            guard !literal.contains(where: { "'\"{}+\\".contains($0) }) else { return nil }
            return String(literal)
        }
        return nil
    }

    /// `content` without leading and trailing whitespace, as Jinja's `trim` filter gives it.
    private static func trimmed(_ content: String) -> String {
        let scalars = content.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
