import Synchronization

/// Where effect tasks post their results for the UI thread to pick up.
public final class Inbox: Sendable {
    private let events = Mutex<[AppEvent]>([])

    public init() {}

    public func post(_ event: AppEvent) {
        events.withLock { $0.append(event) }
    }

    /// Takes everything posted so far.
    public func drain() -> [AppEvent] {
        events.withLock { events in
            defer { events.removeAll(keepingCapacity: true) }
            return events
        }
    }
}
