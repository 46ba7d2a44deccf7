import Wire

/// What runs one chat turn: the encrypted channel to a verified server in use, a script in tests.
public protocol ChatSender: Sendable {
    /// Streams the answer's events; the stream finishes after `end` and throws when it breaks off.
    /// Cancelling the consuming task stops the turn.
    func chat(_ request: ChatRequest) -> ChatEventStream
}

extension InferenceClient: ChatSender {}
