import Synchronization
import Wire

/// A screen id the TUI can make up (`ConversationID`, `FolderID`): text in, text out.
protocol ScreenIdentifier: Hashable, Sendable {
    var rawValue: String { get }
    init(_ rawValue: String)
}

extension ConversationID: ScreenIdentifier {}
extension FolderID: ScreenIdentifier {}

/// The screen's ids for records: a record's own id as text, except for records created here,
/// which keep the id the screen made up for them ("new-3") in both directions.
final class ScreenAliases<ScreenID: ScreenIdentifier>: Sendable {
    private struct Table {
        var records: [ScreenID: RecordID] = [:]
        var screenIDs: [RecordID: ScreenID] = [:]
    }

    private let table = Mutex(Table())

    /// The record behind a screen id, or nil for a made-up id with no record yet.
    func record(for id: ScreenID) -> RecordID? {
        table.withLock { $0.records[id] } ?? (try? RecordID(id.rawValue))
    }

    /// The id the screen knows a record by.
    func screenID(for record: RecordID) -> ScreenID {
        table.withLock { $0.screenIDs[record] } ?? ScreenID(record.description)
    }

    /// Remembers that the screen's made-up `id` now names `record`.
    func assign(_ id: ScreenID, to record: RecordID) {
        table.withLock {
            $0.records[id] = record
            $0.screenIDs[record] = id
        }
    }
}
