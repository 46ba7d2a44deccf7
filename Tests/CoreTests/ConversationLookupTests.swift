import Core
import Foundation
import Testing
import Wire

/// `sotto history ID`, `export --conversation` and `ask --conversation` take an id or, as git
/// takes a commit's, a unique prefix of one.
@Suite struct ConversationLookupTests {
    let first = try! RecordID("abcd1234" + String(repeating: "0", count: 24))
    let second = try! RecordID("abcd5678" + String(repeating: "0", count: 24))
    let third = try! RecordID("ef01" + String(repeating: "9", count: 28))

    var ids: [RecordID] { [first, second, third] }

    @Test func aUniquePrefixNamesItsConversation() throws {
        #expect(try ConversationLookup.resolve("abcd1", among: ids) == first)
        #expect(try ConversationLookup.resolve("ABCD5678", among: ids) == second)
        #expect(try ConversationLookup.resolve("ef01", among: ids) == third)
        #expect(try ConversationLookup.resolve(first.description, among: ids) == first)
    }

    @Test func anAmbiguousPrefixListsTheMatchingIDs() {
        #expect {
            try ConversationLookup.resolve("abcd", among: ids)
        } throws: { error in
            guard let error = error as? CacheError, error.code == .ambiguousID else { return false }
            let text = "\(error)"
            return text.hasPrefix("SOTTO-CACHE-AMBIGUOUS-ID") && text.contains(first.description)
                && text.contains(second.description) && !text.contains(third.description)
                && text.contains("starts 2 conversation ids")
        }
    }

    @Test func manyMatchesAreCountedNotAllListed() {
        let many = (0..<14).map { try! RecordID("abcd" + String(format: "%028x", $0)) }
        #expect {
            try ConversationLookup.resolve("abcd", among: many)
        } throws: { error in
            "\(error)".contains("starts 14 conversation ids") && "\(error)".contains("and 4 more")
        }
    }

    @Test func noMatchAndBadTextGetTheirOwnCodes() {
        #expect(throws: CacheError.self) { try ConversationLookup.resolve("0000", among: ids) }
        #expect { try ConversationLookup.resolve("0000", among: ids) } throws: {
            ($0 as? CacheError)?.code == .notFound
        }
        for bad in ["abc", "abcz", "", String(repeating: "a", count: 33), "ab cd"] {
            #expect { try ConversationLookup.resolve(bad, among: ids) } throws: {
                ($0 as? CacheError)?.code == .invalidID
            }
        }
    }
}
