/// Why a tokenizer or chat template could not be built from a model's metadata, or a token could not be decoded.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A metadata key the tokenizer needs is missing or of the wrong type.
    case metadata(GGUFError)
    /// `tokenizer.ggml.model` names a tokenizer family this runtime does not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer this runtime does not implement.
    case unsupportedPreTokenizer(String)
    /// The vocabulary is empty.
    case emptyVocabulary
    /// Two tokens share the same text.
    case duplicateToken(id: Int, text: String)
    /// `tokenizer.ggml.token_type` does not have one entry per token.
    case tokenTypeCountMismatch(tokens: Int, types: Int)
    /// A merge rule that is not two space-separated symbols.
    case malformedMerge(index: Int, rule: String)
    /// A special token id (`bos_token_id`, ...) outside the vocabulary.
    case specialTokenOutOfRange(key: String, id: Int, vocabularySize: Int)
    /// A token id to decode outside the vocabulary.
    case tokenOutOfRange(id: Int, vocabularySize: Int)
    /// The model has no `tokenizer.chat_template`.
    case missingChatTemplate
    /// The chat template is of a family this runtime cannot render.
    case unsupportedChatTemplate
    /// A chat template needs a special token the vocabulary does not have.
    case missingTemplateToken(String)

    /// The stable identifiers of these failures, for logs, tests and support.
    public enum Code: String, Sendable, CaseIterable, CustomStringConvertible {
        /// A metadata key the tokenizer needs is missing or of the wrong type.
        case metadata = "SOTTO-TOKENIZER-METADATA"
        /// `tokenizer.ggml.model` names a tokenizer family this runtime does not implement.
        case model = "SOTTO-TOKENIZER-MODEL"
        /// `tokenizer.ggml.pre` names a pre-tokenizer this runtime does not implement.
        case pre = "SOTTO-TOKENIZER-PRE"
        /// The vocabulary is empty.
        case empty = "SOTTO-TOKENIZER-EMPTY"
        /// Two tokens share the same text.
        case duplicate = "SOTTO-TOKENIZER-DUPLICATE"
        /// `tokenizer.ggml.token_type` does not have one entry per token.
        case types = "SOTTO-TOKENIZER-TYPES"
        /// A merge rule that is not two space-separated symbols.
        case merge = "SOTTO-TOKENIZER-MERGE"
        /// A special token id (`bos_token_id`, ...) outside the vocabulary.
        case specialId = "SOTTO-TOKENIZER-SPECIAL-ID"
        /// A token id to decode outside the vocabulary.
        case tokenId = "SOTTO-TOKENIZER-TOKEN-ID"
        /// The model has no `tokenizer.chat_template`.
        case templateMissing = "SOTTO-CHAT-TEMPLATE-MISSING"
        /// The chat template is of a family this runtime cannot render.
        case templateUnsupported = "SOTTO-CHAT-TEMPLATE-UNSUPPORTED"
        /// A chat template needs a special token the vocabulary does not have.
        case templateToken = "SOTTO-CHAT-TEMPLATE-TOKEN"

        /// The code itself ("SOTTO-…"), as logs and messages print it.
        public var description: String { rawValue }
    }

    /// The stable identifier of this kind of failure.
    public var code: Code {
        switch self {
        case .metadata: .metadata
        case .unsupportedModel: .model
        case .unsupportedPreTokenizer: .pre
        case .emptyVocabulary: .empty
        case .duplicateToken: .duplicate
        case .tokenTypeCountMismatch: .types
        case .malformedMerge: .merge
        case .specialTokenOutOfRange: .specialId
        case .tokenOutOfRange: .tokenId
        case .missingChatTemplate: .templateMissing
        case .unsupportedChatTemplate: .templateUnsupported
        case .missingTemplateToken: .templateToken
        }
    }

    /// What went wrong and what to do about it, without the code.
    public var message: String {
        switch self {
        case .metadata(let error):
            "the model's tokenizer metadata is unusable: \(error.code): \(error.message)"
        case .unsupportedModel(let name):
            "tokenizer.ggml.model is \(GGUFError.quote(name)); only byte-level BPE (\"gpt2\") is supported, "
                + "use a model such as SmolLM2, Llama 3 or Qwen"
        case .unsupportedPreTokenizer(let name):
            "tokenizer.ggml.pre is \(GGUFError.quote(name)); supported pre-tokenizers are \"smollm\" and "
                + "\"llama-bpe\", use a model that declares one of them"
        case .emptyVocabulary:
            "tokenizer.ggml.tokens is empty; the model file is incomplete"
        case .duplicateToken(let id, let text):
            "token \(id) repeats the text \(GGUFError.quote(text)) of an earlier token; the vocabulary is corrupt"
        case .tokenTypeCountMismatch(let tokens, let types):
            "tokenizer.ggml.token_type has \(types) entries for \(tokens) tokens; the vocabulary is corrupt"
        case .malformedMerge(let index, let rule):
            "merge rule \(index) is \(GGUFError.quote(rule)), not two symbols separated by a space; "
                + "the vocabulary is corrupt"
        case .specialTokenOutOfRange(let key, let id, let size):
            "\(key) is \(id), outside the vocabulary of \(size) tokens; the model file is corrupt"
        case .tokenOutOfRange(let id, let size):
            "token id \(id) is outside the vocabulary of \(size) tokens; it does not come from this model"
        case .missingChatTemplate:
            "the model has no tokenizer.chat_template; use an instruction-tuned model that declares one"
        case .unsupportedChatTemplate:
            "the model's chat template is neither ChatML (<|im_start|>) nor Llama 3 (<|start_header_id|>); "
                + "use a model with one of these formats"
        case .missingTemplateToken(let text):
            "the chat template uses \(GGUFError.quote(text)) but the vocabulary has no such special token; "
                + "the model file is inconsistent"
        }
    }

    public var description: String { "\(code): \(message)" }
}
