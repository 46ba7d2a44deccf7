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
        /// The stored answer `id`, which the model stopped at the length limit, continued from
        /// where it stopped: the whole answer is stored anew, replacing it.
        case continuation(answer: RecordID)
    }

    public var conversation: RecordID
    public var ask: Ask
    /// The id the answer is stored under.
    public var answer: RecordID
    /// The folder's custom instructions, sent as the system prompt.
    public var instructions: String
    /// Earlier versions of regenerated answers that the screen shows in place of the current
    /// ones (`AnswerVersions`): the model reads the conversation as it is shown.
    public var shownVersions: Set<RecordID>
    /// What the model's context holds, when the server announced it: the oldest turns that
    /// do not fit are left out, and a prompt that cannot fit is refused (`SOTTO-CHAT-TOO-LONG`)
    /// before it is stored.
    public var budget: ContextBudget?

    public init(
        conversation: RecordID, ask: Ask, answer: RecordID = .random(), instructions: String = "",
        shownVersions: Set<RecordID> = [], budget: ContextBudget? = nil
    ) {
        self.budget = budget
        self.conversation = conversation
        self.ask = ask
        self.answer = answer
        self.instructions = instructions
        self.shownVersions = shownVersions
    }
}
