import Core
import Testing

/// A new conversation's provisional title: the first words of its first prompt.
@Suite struct ConversationTitleTests {
    @Test func theFirstNonBlankLineWithItsWhitespaceCollapsed() {
        #expect(
            ConversationTitle.from(prompt: "\n  \n  What   is\tthe capital?\nSecond line") == "What is the capital?")
    }

    @Test func atMostEightWordsCutAtAWordBoundaryWithoutAnEllipsis() {
        let title = ConversationTitle.from(prompt: "one two three four five six seven eight nine ten")
        #expect(title == "one two three four five six seven eight")
        let long = ConversationTitle.from(prompt: String(repeating: "abcdefghij ", count: 8))
        // Five 10-letter words and their spaces make 54 characters; a sixth would pass 60.
        #expect(long == Array(repeating: "abcdefghij", count: 5).joined(separator: " "))
        #expect(long.count <= ConversationTitle.maximumCharacters)
        #expect(!title.hasSuffix("…") && !long.hasSuffix("…"))
    }

    @Test func aFirstWordLongerThanTheLimitIsCutToIt() {
        let word = String(repeating: "x", count: 100)
        #expect(ConversationTitle.from(prompt: word + " tail") == String(repeating: "x", count: 60))
    }

    @Test func graphemesAreCountedAsCharactersAndNeverSplit() {
        let flags = String(repeating: "🇫🇷", count: 70)
        let title = ConversationTitle.from(prompt: flags)
        #expect(title.count == ConversationTitle.maximumCharacters)
        #expect(title.unicodeScalars.count == 2 * ConversationTitle.maximumCharacters)
    }

    @Test func aBlankPromptGivesTheDefaultTitle() {
        #expect(ConversationTitle.from(prompt: " \n\t ") == "New conversation")
    }
}
