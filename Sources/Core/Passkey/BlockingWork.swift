import Foundation

/// Work that blocks for a while (Argon2id, a security key waiting for a touch) runs
/// on a thread of its own, so it never holds one of Swift concurrency's few shared threads.
enum BlockingWork {
    /// The result of `body`, run on a new thread.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
