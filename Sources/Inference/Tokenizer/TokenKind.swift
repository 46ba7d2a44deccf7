/// What a vocabulary entry is, from `tokenizer.ggml.token_type` (llama.cpp's numbering).
public enum TokenKind: Int32, Sendable, CaseIterable {
    /// Ordinary text, stored in the byte-level form.
    case normal = 1
    /// The unknown-token placeholder.
    case unknown = 2
    /// A control token such as `<|im_start|>`: structure, not text.
    case control = 3
    /// A token added by the model's authors, stored as plain text.
    case userDefined = 4
    /// A reserved, unused slot.
    case unused = 5
    /// A raw byte token (SentencePiece vocabularies).
    case byte = 6

    /// Whether text typed as this token's content is turned into the token when special parsing is asked for.
    var isParsedAsSpecial: Bool { self == .control || self == .userDefined }
}
