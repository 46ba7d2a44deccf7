import Synchronization
import Wire

/// The server's chat-channel keys: one current key, rotated on a schedule, and the previous
/// ones kept until their not-after so clients holding them finish their turns. Private keys
/// exist only in this process's memory (inside the TEE) and are never written anywhere.
public final class ChannelKeyRing: Sendable {
    /// How often a new key is made.
    public let rotationSeconds: UInt64
    /// How long a key stays usable after the next one replaced it.
    public let graceSeconds: UInt64
    private let clock: @Sendable () -> UInt64
    private let state = Mutex<[(createdAt: UInt64, key: ChannelKeyPair)]>([])

    /// - Parameters:
    ///   - clock: seconds since 1970 (injected so tests control rotation).
    public init(
        rotationSeconds: UInt64 = 24 * 3600, graceSeconds: UInt64 = 3600,
        clock: @escaping @Sendable () -> UInt64
    ) {
        self.rotationSeconds = rotationSeconds
        self.graceSeconds = graceSeconds
        self.clock = clock
    }

    /// The key to announce now; makes a new one when the current one is due for rotation.
    public func current() throws -> ChannelKeyPair {
        let now = clock()
        return try state.withLock { keys in
            keys.removeAll { $0.key.announcement.notAfter <= now }
            if let newest = keys.last, now < newest.createdAt + rotationSeconds {
                return newest.key
            }
            let key = try ChannelKeyPair.generate(notAfter: now + rotationSeconds + graceSeconds)
            keys.append((now, key))
            return key
        }
    }

    /// The key a request names, if it is held and not expired.
    public func key(id: [UInt8]) -> ChannelKeyPair? {
        let now = clock()
        return state.withLock { keys in
            keys.first { $0.key.announcement.keyID.bytes == id && $0.key.announcement.notAfter > now }?.key
        }
    }

    /// Number of keys held (tests, metrics).
    public var count: Int { state.withLock { $0.count } }
}
