import Server
import Synchronization
import Wire

/// A backend that answers with fixed tokens, optionally slowly, failing, or busy; it
/// records what it was asked so tests can check the request arrived intact.
public final class ScriptedBackend: InferenceBackend {
    public let modelName: String
    let tokens: [String]
    let delay: Duration
    let failAfter: Int?
    let busy: Bool
    /// Thrown by `generate` before anything streams, as a refused request is.
    let refusal: BackendError?
    /// Reported as read of the prompt before the first token, the last one being the whole.
    let reading: [Int]
    private let received = Mutex<[ChatRequest]>([])
    private let cancelledCount = Counter()

    public init(
        modelName: String = "scripted-test-model", tokens: [String] = ["Hello", ",", " world", "!"],
        delay: Duration = .zero, failAfter: Int? = nil, busy: Bool = false, refusal: BackendError? = nil,
        reading: [Int] = []
    ) {
        self.reading = reading
        self.refusal = refusal
        self.modelName = modelName
        self.tokens = tokens
        self.delay = delay
        self.failAfter = failAfter
        self.busy = busy
    }

    /// Requests received so far.
    public var requests: [ChatRequest] { received.withLock { $0 } }
    /// Generations stopped because the consumer went away.
    public var cancellations: Int { cancelledCount.value }

    public func generate(_ request: ChatRequest) async throws -> AsyncThrowingStream<BackendEvent, any Error> {
        if busy { throw BackendError(.busy, "all slots are taken", retryAfterSeconds: 7) }
        received.withLock { $0.append(request) }
        if let refusal { throw refusal }
        let (tokens, delay, failAfter, reading) = (self.tokens, self.delay, self.failAfter, self.reading)
        return AsyncThrowingStream { continuation in
            let task = Task {
                for read in reading { continuation.yield(.progress(read: read, total: reading.last ?? read)) }
                for (i, token) in tokens.enumerated() {
                    if let failAfter, i == failAfter {
                        continuation.finish(throwing: BackendError(.failed, "scripted failure"))
                        return
                    }
                    if delay > .zero { try? await Task.sleep(for: delay) }
                    if Task.isCancelled { return }
                    continuation.yield(.token(token))
                }
                continuation.yield(.finished(reason: .stop, promptTokens: 5, completionTokens: tokens.count))
                continuation.finish()
            }
            continuation.onTermination = { [cancelledCount] reason in
                if case .cancelled = reason { cancelledCount.increment() }
                task.cancel()
            }
        }
    }
}

/// A TEE stand-in that returns a fixed "report": the report data itself after a marker,
/// so tests can see which binding the gateway asked for. Not evidence of anything.
public struct StubAttestationProvider: AttestationProvider {
    public let platform = AttestationPlatform.sevSNP
    public let isSimulated = true

    public init() {}

    public func evidence(reportData: [UInt8]) async throws -> AttestationEvidence {
        AttestationEvidence(report: Array("STUB".utf8) + reportData, certificates: [])
    }
}

/// A shareable counter (an `Atomic` cannot be captured by an escaping closure).
final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)
    var value: Int { atomic.load(ordering: .relaxed) }
    func increment() { atomic.add(1, ordering: .relaxed) }
}
