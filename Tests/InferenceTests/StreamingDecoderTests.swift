import Inference
import Testing

@Suite struct StreamingDecoderTests {
    @Test func holdsACharacterSplitAcrossTokensUntilItIsComplete() throws {
        let tokenizer = try VocabularyBuilder().tokenizer()
        // With no merges every byte is its own token, so each multi-byte character arrives in pieces.
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var outputs: [String] = []
        for token in tokenizer.encode("aé😀") { outputs.append(try decoder.push(token)) }
        outputs.append(decoder.finish())
        #expect(outputs == ["a", "", "é", "", "", "", "😀", ""])
    }

    @Test func replacesAnIncompleteCharacterOnlyAtTheEnd() throws {
        let tokenizer = try VocabularyBuilder().tokenizer()
        let euro = tokenizer.encode("€")  // E2 82 AC
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        #expect(try decoder.push(euro[0]) == "")
        #expect(try decoder.push(euro[1]) == "")
        #expect(decoder.finish() == "\u{FFFD}")
        #expect(decoder.finish() == "")
    }

    @Test func replacesBytesThatCanNeverBeValidAtOnce() throws {
        let tokenizer = try VocabularyBuilder().tokenizer()
        // Tokens for lone high bytes: encode a two-byte character and take its pieces.
        let c3 = tokenizer.encode("é")[0]
        let a9 = tokenizer.encode("é")[1]
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        #expect(try decoder.push(a9) == "\u{FFFD}")  // a continuation byte with no lead
        #expect(try decoder.push(c3) == "")
        #expect(try decoder.push(tokenizer.encode("A")[0]) == "\u{FFFD}A")  // the lead is cut short by "A"
        #expect(decoder.finish() == "")
    }

    @Test func matchesWholeDecodingForRandomByteStreams() throws {
        let tokenizer = try VocabularyBuilder().tokenizer()
        // Map each byte to its token through a string holding just that byte's character form.
        var tokenForByte: [Int] = []
        for byte in 0...255 {
            if byte < 0x80 {
                tokenForByte.append(tokenizer.encode(String(UnicodeScalar(UInt8(byte))))[0])
            } else {
                // Lead bytes C2...F4 and continuation bytes come out of characters that contain them.
                tokenForByte.append(-1)
            }
        }
        let samples = [
            "é", "€", "😀", "\u{800}", "\u{80}", "\u{7FF}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "\u{D7FF}",
        ]
        for sample in samples {
            let bytes = Array(sample.utf8)
            for (byte, token) in zip(bytes, tokenizer.encode(sample)) { tokenForByte[Int(byte)] = token }
        }
        let known = (0...255).filter { tokenForByte[$0] >= 0 }.map { UInt8($0) }
        var random = SplitMix64(seed: 3)
        for _ in 0..<2_000 {
            let bytes = (0..<Int(random.next() % 10)).map { _ in known[Int(random.next() % UInt64(known.count))] }
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var text = ""
            for byte in bytes { text += try decoder.push(tokenForByte[Int(byte)]) }
            text += decoder.finish()
            #expect(text == String(decoding: bytes, as: UTF8.self), "\(bytes)")
        }
    }

    @Test func skipsControlTokensUnlessAsked() throws {
        let tokenizer = try VocabularyBuilder().tokenizer()
        var quiet = StreamingDecoder(tokenizer: tokenizer)
        #expect(try quiet.push(2) == "")
        var verbose = StreamingDecoder(tokenizer: tokenizer, includeSpecial: true)
        #expect(try verbose.push(2) == "<|im_end|>")
    }
}
