import Core
import Foundation
import Testing
import Wire

/// The recovery key's written form: every single mistyped character is caught and located,
/// transpositions are caught, and case, dashes and spaces are forgiven.
@Suite struct RecoveryKeyTests {
    static let alphabet = RecoveryKeyEncoding.alphabet

    /// The 56 characters of a key's text, without dashes.
    static func characters(_ key: RecoveryKey) -> [Character] { key.revealedText().filter { $0 != "-" } }

    static func text(_ characters: [Character]) -> String { String(characters) }

    @Test func theDisplayFormIs14GroupsOf4() throws {
        let key = RecoveryKey.generate()
        let text = key.revealedText()
        let groups = text.split(separator: "-")
        #expect(groups.count == 14)
        #expect(groups.allSatisfy { $0.count == 4 })
        #expect(text.allSatisfy { $0 == "-" || Self.alphabet.contains($0) })
        #expect(try RecoveryKey(parsing: text).matches(key))
        #expect(RecoveryKey.problem(in: text) == nil)
    }

    @Test func roundTripsManyKeysIncludingTheExtremes() throws {
        for _ in 0..<200 {
            let key = RecoveryKey.generate()
            #expect(try RecoveryKey(parsing: key.revealedText()).matches(key))
        }
        let zeros = try RecoveryKey(parsing: String(repeating: "0", count: 56))
        #expect(zeros.revealedText() == String(repeating: "0000-", count: 13) + "0000")
        #expect(try RecoveryKey(parsing: zeros.revealedText()).matches(zeros))
    }

    @Test func caseDashesSpacesAndLookAlikesAreForgiven() throws {
        let key = RecoveryKey.generate()
        let plain = Self.text(Self.characters(key))
        let variants = [
            plain, plain.lowercased(), key.revealedText().replacingOccurrences(of: "-", with: " "),
            "  " + key.revealedText().lowercased() + "\n",
            plain.replacingOccurrences(of: "0", with: "O").replacingOccurrences(of: "1", with: "l"),
            plain.replacingOccurrences(of: "1", with: "I"),
            // Dashes anywhere, not only between groups.
            plain.enumerated().map { $0.offset % 3 == 2 ? "\($0.element)-" : "\($0.element)" }.joined(),
        ]
        for variant in variants {
            #expect(try RecoveryKey(parsing: variant).matches(key))
        }
    }

    @Test func everySingleSubstitutionIsCaughtAndLocated() throws {
        for _ in 0..<3 {
            let characters = Self.characters(RecoveryKey.generate())
            var checked = 0
            for position in characters.indices {
                for replacement in Self.alphabet where replacement != characters[position] {
                    var typed = characters
                    typed[position] = replacement
                    let problem = RecoveryKey.problem(in: Self.text(typed))
                    #expect(
                        problem == .mistyped(positions: [position + 1]), "character \(position + 1) → \(replacement)")
                    checked += 1
                }
            }
            #expect(checked == 56 * 31)
        }
    }

    @Test func theErrorNamesThePositionAndGroupButNoCharacter() throws {
        let key = RecoveryKey.generate()
        var typed = Self.characters(key)
        typed[17] = typed[17] == "X" ? "Y" : "X"
        let error = #expect(throws: KeyError.self) { try RecoveryKey(parsing: Self.text(typed)) }
        #expect(error?.code == .recoveryKeyMistyped)
        #expect(error?.message.contains("character 18 (group 5, character 2)") == true)
    }

    @Test func everyAdjacentTranspositionIsCaught() throws {
        for _ in 0..<5 {
            let characters = Self.characters(RecoveryKey.generate())
            for position in 0..<(characters.count - 1) where characters[position] != characters[position + 1] {
                var typed = characters
                typed.swapAt(position, position + 1)
                let problem = RecoveryKey.problem(in: Self.text(typed))
                #expect(problem != nil, "swap \(position + 1)/\(position + 2)")
                if case .mistyped = problem {
                } else {
                    Issue.record("swap \(position + 1): \(String(describing: problem))")
                }
            }
        }
    }

    @Test func anyTwoMistakesInOneHalfAreCaught() throws {
        // The code's distance is 3 per half: two substitutions never give another valid key.
        let characters = Self.characters(RecoveryKey.generate())
        for first in 0..<28 {
            for second in (first + 1)..<28 {
                var typed = characters
                for position in [first, second] {
                    let index = Self.alphabet.firstIndex(of: typed[position])!
                    typed[position] = Self.alphabet[(index + 1 + (first * 7 + second) % 30) % 32]
                }
                #expect(RecoveryKey.problem(in: Self.text(typed)) != nil, "\(first + 1) and \(second + 1)")
            }
        }
    }

    @Test func lengthAndAlphabetProblemsAreNamed() throws {
        let characters = Self.characters(RecoveryKey.generate())
        #expect(RecoveryKey.problem(in: Self.text(Array(characters.dropLast()))) == .wrongLength(found: 55))
        #expect(RecoveryKey.problem(in: Self.text(characters + ["0"])) == .wrongLength(found: 57))
        #expect(RecoveryKey.problem(in: "") == .wrongLength(found: 0))
        for bad: Character in ["U", "u", "!", "é", "*"] {
            var typed = characters
            typed[40] = bad
            #expect(RecoveryKey.problem(in: Self.text(typed)) == .invalidCharacter(position: 41), "\(bad)")
        }
        let length = #expect(throws: KeyError.self) { try RecoveryKey(parsing: "ABCD-EFGH") }
        #expect(length?.code == .recoveryKeyLength)
        let character = #expect(throws: KeyError.self) {
            try RecoveryKey(parsing: "U" + String(repeating: "0", count: 55))
        }
        #expect(character?.code == .recoveryKeyCharacter)
        #expect(character?.message.contains("character 1 (group 1, character 1)") == true)
    }
}
