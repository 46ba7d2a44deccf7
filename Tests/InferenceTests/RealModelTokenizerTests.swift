import Foundation
import Inference
import TestSupport
import Testing

/// Checks against the default model, SmolLM2-135M-Instruct, which `scripts/fetch-model.sh` downloads.
@Suite struct RealModelTokenizerTests {
    static let modelPath = Fixtures.defaultModelPath

    static func load() throws -> (Tokenizer, GGUFFile) {
        let file = try GGUFFile(path: try #require(modelPath))
        return (try Tokenizer(file: file), file)
    }

    /// Expected ids from an independent reference: the `gguf` Python package read the vocabulary and merges
    /// from this same file, Python's `regex` module applied the SmolLM expressions (digits alone, then GPT-2's,
    /// with `\s` as `\p{White_Space}`), and a textbook rank-ordered BPE merged
    /// (Tests/Fixtures/tokenizer/reference_tokenizer.py).
    static let known: [(String, [Int])] = [
        ("Hello, world!", [19556, 28, 905, 17]),
        ("The quick brown fox jumps over the lazy dog.", [504, 2365, 6354, 16438, 27003, 690, 260, 23790, 2767, 30]),
        ("I'm sure they'll say we've done it.", [57, 5248, 2090, 502, 3060, 1643, 392, 3543, 2294, 357, 30]),
        (
            "Numbers: 1234567 and 3.14159",
            [39006, 42, 216, 33, 34, 35, 36, 37, 38, 39, 284, 216, 35, 30, 33, 36, 33, 37, 41]
        ),
        ("  leading spaces and trailing  ", [216, 2899, 5600, 284, 35079, 256]),
        ("line one\nline two\n\n\ttabbed", [1311, 582, 198, 1311, 827, 1116, 197, 15999, 5776]),
        (
            "日本語のテキスト",
            [23274, 115, 40993, 179, 120, 248, 26453, 11100, 224, 10391, 251, 10391, 134, 11100, 226]
        ),
        (
            "emoji 👩‍💻 and 🇫🇷",
            [391, 33777, 15107, 235, 119, 321, 231, 10813, 236, 136, 284, 15107, 225, 121, 10813, 225, 132]
        ),
        ("café naïve résumé", [83, 1939, 2756, 15486, 46494, 412, 2756, 5422, 2756]),
        ("مرحبا بالعالم", [21706, 20602, 44626, 31462, 10805, 45726, 22208, 34966, 22208, 21706]),
        ("def f(x):\n    return x**2", [1604, 275, 24, 104, 727, 472, 1003, 1792, 828, 34]),
        (
            "<|im_start|>user\nhi<|im_end|>",
            [44, 108, 306, 79, 3738, 108, 46, 4093, 198, 6004, 44, 108, 306, 79, 486, 108, 46]
        ),
    ]

    @Test(.enabled(if: modelPath != nil, "no model: run scripts/fetch-model.sh"))
    func matchesTheReferenceIDs() throws {
        let (tokenizer, _) = try Self.load()
        #expect(tokenizer.preTokenizer == .smollm)
        #expect(tokenizer.vocabularySize == 49_152)
        for (text, ids) in Self.known {
            #expect(tokenizer.encode(text) == ids, "\(text)")
        }
        // With special parsing the markers become their control tokens and the text between is encoded alone
        // (reference ids for "user\nhi": 4093, 198, 6004).
        #expect(tokenizer.encode("<|im_start|>user\nhi<|im_end|>", parseSpecial: true) == [1, 4093, 198, 6004, 2])
    }

    @Test(.enabled(if: modelPath != nil, "no model: run scripts/fetch-model.sh"))
    func roundTripsACorpus() throws {
        let (tokenizer, file) = try Self.load()
        var strings = TokenizerTests.corpus + Self.known.map(\.0)
        strings.append(try file.metadata.string("tokenizer.chat_template"))
        // SmolLM2 has no token for a few control bytes and for lead bytes F1 and F2 (planes 4 to 11); text
        // holding them cannot round-trip, in llama.cpp either.
        #expect(tokenizer.unencodableBytes.filter { $0 < 0xC0 } == [0x04, 0x06, 0x13, 0x14, 0x16, 0x1D])
        #expect(tokenizer.encode("a\u{4}b") == tokenizer.encode("a") + tokenizer.encode("b"))
        for string in strings {
            #expect(try tokenizer.decode(tokenizer.encode(string)) == Array(string.utf8), "\(string)")
        }
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var streamed = ""
        let text = "Streaming 日本語 👩‍💻 text"
        for token in tokenizer.encode(text) { streamed += try decoder.push(token) }
        #expect(streamed + decoder.finish() == text)
    }

    @Test(.enabled(if: modelPath != nil, "no model: run scripts/fetch-model.sh"))
    func readsTheChatTemplate() throws {
        let (tokenizer, file) = try Self.load()
        let template = try ChatTemplate(metadata: file.metadata)
        #expect(
            template
                == .chatML(defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        let messages = [ChatMessage(role: .user, content: "hi")]
        let tokens = try template.encode(messages, with: tokenizer)
        #expect(tokens.first == 1)
        #expect(try tokenizer.decodeText(tokens) == template.render(messages))
        #expect(tokenizer.specialTokenID(template.endOfTurn) == 2)
    }
}
