import Inference

/// A synthetic byte-level BPE vocabulary for tokenizer tests: control tokens first, then one token per byte in
/// GPT-2's mapped form, then one token per merge rule, in rule order. Written out with GGUFBuilder.
struct VocabularyBuilder {
    var model = "gpt2"
    var pre = "smollm"
    var controls: [String] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    var userDefined: [String] = []
    /// Merge rules as pairs of plain-text symbols; each is mapped to the byte-level form.
    var merges: [(String, String)] = []
    var omitByte: UInt8?
    var chatTemplate: String?
    var extra: [(String, GGUFValue)] = []

    /// GPT-2's byte-to-scalar map, written independently of the library's: printable Latin-1 maps to itself,
    /// the other bytes in order to U+0100 and up.
    static let mapped: [Character] = {
        var table: [Character] = []
        var next = 0x100
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table.append(Character(Unicode.Scalar(UInt32(byte))!))
            } else {
                table.append(Character(Unicode.Scalar(UInt32(next))!))
                next += 1
            }
        }
        return table
    }()

    /// The byte-level form of plain text.
    static func map(_ text: String) -> String { String(text.utf8.map { mapped[Int($0)] }) }

    /// Token texts in id order, with their types.
    var tokens: [(text: String, type: Int32)] {
        var out: [(String, Int32)] = controls.map { ($0, 3) }
        out += userDefined.map { ($0, 4) }
        for byte in 0..<256 where UInt8(byte) != omitByte { out.append((String(Self.mapped[byte]), 1)) }
        var seen = Set(out.map(\.0))
        for (left, right) in merges {
            let text = Self.map(left + right)
            if seen.insert(text).inserted { out.append((text, 1)) }
        }
        return out
    }

    /// The id of a token given in plain text (byte-level mapped unless it is special).
    func id(_ text: String) -> Int {
        let all = tokens.map(\.text)
        if let special = all.firstIndex(of: text), controls.contains(text) || userDefined.contains(text) {
            return special
        }
        return all.firstIndex(of: Self.map(text))!
    }

    func metadata() throws -> GGUFMetadata {
        var builder = GGUFBuilder()
        builder.add("tokenizer.ggml.model", .string(model))
        builder.add("tokenizer.ggml.pre", .string(pre))
        let tokens = self.tokens
        builder.add("tokenizer.ggml.tokens", .array(.string(tokens.map(\.text))))
        builder.add("tokenizer.ggml.token_type", .array(.int32(tokens.map(\.type))))
        builder.add(
            "tokenizer.ggml.merges", .array(.string(merges.map { Self.map($0.0) + " " + Self.map($0.1) })))
        builder.add("tokenizer.ggml.bos_token_id", .uint32(1))
        builder.add("tokenizer.ggml.eos_token_id", .uint32(2))
        if let chatTemplate { builder.add("tokenizer.chat_template", .string(chatTemplate)) }
        for (key, value) in extra { builder.add(key, value) }
        return try GGUFFile(bytes: builder.build()).metadata
    }

    func tokenizer() throws -> Tokenizer { try Tokenizer(metadata: try metadata()) }
}
