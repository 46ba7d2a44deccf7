import Synchronization

/// A byte-level BPE tokenizer (GPT-2 family: SmolLM2, Llama 3, Qwen) built from a GGUF model's metadata, giving
/// the same token ids as llama.cpp.
///
/// Text is cut into words by the model's ``PreTokenizer``, each word's UTF-8 bytes are mapped to GPT-2's
/// printable scalars, and the merge rules join them by rank. When the vocabulary has a token for every byte
/// (see ``unencodableBytes``), `decode(encode(s))` gives any `s` back byte for byte.
public final class Tokenizer: Sendable {
    /// The rule that cuts text into words.
    public let preTokenizer: PreTokenizer
    /// The beginning-of-sequence token, when the model names one.
    public let bosTokenID: Int?
    /// The end-of-sequence token, when the model names one.
    public let eosTokenID: Int?
    /// The end-of-turn token (`<|eot_id|>`, `<|im_end|>`), when the model names one.
    public let eotTokenID: Int?
    /// The padding token, when the model names one.
    public let paddingTokenID: Int?
    /// Whether the model expects BOS before a prompt (`tokenizer.ggml.add_bos_token`).
    public let addsBOS: Bool
    /// Whether the model expects EOS after a prompt (`tokenizer.ggml.add_eos_token`).
    public let addsEOS: Bool
    /// The bytes the vocabulary has no token for: text holding them does not round-trip, as they are dropped.
    /// Only bytes that never occur in valid UTF-8 and rare control or astral-plane lead bytes are ever missing.
    public let unencodableBytes: [UInt8]

    private let texts: [String]
    private let kinds: [TokenKind]
    private let idForText: [String: Int]
    private let byteTokens: [Int]
    private let merger: BPEMerger
    /// Special tokens longest first: llama.cpp cuts the text at the longest ones before the shorter.
    private let specials: [(bytes: [UInt8], id: Int)]
    /// Llama 3 takes a word that is itself a token whole, even where the merges would split it differently.
    private let ignoresMerges: Bool
    private let cache = Mutex<[String: [Int]]>([:])
    private static let cacheLimit = 16_384

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { texts.count }

    /// Builds the tokenizer of a model file.
    public convenience init(file: GGUFFile) throws(TokenizerError) {
        try self.init(metadata: file.metadata)
    }

    /// Builds the tokenizer from GGUF metadata: `tokenizer.ggml.model` must be "gpt2" and `tokenizer.ggml.pre`
    /// one of ``PreTokenizer``'s names.
    public init(metadata: GGUFMetadata) throws(TokenizerError) {
        func read<T>(_ body: () throws(GGUFError) -> T) throws(TokenizerError) -> T {
            do { return try body() } catch { throw .metadata(error) }
        }
        let model = try read { () throws(GGUFError) in try metadata.string("tokenizer.ggml.model") }
        guard model == "gpt2" else { throw .unsupportedModel(model) }
        let preName = try read { () throws(GGUFError) in try metadata.string("tokenizer.ggml.pre") }
        guard let pre = PreTokenizer(rawValue: preName) else { throw .unsupportedPreTokenizer(preName) }
        preTokenizer = pre
        ignoresMerges = pre == .llamaBPE

        let texts = try read { () throws(GGUFError) in try metadata.stringArray("tokenizer.ggml.tokens") }
        guard !texts.isEmpty else { throw .emptyVocabulary }
        self.texts = texts
        var kinds = [TokenKind](repeating: .normal, count: texts.count)
        if metadata.contains("tokenizer.ggml.token_type") {
            let raw = try read { () throws(GGUFError) in try metadata.integerArray("tokenizer.ggml.token_type") }
            guard raw.count == texts.count else {
                throw .tokenTypeCountMismatch(tokens: texts.count, types: raw.count)
            }
            for (index, value) in raw.enumerated() {
                kinds[index] = Int32(exactly: value).flatMap(TokenKind.init(rawValue:)) ?? .normal
            }
        }
        self.kinds = kinds

        var idForText: [String: Int] = [:]
        idForText.reserveCapacity(texts.count)
        for (id, text) in texts.enumerated() {
            guard idForText.updateValue(id, forKey: text) == nil else { throw .duplicateToken(id: id, text: text) }
        }
        self.idForText = idForText

        // Real vocabularies lack bytes their training text never held (SmolLM2: some C0 controls, and lead bytes
        // F1 and F2); such bytes are dropped when encoding, as llama.cpp and Hugging Face drop them.
        let byteTokens = (0...255).map { idForText[String(ByteLevelMapping.scalarForByte[$0])] ?? -1 }
        self.byteTokens = byteTokens
        unencodableBytes = (0...255).filter { byteTokens[$0] < 0 }.map(UInt8.init)

        var rules: [UInt64: UInt64] = [:]
        if metadata.contains("tokenizer.ggml.merges") {
            let merges = try read { () throws(GGUFError) in try metadata.stringArray("tokenizer.ggml.merges") }
            rules.reserveCapacity(merges.count)
            for (rank, rule) in merges.enumerated() {
                let parts = rule.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw .malformedMerge(index: rank, rule: rule)
                }
                let left = String(Substring(parts[0]))
                let right = String(Substring(parts[1]))
                // A rule whose parts or result are not tokens can never yield a token; converters do not write
                // them, and skipping them keeps the merge table in ids.
                guard let leftID = idForText[left], let rightID = idForText[right],
                    let mergedID = idForText[left + right]
                else { continue }
                let key = BPEMerger.key(leftID, rightID)
                if rules[key] == nil { rules[key] = UInt64(rank) << 32 | UInt64(mergedID) }
            }
        }
        merger = BPEMerger(rules: rules)

        specials = texts.indices
            .filter { kinds[$0].isParsedAsSpecial && !texts[$0].isEmpty }
            .map { (bytes: Array(texts[$0].utf8), id: $0) }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }

        func optionalID(_ key: String) throws(TokenizerError) -> Int? {
            guard metadata.contains(key) else { return nil }
            let id = try read { () throws(GGUFError) in try metadata.integer(key) }
            guard id >= 0, id < texts.count else {
                throw .specialTokenOutOfRange(key: key, id: id, vocabularySize: texts.count)
            }
            return id
        }
        bosTokenID = try optionalID("tokenizer.ggml.bos_token_id")
        eosTokenID = try optionalID("tokenizer.ggml.eos_token_id")
        eotTokenID = try optionalID("tokenizer.ggml.eot_token_id")
        paddingTokenID = try optionalID("tokenizer.ggml.padding_token_id")
        func flag(_ key: String) throws(TokenizerError) -> Bool {
            guard metadata.contains(key) else { return false }
            return try read { () throws(GGUFError) in try metadata.bool(key) }
        }
        addsBOS = try flag("tokenizer.ggml.add_bos_token")
        addsEOS = try flag("tokenizer.ggml.add_eos_token")
    }

    /// The text of token `id` as the vocabulary stores it (byte-level form for normal tokens), or nil.
    public func tokenText(_ id: Int) -> String? {
        texts.indices.contains(id) ? texts[id] : nil
    }

    /// The kind of token `id`, or nil when it is outside the vocabulary.
    public func kind(of id: Int) -> TokenKind? {
        kinds.indices.contains(id) ? kinds[id] : nil
    }

    /// The id of the control or user-defined token written `text`, such as `<|im_end|>`, or nil.
    public func specialTokenID(_ text: String) -> Int? {
        guard let id = idForText[text], kinds[id].isParsedAsSpecial else { return nil }
        return id
    }

    /// The tokens of `text`.
    ///
    /// - Parameters:
    ///   - parseSpecial: whether control and user-defined token texts written in `text` (`<|im_start|>`) become
    ///     those tokens; leave it off for anything a user typed, so they cannot forge conversation structure.
    ///   - addSpecial: whether to add BOS and EOS where the model's metadata asks for them.
    public func encode(_ text: String, parseSpecial: Bool = false, addSpecial: Bool = false) -> [Int] {
        var out: [Int] = []
        if addSpecial, addsBOS, let bosTokenID { out.append(bosTokenID) }
        if parseSpecial {
            for fragment in splitSpecials(Array(text.utf8)) {
                switch fragment {
                case .token(let id): out.append(id)
                case .text(let bytes): encodeText(String(decoding: bytes, as: UTF8.self), into: &out)
                }
            }
        } else {
            encodeText(text, into: &out)
        }
        if addSpecial, addsEOS, let eosTokenID { out.append(eosTokenID) }
        return out
    }

    /// The bytes `tokens` stand for. Control, unknown and unused tokens give their text when `includeSpecial`
    /// is set and nothing otherwise.
    public func decode(_ tokens: [Int], includeSpecial: Bool = true) throws(TokenizerError) -> [UInt8] {
        var out: [UInt8] = []
        for token in tokens { try appendBytes(of: token, includeSpecial: includeSpecial, to: &out) }
        return out
    }

    /// The text `tokens` stand for, with any invalid UTF-8 replaced by U+FFFD.
    public func decodeText(_ tokens: [Int], includeSpecial: Bool = true) throws(TokenizerError) -> String {
        String(decoding: try decode(tokens, includeSpecial: includeSpecial), as: UTF8.self)
    }

    /// Appends the bytes of one token.
    func appendBytes(of token: Int, includeSpecial: Bool, to out: inout [UInt8]) throws(TokenizerError) {
        guard texts.indices.contains(token) else {
            throw .tokenOutOfRange(id: token, vocabularySize: texts.count)
        }
        switch kinds[token] {
        case .normal, .byte:
            ByteLevelMapping.decode(texts[token], into: &out)
        case .userDefined:
            // Added tokens are stored as plain text, not in the byte-level form.
            out.append(contentsOf: texts[token].utf8)
        case .control, .unknown, .unused:
            if includeSpecial { out.append(contentsOf: texts[token].utf8) }
        }
    }

    private func encodeText(_ text: String, into out: inout [Int]) {
        guard !text.isEmpty else { return }
        let scalars = Array(text.unicodeScalars)
        for range in preTokenizer.split(scalars) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            out.append(contentsOf: encodeWord(String(view)))
        }
    }

    private func encodeWord(_ word: String) -> [Int] {
        if let cached = cache.withLock({ $0[word] }) { return cached }
        let bytes = Array(word.utf8)
        let tokens: [Int]
        if ignoresMerges, let whole = idForText[ByteLevelMapping.encode(bytes)] {
            tokens = [whole]
        } else {
            tokens = merger.merge(bytes.map { byteTokens[Int($0)] }).filter { $0 >= 0 }
        }
        cache.withLock { cache in
            // Clearing outright keeps memory bounded with no bookkeeping; common words come back at once.
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[word] = tokens
        }
        return tokens
    }

    private enum Fragment {
        case text([UInt8])
        case token(Int)
    }

    /// Cuts `bytes` at every occurrence of a special token, taking the tokens longest first as llama.cpp does.
    /// Matching whole UTF-8 sequences within valid UTF-8 can only land on scalar boundaries.
    private func splitSpecials(_ bytes: [UInt8]) -> [Fragment] {
        var fragments: [Fragment] = [.text(bytes)]
        for special in specials {
            var next: [Fragment] = []
            next.reserveCapacity(fragments.count)
            for fragment in fragments {
                guard case .text(let text) = fragment else {
                    next.append(fragment)
                    continue
                }
                var start = 0
                var position = 0
                let needle = special.bytes
                while position + needle.count <= text.count {
                    if text[position] == needle[0], text[position..<position + needle.count].elementsEqual(needle) {
                        if start < position { next.append(.text(Array(text[start..<position]))) }
                        next.append(.token(special.id))
                        position += needle.count
                        start = position
                    } else {
                        position += 1
                    }
                }
                if start < text.count { next.append(.text(Array(text[start...]))) }
            }
            fragments = next
        }
        return fragments
    }
}
