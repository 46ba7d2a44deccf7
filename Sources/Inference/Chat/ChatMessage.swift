/// Who wrote a message in a conversation.
public enum ChatRole: String, Sendable, CaseIterable {
    /// Instructions that frame the conversation.
    case system
    /// The person asking.
    case user
    /// The model.
    case assistant
}

/// One message of a conversation given to a chat model.
public struct ChatMessage: Sendable, Equatable {
    /// Who wrote it.
    public var role: ChatRole
    /// What it says, as plain text: special-token texts in it stay text when encoded.
    public var content: String

    /// A message from `role` saying `content`.
    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}
