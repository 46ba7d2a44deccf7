import Wire

/// What one chat turn needs, and no more: the rest (the messages before it, the model
/// settings) is in the history. The screen chooses the ids, so what it shows is what is stored.
public struct ChatTurn: Hashable, Sendable {
    /// What the turn answers.
    public enum Ask: Hashable, Sendable {
        /// A new prompt, stored under `id` after everything the conversation holds. A
        /// conversation not stored yet is created under the turn's id.
        case prompt(id: RecordID, text: String)
        /// The stored prompt `id` answered again (a regeneration, or the retry of an answer that
        /// broke off): the answer after it, if any, is replaced.
        case again(prompt: RecordID)
    }

    public var conversation: RecordID
    public var ask: Ask
    /// The id the answer is stored under.
    public var answer: RecordID
    /// The folder's custom instructions, sent as the system prompt.
    public var instructions: String

    public init(conversation: RecordID, ask: Ask, answer: RecordID = .random(), instructions: String = "") {
        self.conversation = conversation
        self.ask = ask
        self.answer = answer
        self.instructions = instructions
    }
}
