import Core
import Testing
import Wire

/// What fits in the model's context, judged before sending: the oldest turns left out when
/// the history is the problem, a message that cannot fit refused, saying by how much.
@Suite struct ContextBudgetTests {
    let budget = ContextBudget(contextTokens: 1000, answerTokens: 200)

    func message(_ role: MessageRole, bytes: Int) -> ChatRequest.Message {
        ChatRequest.Message(role: role, content: String(repeating: "a", count: bytes))
    }

    @Test func estimatesGenerouslyPerByteAndPerMessage() {
        #expect(ContextBudget.estimate("") == ContextBudget.overheadPerMessage)
        #expect(ContextBudget.estimate(String(repeating: "a", count: 300)) == 100 + ContextBudget.overheadPerMessage)
        // Other scripts take more bytes, so more tokens.
        #expect(ContextBudget.estimate("東京") > ContextBudget.estimate("ab"))
        #expect(budget.promptTokens == 800)
    }

    @Test func aConversationThatFitsIsSentWhole() {
        let messages = [message(.system, bytes: 30), message(.user, bytes: 300), message(.assistant, bytes: 300)]
        #expect(budget.fit(messages) == .fits(used: 3 * 6 + 10 + 100 + 100))
        #expect(budget.trimmed(messages) == messages)
    }

    @Test func theOldestTurnsAreLeftOutButNeverTheInstructionsOrTheLastMessage() {
        let messages = [
            message(.system, bytes: 30), message(.user, bytes: 900), message(.assistant, bytes: 900),
            message(.user, bytes: 300), message(.assistant, bytes: 300), message(.user, bytes: 600),
        ]
        // 16 + 306 + 306 + 106 + 106 + 206 = 1046: the first two turns go, 434 remain.
        #expect(budget.fit(messages) == .dropping(dropped: 2, used: 434))
        #expect(budget.trimmed(messages) == [messages[0]] + messages[3...])
    }

    @Test func aMessageThatCannotFitIsRefusedSayingByHowMuch() {
        let messages = [message(.system, bytes: 30), message(.user, bytes: 30), message(.user, bytes: 2700)]
        // The instructions (16) and the last message (906) need 922 of 800.
        #expect(budget.fit(messages) == .tooLong(needed: 922, over: 122))
        let error = budget.tooLongError(needed: 922, over: 122)
        #expect(error.code == .tooLong)
        #expect("\(error)".hasPrefix("SOTTO-CHAT-TOO-LONG: the message is about 922 tokens"))
        #expect("\(error)".contains("shorten it by about 122 tokens"))
        #expect("\(error)".contains("its context is 1k, 200 kept for the answer"))
    }

    @Test func tokenCountsAreShortOnScreen() {
        #expect(ContextBudget.short(850) == "850")
        #expect(ContextBudget.short(3600) == "3.6k")
        #expect(ContextBudget.short(4096) == "4.1k")
        #expect(ContextBudget.short(4000) == "4k")
        #expect(ContextBudget.short(12_400) == "12k")
    }
}
