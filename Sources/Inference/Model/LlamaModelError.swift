/// Why a llama model could not be loaded or run; every case has a stable code and a message that says what to do.
public enum LlamaModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `general.architecture` is not "llama".
    case unsupportedArchitecture(String)
    /// A metadata key is missing or unreadable, or a tensor is missing or malformed.
    case file(GGUFError)
    /// A hyperparameter that is out of range or inconsistent with another.
    case invalidHyperparameter(key: String, value: String, reason: String)
    /// A tensor whose shape does not match the hyperparameters.
    case tensorShapeMismatch(tensor: String, expected: [Int], found: [Int])
    /// A tensor of a type this runtime cannot multiply.
    case unsupportedTensorType(tensor: String, type: GGMLType)
    /// A token id outside the model's vocabulary.
    case tokenOutOfRange(id: Int, vocabularySize: Int)
    /// A position that skips ahead of the cached ones or lies past the cache's capacity.
    case invalidPosition(position: Int, cached: Int, capacity: Int)

    /// The stable identifiers of these failures, for logs, tests and support.
    public enum Code: String, Sendable, CaseIterable, CustomStringConvertible {
        /// `general.architecture` is not "llama".
        case architecture = "SOTTO-MODEL-ARCHITECTURE"
        /// A metadata key is missing or unreadable, or a tensor is missing or malformed.
        case file = "SOTTO-MODEL-FILE"
        /// A hyperparameter that is out of range or inconsistent with another.
        case hyperparameter = "SOTTO-MODEL-HYPERPARAMETER"
        /// A tensor whose shape does not match the hyperparameters.
        case tensorShape = "SOTTO-MODEL-TENSOR-SHAPE"
        /// A tensor of a type this runtime cannot multiply.
        case tensorType = "SOTTO-MODEL-TENSOR-TYPE"
        /// A token id outside the model's vocabulary.
        case token = "SOTTO-MODEL-TOKEN"
        /// A position that skips ahead of the cached ones or lies past the cache's capacity.
        case position = "SOTTO-MODEL-POSITION"

        /// The code itself ("SOTTO-…"), as logs and messages print it.
        public var description: String { rawValue }
    }

    /// The stable identifier of this kind of failure.
    public var code: Code {
        switch self {
        case .unsupportedArchitecture: .architecture
        case .file: .file
        case .invalidHyperparameter: .hyperparameter
        case .tensorShapeMismatch: .tensorShape
        case .unsupportedTensorType: .tensorType
        case .tokenOutOfRange: .token
        case .invalidPosition: .position
        }
    }

    /// What went wrong and what to do about it, without the code.
    public var message: String {
        switch self {
        case .unsupportedArchitecture(let name):
            "the model's architecture is \(GGUFError.quote(name)); only \"llama\" models (Llama, SmolLM2) "
                + "are supported"
        case .file(let error):
            "the model file is unusable: \(error.code): \(error.message)"
        case .invalidHyperparameter(let key, let value, let reason):
            "\(key) is \(value): \(reason); the model file is corrupt or not a llama model"
        case .tensorShapeMismatch(let tensor, let expected, let found):
            "tensor \(GGUFError.quote(tensor)) has shape \(found), expected \(expected) from the hyperparameters; "
                + "the model file is inconsistent"
        case .unsupportedTensorType(let tensor, let type):
            "tensor \(GGUFError.quote(tensor)) is \(type); use a model quantized as \(GGMLType.supportedNames)"
        case .tokenOutOfRange(let id, let size):
            "token id \(id) is outside the vocabulary of \(size) tokens; it does not come from this model"
        case .invalidPosition(let position, let cached, let capacity):
            "position \(position) asked with \(cached) positions cached and room for \(capacity); positions must "
                + "follow one another from 0 and stay below the context size"
        }
    }

    public var description: String { "\(code): \(message)" }
}
