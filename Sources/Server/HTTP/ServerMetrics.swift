import Synchronization

/// Counters of what reached the server. Counts only: never content, never keys. Tests use
/// `chatRequests` to prove a client refused to send anything to an unverified server.
public final class ServerMetrics: Sendable {
    private let attestation = Atomic<Int>(0)
    private let chat = Atomic<Int>(0)
    private let chatOpened = Atomic<Int>(0)

    public init() {}

    /// Requests that reached `POST /v1/attestation`.
    public var attestationRequests: Int { attestation.load(ordering: .relaxed) }
    /// Requests that reached `POST /v1/chat`, whatever became of them.
    public var chatRequests: Int { chat.load(ordering: .relaxed) }
    /// Chat requests that decrypted and were answered.
    public var chatAnswered: Int { chatOpened.load(ordering: .relaxed) }

    func countAttestation() { attestation.add(1, ordering: .relaxed) }
    func countChat() { chat.add(1, ordering: .relaxed) }
    func countChatOpened() { chatOpened.add(1, ordering: .relaxed) }
}
