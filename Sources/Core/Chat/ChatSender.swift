import Wire

/// What runs one chat turn: the encrypted channel to a verified server in use, a script in tests.
public protocol ChatSender: Sendable {
    /// Streams the answer's events; the stream finishes after `end` and throws when it breaks off.
    func events(for request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error>
}

extension InferenceClient: ChatSender {
    public func events(for request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        let stream = chat(request)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in stream { continuation.yield(event) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
