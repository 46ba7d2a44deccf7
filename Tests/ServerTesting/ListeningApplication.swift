import Hummingbird

/// Runs a test's (or a benchmark's) server application in a task and waits until it listens.
public enum ListeningApplication {
    /// Builds an application with `make` (handing it the callback to call with the bound port),
    /// runs it, and returns that port and the running task. An application that stops before it
    /// listens (its port is taken) throws its error instead of leaving the caller waiting.
    public static func start<App: ApplicationProtocol>(
        _ make: (_ listening: @escaping @Sendable (Int) -> Void) -> App
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in continuation.yield(port) }
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw CancellationError()
        }
        return (port, task)
    }
}
