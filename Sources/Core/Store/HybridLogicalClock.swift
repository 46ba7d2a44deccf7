import Wire

/// A hybrid logical clock reading (Kulkarni et al., 2014): the largest physical time seen in
/// milliseconds, a counter for events within that millisecond, and the device that made it.
/// Readings order by (wall, counter, device), so two devices never produce equal readings and
/// last-writer-wins picks the same winner everywhere.
///
/// Inside record payloads a reading is the text `wall-counter-device`: 16, 8 and 32 lower-case
/// hex digits, so comparing the texts byte by byte gives the same order.
public struct HLCTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Physical part: milliseconds since 1970 (the largest seen, not necessarily now).
    public let wall: UInt64
    /// Logical part: events at the same `wall`.
    public let counter: UInt32
    /// The device that produced the reading.
    public let device: DeviceID

    public init(wall: UInt64, counter: UInt32, device: DeviceID) {
        self.wall = wall
        self.counter = counter
        self.device = device
    }

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        (lhs.wall, lhs.counter) != (rhs.wall, rhs.counter)
            ? (lhs.wall, lhs.counter) < (rhs.wall, rhs.counter) : lhs.device < rhs.device
    }

    public var description: String {
        func hex<T: FixedWidthInteger>(_ value: T, digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: digits - text.count) + text
        }
        return "\(hex(wall, digits: 16))-\(hex(counter, digits: 8))-\(device)"
    }

    /// Parses the text form.
    /// - Throws: `RecordError` `.invalidPayload` when it is not `wall-counter-device`.
    public init(_ text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count == 16, parts[1].utf8.count == 8,
            let wall = UInt64(parts[0], radix: 16), let counter = UInt32(parts[1], radix: 16),
            let device = try? DeviceID(parts[2])
        else { throw RecordError(.invalidPayload, "a clock reading is not in the form wall-counter-device") }
        self.init(wall: wall, counter: counter, device: device)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// One device's hybrid logical clock. Its readings only ever increase, even when the wall
/// clock goes backwards, and stay close to physical time. A value type: the physical time is
/// passed in, so it is tested without a real clock.
public struct HybridLogicalClock: Sendable, Hashable {
    /// The device whose readings this clock makes.
    public let device: DeviceID
    /// The largest reading made or received so far.
    public private(set) var last: HLCTimestamp

    /// A clock that has seen nothing yet.
    public init(device: DeviceID) {
        self.device = device
        last = HLCTimestamp(wall: 0, counter: 0, device: device)
    }

    /// A reading for a local event (a change this device makes) at physical time `now`.
    public mutating func tick(now: UInt64) -> HLCTimestamp {
        if now > last.wall {
            last = HLCTimestamp(wall: now, counter: 0, device: device)
        } else {
            last = Self.advanced(wall: last.wall, counter: last.counter, device: device)
        }
        return last
    }

    /// Takes in a reading from another device (a record synced in), so every later local
    /// reading orders after it.
    public mutating func receive(_ remote: HLCTimestamp, now: UInt64) {
        let wall = max(last.wall, remote.wall, now)
        if wall == now && now > last.wall && now > remote.wall {
            last = HLCTimestamp(wall: wall, counter: 0, device: device)
        } else if last.wall == remote.wall {
            last = Self.advanced(wall: wall, counter: max(last.counter, remote.counter), device: device)
        } else if wall == last.wall {
            last = Self.advanced(wall: wall, counter: last.counter, device: device)
        } else {
            last = Self.advanced(wall: wall, counter: remote.counter, device: device)
        }
    }

    /// The reading after (wall, counter); a full counter carries into the next millisecond.
    private static func advanced(wall: UInt64, counter: UInt32, device: DeviceID) -> HLCTimestamp {
        counter == .max
            ? HLCTimestamp(wall: wall + 1, counter: 0, device: device)
            : HLCTimestamp(wall: wall, counter: counter + 1, device: device)
    }
}
