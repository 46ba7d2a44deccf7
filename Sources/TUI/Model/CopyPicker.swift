import Wire

/// The copy overlay: the open conversation's messages, newest first, each followed by its
/// fenced code blocks, so one message or one code block goes to the clipboard (OSC 52).
public struct CopyPicker: Hashable, Sendable {
    public struct Item: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            case message(MessageRole)
            /// A fenced code block; the language named after the fence, if any.
            case codeBlock(language: String)
        }

        public var kind: Kind
        /// What is copied.
        public var text: String
    }

    /// The most messages offered (the newest); older ones are reached by scrolling the chat.
    public static let messageLimit = 200

    public var items: [Item]
    public var selection = 0

    public init(messages: [ChatMessage]) {
        var items: [Item] = []
        for message in messages.reversed().prefix(Self.messageLimit) where !message.text.isEmpty {
            items.append(Item(kind: .message(message.role), text: message.text))
            for block in Self.codeBlocks(in: message.text) {
                items.append(Item(kind: .codeBlock(language: block.language), text: block.code))
            }
        }
        self.items = items
    }

    /// The fenced code blocks of a Markdown text, in order; an unclosed fence runs to the end.
    public static func codeBlocks(in text: String) -> [(language: String, code: String)] {
        var blocks: [(String, String)] = []
        var current: (language: String, lines: [Substring])?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("```") {
                if let block = current {
                    blocks.append((block.language, block.lines.joined(separator: "\n")))
                    current = nil
                } else {
                    current = (String(trimmed.dropFirst(3)).trimmingSpaces(), [])
                }
            } else {
                current?.lines.append(line)
            }
        }
        if let block = current, !block.lines.isEmpty {
            blocks.append((block.language, block.lines.joined(separator: "\n")))
        }
        return blocks
    }
}
