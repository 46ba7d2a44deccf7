import Wire

/// The versions of regenerated answers. A regeneration never changes the answer it replaces:
/// the new answer names it as its `regenerationParent`, and both stay in the history. An
/// answer no other replaces is current; its versions are the line of answers it replaced,
/// oldest first, ending with itself.
public enum AnswerVersions {
    /// Each current answer that replaced others, with its versions (oldest first, itself
    /// last); answers never regenerated are not listed.
    /// - Parameters:
    ///   - ids: every message of a conversation, in order.
    ///   - parent: the answer each one replaced, if any.
    public static func lines(ids: [RecordID], parent: (RecordID) -> RecordID?) -> [RecordID: [RecordID]] {
        let present = Set(ids)
        let replaced = Set(ids.compactMap(parent))
        var lines: [RecordID: [RecordID]] = [:]
        for id in ids where !replaced.contains(id) {
            var line = [id]
            var seen: Set<RecordID> = [id]
            // A parent that is missing (deleted, or not synced yet) ends the line; a loop (only
            // a forged history has one) ends where it repeats.
            while let earlier = parent(line[line.count - 1]), present.contains(earlier), seen.insert(earlier).inserted {
                line.append(earlier)
            }
            if line.count > 1 { lines[id] = line.reversed() }
        }
        return lines
    }

    /// `current` (a conversation's current messages, in order) with each answer whose line
    /// holds one of `shown` replaced by that version: what the screen shows in its place.
    public static func choosing(
        _ shown: Set<RecordID>, in current: [(id: RecordID, record: MessageRecord)],
        all: [(id: RecordID, record: MessageRecord)]
    ) -> [(id: RecordID, record: MessageRecord)] {
        guard !shown.isEmpty else { return current }
        let records = Dictionary(all.map { ($0.id, $0.record) }, uniquingKeysWith: { a, _ in a })
        let lines = Self.lines(ids: all.map(\.id)) { records[$0]?.regenerationParent }
        return current.map { message in
            guard let line = lines[message.id], let chosen = line.first(where: shown.contains),
                let record = records[chosen]
            else { return message }
            return (chosen, record)
        }
    }
}
