import Wire

/// What a backend streams while it answers.
public enum BackendEvent: Sendable, Hashable {
    /// Text to append to the answer (whole UTF-8 characters).
    case token(String)
    /// `read` of the prompt's `total` tokens are read (before the first token).
    case progress(read: Int, total: Int)
    /// Generation ended; always the last event.
    case finished(reason: FinishReason, promptTokens: Int, completionTokens: Int)
}

/// A language model the gateway forwards decrypted requests to, inside the TEE: the
/// embedded engine, or an upstream server (vLLM, llama.cpp, Ollama) on the same machine.
///
/// Cancellation: when the consumer stops iterating (the client went away), the stream's
/// termination must stop the computation within one token.
public protocol InferenceBackend: Sendable {
    /// The model's name as shown to users.
    var modelName: String { get }

    /// The model's context in tokens, announced with the attestation; nil when unknown.
    var contextTokens: Int? { get }
    /// The answer's length limit when a request sets none; nil when unknown.
    var defaultMaxTokens: Int? { get }

    /// Starts generating an answer to `request`.
    /// - Throws: `BackendError.busy` (before anything streams) when the queue is full.
    func generate(_ request: ChatRequest) async throws -> AsyncThrowingStream<BackendEvent, any Error>
}

extension InferenceBackend {
    public var contextTokens: Int? { nil }
    public var defaultMaxTokens: Int? { nil }
}

/// Why a backend could not answer. Messages never include the request's content.
public struct BackendError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, StableErrorCode {
        /// Every slot of the model is answering someone; the server says when to try again (`Retry-After`).
        case busy = "SOTTO-BACKEND-BUSY"
        /// The upstream model server the gateway forwards to failed or is unreachable.
        case upstream = "SOTTO-BACKEND-UPSTREAM"
        /// The model cannot take this request as it is (too long for its context, or malformed).
        case invalidRequest = "SOTTO-BACKEND-INVALID-REQUEST"
        /// The model failed while answering (an engine error inside the server).
        case failed = "SOTTO-BACKEND-FAILED"
    }

    public let code: Code
    public let message: String
    /// For `busy`: seconds after which a retry makes sense.
    public let retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
