import Synchronization

/// Where effect tasks post their results for the UI thread to pick up.
public final class EventInbox<Event: Sendable>: Sendable {
    private let events = Mutex<[Event]>([])

    public init() {}

    public func post(_ event: Event) {
        events.withLock { $0.append(event) }
    }

    /// Takes everything posted so far.
    public func drain() -> [Event] {
        events.withLock { events in
            defer { events.removeAll(keepingCapacity: true) }
            return events
        }
    }
}

/// The main screen's inbox.
public typealias Inbox = EventInbox<AppEvent>
