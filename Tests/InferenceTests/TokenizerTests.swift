import Inference
import Testing

@Suite struct TokenizerTests {
    // MARK: Merges

    @Test func mergesByRankNotByPosition() throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.merges = [("b", "c"), ("a", "b"), ("a", "bc")]
        let tokenizer = try vocabulary.tokenizer()
        // "b c" outranks "a b", so "abc" becomes a + bc, then the third rule joins them.
        #expect(tokenizer.encode("abc") == [vocabulary.id("abc")])
        #expect(tokenizer.encode("ab") == [vocabulary.id("ab")])
        #expect(tokenizer.encode("abd") == [vocabulary.id("ab"), vocabulary.id("d")])
    }

    @Test func mergesLeftmostFirstAmongEqualRanks() throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.merges = [("a", "a")]
        let tokenizer = try vocabulary.tokenizer()
        #expect(tokenizer.encode("aaa") == [vocabulary.id("aa"), vocabulary.id("a")])
        #expect(tokenizer.encode("aaaa") == [vocabulary.id("aa"), vocabulary.id("aa")])
    }

    @Test func mergesChainAcrossNewNeighbours() throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.merges = [("l", "o"), ("h", "e"), ("he", "l"), ("hel", "lo"), (" ", "hello")]
        let tokenizer = try vocabulary.tokenizer()
        #expect(tokenizer.encode("hello") == [vocabulary.id("hello")])
        #expect(tokenizer.encode(" hello") == [vocabulary.id(" hello")])
        // "l o" outranks "h e", and once "lo" exists no rule joins "he" to it.
        #expect(tokenizer.encode("helo") == [vocabulary.id("he"), vocabulary.id("lo")])
    }

    @Test func wholeWordTokenWinsOverMergesOnlyForLlama3() throws {
        var vocabulary = VocabularyBuilder()
        // By rank "abc" becomes ab + c and no rule joins those; the vocabulary still has "abc" through "a bc".
        vocabulary.merges = [("a", "b"), ("b", "c"), ("a", "bc")]
        #expect(try vocabulary.tokenizer().encode("abc") == [vocabulary.id("ab"), vocabulary.id("c")])
        vocabulary.pre = "llama-bpe"
        #expect(try vocabulary.tokenizer().encode("abc") == [vocabulary.id("abc")])
    }

    // MARK: Bytes

    @Test func everyByteHasItsMappedToken() throws {
        let vocabulary = VocabularyBuilder()
        let tokenizer = try vocabulary.tokenizer()
        #expect(tokenizer.encode(" ").map { tokenizer.tokenText($0) } == ["Ġ"])
        #expect(tokenizer.encode("\n").map { tokenizer.tokenText($0) } == ["Ċ"])
        #expect(tokenizer.encode("\0").map { tokenizer.tokenText($0) } == ["Ā"])
        #expect(tokenizer.encode("é").map { tokenizer.tokenText($0) } == ["Ã", "©"])
        for byte in UInt8(0)...0x7F {
            let text = String(decoding: [byte], as: UTF8.self)
            let tokens = tokenizer.encode(text)
            #expect(tokens.count == 1)
            #expect(try tokenizer.decode(tokens) == [byte])
        }
    }

    @Test func decodeGivesRawBytesEvenWhenNotUTF8() throws {
        let vocabulary = VocabularyBuilder()
        let tokenizer = try vocabulary.tokenizer()
        let bytes = try tokenizer.decode([tokenizer.encode("é")[0]])
        #expect(bytes == [0xC3])
        #expect(try tokenizer.decodeText([tokenizer.encode("é")[0]]) == "\u{FFFD}")
    }

    // MARK: Special tokens

    @Test func specialTokensAreParsedOnlyWhenAsked() throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.merges = [("h", "i")]
        let tokenizer = try vocabulary.tokenizer()
        let text = "<|im_start|>hi<|im_end|>"
        #expect(tokenizer.encode(text, parseSpecial: true) == [1, vocabulary.id("hi"), 2])
        let plain = tokenizer.encode(text)
        #expect(!plain.contains(1) && !plain.contains(2))
        #expect(try tokenizer.decodeText(plain) == text)
        #expect(try tokenizer.decodeText([1, vocabulary.id("hi"), 2]) == text)
        #expect(try tokenizer.decodeText([1, vocabulary.id("hi"), 2], includeSpecial: false) == "hi")
        #expect(tokenizer.specialTokenID("<|im_end|>") == 2)
        #expect(tokenizer.specialTokenID("hi") == nil)
        #expect(tokenizer.kind(of: 1) == .control)
    }

    @Test func longerSpecialTokensAreCutFirst() throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.controls = ["<a>", "<a><b>"]
        vocabulary.userDefined = ["[x]"]
        let tokenizer = try vocabulary.tokenizer()
        #expect(tokenizer.encode("<a><b><a>[x]", parseSpecial: true) == [1, 0, 2])
        // User-defined tokens decode as their plain text, without the byte-level mapping.
        #expect(try tokenizer.decodeText([2], includeSpecial: false) == "[x]")
    }

    @Test func addsBOSAndEOSWhenTheMetadataAsks() throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.extra = [
            ("tokenizer.ggml.add_bos_token", .bool(true)), ("tokenizer.ggml.add_eos_token", .bool(true)),
        ]
        let tokenizer = try vocabulary.tokenizer()
        #expect(tokenizer.encode("a", addSpecial: true) == [1, vocabulary.id("a"), 2])
        #expect(tokenizer.encode("a") == [vocabulary.id("a")])
        #expect(tokenizer.bosTokenID == 1 && tokenizer.eosTokenID == 2 && tokenizer.eotTokenID == nil)
    }

    @Test func dropsBytesTheVocabularyLacks() throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.omitByte = 0x04
        vocabulary.merges = [("a", "b")]
        let tokenizer = try vocabulary.tokenizer()
        #expect(tokenizer.unencodableBytes == [0x04])
        #expect(try VocabularyBuilder().tokenizer().unencodableBytes.isEmpty)
        // The missing byte still separates its neighbours, as in llama.cpp: "a" and "b" do not merge across it.
        #expect(tokenizer.encode("a\u{4}b") == [vocabulary.id("a"), vocabulary.id("b")])
        #expect(tokenizer.encode("ab") == [vocabulary.id("ab")])
    }

    // MARK: Errors

    @Test func rejectsWhatItCannotTokenize() throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.model = "llama"
        #expect(throws: TokenizerError.unsupportedModel("llama")) { try vocabulary.tokenizer() }
        vocabulary.model = "gpt2"
        vocabulary.pre = "qwen2"
        let error = #expect(throws: TokenizerError.self) { try vocabulary.tokenizer() }
        #expect(error?.code == .pre)
        #expect(error?.description.contains("\"smollm\" and \"llama-bpe\"") == true)
        vocabulary.pre = "smollm"
        vocabulary.extra = [("tokenizer.ggml.eot_token_id", .uint32(100_000))]
        #expect(throws: TokenizerError.self) { try vocabulary.tokenizer() }
        let tokenizer = try VocabularyBuilder().tokenizer()
        #expect(throws: TokenizerError.tokenOutOfRange(id: -1, vocabularySize: tokenizer.vocabularySize)) {
            try tokenizer.decode([-1])
        }
    }

    @Test func reportsAMissingKeyWithItsName() throws {
        var builder = GGUFBuilder()
        builder.add("tokenizer.ggml.model", .string("gpt2"))
        let metadata = try GGUFFile(bytes: builder.build()).metadata
        let error = #expect(throws: TokenizerError.self) { try Tokenizer(metadata: metadata) }
        #expect(error == .metadata(.missingKey("tokenizer.ggml.pre")))
        #expect(error?.code == .metadata)
    }

    // MARK: Round trip

    static let corpus: [String] = [
        "", "a", "Hello, world!", "  two  spaces  ", "tabs\tand\nnewlines\r\n\r\n", "I'm here; you'RE there.",
        "1234567890 3.14 -42 1e10",
        "日本語のテキストと中文",
        "한국어 텍스트",
        "👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷",
        "e\u{301}\u{302} a\u{308}o\u{308}",
        "مرحبا بالعالم שלום",
        "\u{202E}reversed\u{202C}",
        "\0\u{1}\u{7F}\u{1B}[31m",
        "\u{85}\u{A0}\u{2028}\u{3000}x",
        "<|im_start|>not special<|im_end|>",
        "ﬁ ǅ ß ẞ İ",
        "\u{FEFF}bom",
        "\u{10FFFF}",
        "😀😃😄😁", "x = f(a[1], b->c) && !d || e % 3;\n    return",
    ]

    @Test(arguments: ["smollm", "llama-bpe"])
    func roundTripsEveryString(pre: String) throws {
        var vocabulary = VocabularyBuilder()
        vocabulary.pre = pre
        vocabulary.merges = [(" ", "t"), (" ", "w"), ("o", "r"), ("l", "d"), (" w", "or"), (" wor", "ld"), ("e", "l")]
        let tokenizer = try vocabulary.tokenizer()
        var random = SplitMix64(seed: 7)
        var strings = Self.corpus
        for _ in 0..<200 {
            let scalars = (0..<Int(random.next() % 12)).compactMap { _ -> Unicode.Scalar? in
                let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xFFFF, 0x10000...0x10FFFF]
                let range = ranges[Int(random.next() % 4)]
                return Unicode.Scalar(range.lowerBound + UInt32(random.next() % UInt64(range.count)))
            }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            strings.append(String(view))
        }
        for string in strings {
            let tokens = tokenizer.encode(string)
            #expect(try tokenizer.decode(tokens) == Array(string.utf8), "\(string.unicodeScalars.map(\.value))")
        }
    }
}
