import Synchronization

/// Runs an operation with a time limit that holds even when the operation ignores
/// cancellation: the caller gets the limit's error, and the operation is cancelled and left
/// to end on its own. PostgresClient, for one, waits without end for a connection to a
/// database it cannot reach.
enum Deadline {
    /// `body`'s result, or `expiry` thrown once `limit` has passed.
    static func run<T: Sendable>(
        _ limit: Duration, expiry: any Error, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withCheckedThrowingContinuation { continuation in
            race.begin(continuation)
            let work = Task {
                do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
            }
            let timer = Task {
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                race.finish(.failure(expiry))
            }
            race.track([work, timer])
        }
    }

    /// Whichever of the work and the timer ends first resumes the caller; the other is cancelled.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var tasks: [Task<Void, Never>] = []
            var done = false
        }

        private let state = Mutex(State())

        func begin(_ continuation: CheckedContinuation<T, any Error>) {
            state.withLock { $0.continuation = continuation }
        }

        func track(_ tasks: [Task<Void, Never>]) {
            let finished = state.withLock { state in
                if !state.done { state.tasks = tasks }
                return state.done
            }
            if finished { tasks.forEach { $0.cancel() } }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, tasks) = state.withLock { state in
                guard !state.done else { return (CheckedContinuation<T, any Error>?.none, [Task<Void, Never>]()) }
                state.done = true
                defer {
                    state.continuation = nil
                    state.tasks = []
                }
                return (state.continuation, state.tasks)
            }
            tasks.forEach { $0.cancel() }
            continuation?.resume(with: result)
        }
    }
}
