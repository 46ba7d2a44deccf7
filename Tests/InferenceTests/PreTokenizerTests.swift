import Inference
import Testing

/// The expected splits come from Python's `regex` module running the models' tokenizer.json expressions
/// (with `\s` spelled `\p{White_Space}`, as llama.cpp reads it), not from this implementation.
@Suite struct PreTokenizerTests {
    static let cases: [(text: String, llama3: [String], smollm: [String])] = [
        ("1234567", ["123", "456", "7"], ["1", "2", "3", "4", "5", "6", "7"]),
        ("abc 12345 x", ["abc", " ", "123", "45", " x"], ["abc", " ", "1", "2", "3", "4", "5", " x"]),
        (
            "I'm HE'LL they'RE", ["I", "'m", " HE", "'LL", " they", "'RE"],
            ["I", "'m", " HE", "'", "LL", " they", "'", "RE"]
        ),
        ("  hello   world  ", [" ", " hello", "  ", " world", "  "], [" ", " hello", "  ", " world", "  "]),
        ("hi!!! ?? x...\n\n", ["hi", "!!!", " ??", " x", "...\n\n"], ["hi", "!!!", " ??", " x", "...", "\n\n"]),
        ("a\n\nb \n c\r\n", ["a", "\n\n", "b", " \n", " c", "\r\n"], ["a", "\n", "\n", "b", " \n", " c", "\r\n"]),
        ("日本語 テキスト", ["日本語", " テキスト"], ["日本語", " テキスト"]),
        ("👩‍💻🇫🇷 ok", ["👩‍💻🇫🇷", " ok"], ["👩‍💻🇫🇷", " ok"]),
        ("e\u{301}te\u{301}", ["e", "\u{301}te", "\u{301}"], ["e", "\u{301}", "te", "\u{301}"]),
        ("\tx\u{A0}y\u{3000}z", ["\tx", "\u{A0}y", "\u{3000}z"], ["\t", "x", "\u{A0}", "y", "\u{3000}", "z"]),
        (
            "x = (a+b)*2;\n", ["x", " =", " (", "a", "+b", ")*", "2", ";\n"],
            ["x", " =", " (", "a", "+", "b", ")*", "2", ";", "\n"]
        ),
        ("'s 's'", ["'s", " '", "s", "'"], ["'s", " '", "s", "'"]),
        ("٣٤٥ Ⅻ ½", ["٣٤٥", " ", "Ⅻ", " ", "½"], ["٣", "٤", "٥", " ", "Ⅻ", " ", "½"]),
    ]

    @Test(arguments: cases.indices)
    func splitsLikeTheReferenceExpressions(index: Int) {
        let (text, llama3, smollm) = Self.cases[index]
        #expect(PreTokenizer.llamaBPE.split(text) == llama3)
        #expect(PreTokenizer.smollm.split(text) == smollm)
    }

    @Test(arguments: PreTokenizer.allCases)
    func piecesJoinBackToTheText(pre: PreTokenizer) {
        var random = SplitMix64(seed: 99)
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", "1", " ", "\n", "\r", "\t", "'", "s", "!", "é", "日", "\u{301}", "٣",
            "\u{A0}", "\u{3000}", "😀", "\u{200D}", "-", "_",
        ]
        for _ in 0..<500 {
            var view = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 16) { view.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
            let text = String(view)
            let pieces = pre.split(text)
            #expect(pieces.joined() == text)
            #expect(!pieces.contains(""))
        }
    }
}
