import Foundation
import Wire

/// The unlocked history: the cache's conversations, folders and profile decrypted into memory,
/// messages decrypted one conversation at a time when first asked for. Every change is sealed
/// and committed to the cache before it shows here.
///
/// Not thread-safe: one owner (the session) uses it.
public final class HistoryStore {
    /// The encrypted cache underneath.
    public let cache: LocalCache
    private let codec: RecordCodec
    private let wallClock: any WallClock
    /// This device's clock; its readings order every change made here.
    public private(set) var clock: HybridLogicalClock

    /// Decrypted conversations by id.
    public private(set) var conversations: [RecordID: ConversationRecord] = [:]
    /// Decrypted folders by id.
    public private(set) var folders: [RecordID: FolderRecord] = [:]
    /// The profile, when one exists.
    public private(set) var profile: (id: RecordID, record: ProfileRecord)?
    /// Records skipped since unlock, with their ids.
    public private(set) var corrupt: [CorruptRecord] = []

    private var versions: [RecordID: (version: UInt64, state: SyncState)] = [:]
    private var messageCache: [RecordID: [(id: RecordID, record: MessageRecord)]] = [:]
    /// Versions the server accepted since the index was last brought up to date.
    private var unindexed: [RecordID: UInt64] = [:]
    /// What the index names and the cache lacks; nil until first checked after opening.
    private var indexGaps: [RecordID: UInt64]?

    /// Decrypts the cache's conversations, folders and profile. Unreadable records are skipped
    /// and listed in `corrupt`; the rest load. The clock resumes after the newest reading found,
    /// so it stays monotonic across restarts even if the wall clock went back.
    public init(
        cache: LocalCache, keys: any RecordKeyProvider, device: DeviceID, wallClock: any WallClock = SystemWallClock()
    ) throws {
        self.cache = cache
        codec = RecordCodec(account: cache.account, keys: keys)
        self.wallClock = wallClock
        clock = HybridLogicalClock(device: device)
        for row in try cache.records(of: [.conversation, .folder, .profile]) {
            guard case let (cached, payload)? = open(row) else { continue }
            versions[cached.id] = (cached.version, cached.syncState)
            switch payload {
            case .conversation(let r): conversations[cached.id] = r
            case .folder(let r): folders[cached.id] = r
            case .profile(let r): profile = (cached.id, r)
            case .message: break
            }
        }
    }

    /// Conversations, most recently updated first.
    public var conversationList: [(id: RecordID, record: ConversationRecord)] {
        conversations.map { ($0.key, $0.value) }.sorted {
            ($0.record.updatedAt, $0.id) > ($1.record.updatedAt, $1.id)
        }
    }

    /// Folders in their user-chosen order.
    public var folderList: [(id: RecordID, record: FolderRecord)] {
        folders.map { ($0.key, $0.value) }.sorted { ($0.record.order, $0.id) < ($1.record.order, $1.id) }
    }

    /// The messages of conversation `id` in the order they were written, decrypted on first use.
    public func messages(in id: RecordID) throws -> [(id: RecordID, record: MessageRecord)] {
        if let cached = messageCache[id] { return cached }
        var list: [(id: RecordID, record: MessageRecord)] = []
        for row in try cache.records(parent: id) {
            guard case let (cached, payload)? = open(row), case .message(let message) = payload else { continue }
            // The parent column is only a hint; the sealed conversation id decides.
            guard message.conversationID == id else {
                report(CorruptRecord(id: cached.id, kind: .message, code: .invalidPayload))
                continue
            }
            versions[cached.id] = (cached.version, cached.syncState)
            list.append((cached.id, message))
        }
        list.sort { ($0.record.clock, $0.id) < ($1.record.clock, $1.id) }
        messageCache[id] = list
        return list
    }

    /// Whether the cache holds record `id`, or a deletion of it.
    public func contains(_ id: RecordID) throws -> Bool {
        try cache.record(id) != nil || cache.tombstone(id) != nil
    }

    /// How many messages each conversation has, counted from the cache without decrypting.
    public func messageCounts() throws -> [RecordID: Int] { try cache.messageCounts() }

    /// A clock reading for a change made now.
    public func tick() -> HLCTimestamp { clock.tick(now: wallClock.millisecondsSince1970()) }

    /// Saves a new or changed conversation, stamped with a fresh clock reading.
    @discardableResult
    public func save(conversation: ConversationRecord, id: RecordID) throws -> ConversationRecord {
        var record = conversation
        record.clock = tick()
        try commit(.conversation(record), id: id)
        conversations[id] = record
        return record
    }

    /// Saves a new or changed folder, stamped with a fresh clock reading.
    @discardableResult
    public func save(folder: FolderRecord, id: RecordID) throws -> FolderRecord {
        var record = folder
        record.clock = tick()
        try commit(.folder(record), id: id)
        folders[id] = record
        return record
    }

    /// Saves the profile, stamped with a fresh clock reading.
    @discardableResult
    public func save(profile: ProfileRecord, id: RecordID) throws -> ProfileRecord {
        var record = profile
        record.clock = tick()
        try commit(.profile(record), id: id)
        self.profile = (id, record)
        return record
    }

    /// Adds a message (messages never change) and returns its id (a new one unless given).
    /// - Throws: `CacheError` `.notFound` when its conversation is not in the history.
    @discardableResult
    public func append(message: MessageRecord, id: RecordID = .random()) throws -> RecordID {
        guard conversations[message.conversationID] != nil else {
            throw CacheError(.notFound, "conversation \(message.conversationID) is not in this history")
        }
        var record = message
        record.clock = tick()
        try commit(.message(record), id: id)
        if messageCache[message.conversationID] != nil { messageCache[message.conversationID]!.append((id, record)) }
        return id
    }

    /// Saves a conversation together with a new message of it in one transaction, so that a
    /// failure (a prompt too large to seal, a full disk) leaves neither: no conversation
    /// without its first prompt reaches other devices.
    /// - Returns: the conversation and the message as stored (with their clock readings).
    @discardableResult
    public func save(
        conversation: ConversationRecord, id: RecordID, with message: MessageRecord, messageID: RecordID
    ) throws -> (ConversationRecord, MessageRecord) {
        var record = conversation
        record.clock = tick()
        var added = message
        added.conversationID = id
        added.clock = tick()
        try commit([(.conversation(record), id), (.message(added), messageID)])
        conversations[id] = record
        if messageCache[id] != nil { messageCache[id]!.append((messageID, added)) }
        return (record, added)
    }

    /// Takes in a copy pulled from the server (see `apply(remote:cursor:)`).
    /// - Returns: whether the decrypted history changed.
    /// - Throws: `RecordError` when the remote copy does not open (nothing is written).
    @discardableResult
    public func merge(remote: CachedRecord) throws -> Bool {
        let outcome = try apply(
            remote: [
                SyncRecord(id: remote.id, kind: remote.kind, version: remote.version, envelope: remote.envelope.bytes)
            ])
        if let failure = outcome.failures.first { throw failure.error }
        return outcome.changed > 0
    }

    /// What taking in a batch of server copies did.
    public struct MergeOutcome: Sendable {
        /// Records whose decrypted content changed here (new, newer, or deleted).
        public var changed = 0
        /// Server copies that did not open; each was skipped (and kept when nothing local
        /// replaces it) and reported.
        public var failures: [(id: RecordID, error: RecordError)] = []
        /// Unsealed deletions and rolled-back copies, ignored.
        public var integrity = SyncIntegrity()
        /// Whether an index bucket came in (the index is checked again after the pull).
        public var indexChanged = false
    }

    /// Takes in copies pulled from the server, in one cache transaction that also moves the
    /// pull cursor, so a crash leaves either all of the page or none of it. Mutable kinds go
    /// to the later clock; a message already held stays as it is; a sealed deletion wins over
    /// any copy (here or there). When the local copy wins over a newer server version it is
    /// sealed again above that version so the next push supersedes it. A copy older than the
    /// server's version this device knows, and a deletion without its owner's seal, are
    /// ignored and reported (`MergeOutcome.integrity`); index buckets merge entry by entry.
    public func apply(remote records: [SyncRecord], cursor: Int64? = nil) throws -> MergeOutcome {
        var change = CacheChange()
        change.cursor = cursor
        var outcome = MergeOutcome()
        var effects: [() -> Void] = []
        let local = try cache.snapshot(of: records.map(\.id))
        for remote in records {
            let record = local.records[remote.id]
            let tombstone = local.tombstones[remote.id]
            // A server replaying an old copy must not undo what this device has seen.
            if remote.version < Self.serverVersion(record: record, tombstone: tombstone) {
                outcome.integrity.rolledBack.append(remote.id)
                continue
            }
            do {
                if remote.isTombstone {
                    try planDeletion(
                        remote, record: record, tombstone: tombstone, into: &change, effects: &effects,
                        outcome: &outcome)
                } else if remote.kind == .index {
                    try planIndexMerge(remote, record: record, into: &change, outcome: &outcome)
                } else {
                    try planMerge(
                        remote, record: record, tombstone: tombstone, into: &change, effects: &effects,
                        outcome: &outcome)
                }
            } catch let error as RecordError {
                outcome.failures.append((remote.id, error))
                report(CorruptRecord(id: remote.id, kind: remote.kind, code: error.code))
                // Kept for inspection while nothing better is held; it is reported on every unlock.
                if let bytes = remote.envelope?.bytes, let envelope = try? RecordEnvelope(bytes: bytes),
                    local.records[remote.id] == nil
                {
                    change.writes.append(
                        CachedRecord(
                            id: remote.id, kind: remote.kind, version: remote.version, parent: nil, envelope: envelope,
                            syncState: .synced))
                }
            }
        }
        try cache.apply(change)
        for effect in effects { effect() }
        return outcome
    }

    /// Deletes a conversation and its messages: each becomes a tombstone to push.
    public func delete(conversation id: RecordID) throws {
        var ids: [(RecordID, RecordKind)] = [(id, .conversation)]
        for row in try cache.records(parent: id) {
            switch row {
            case .success(let record): ids.append((record.id, record.kind))
            case .failure(let failure):
                if let rowID = failure.id { ids.append((rowID, failure.kind ?? .message)) }
            }
        }
        try deleteRecords(ids)
        conversations[id] = nil
        messageCache[id] = nil
    }

    /// Deletes a folder: it becomes a tombstone to push. Its conversations stay; one that still
    /// names it (changed nowhere, or moved into it on another device meanwhile) is outside any folder.
    public func delete(folder id: RecordID) throws {
        try deleteRecords([(id, .folder)])
        folders[id] = nil
    }

    /// Local changes the server does not have yet: records and deletions.
    public func pendingChanges() throws -> [SyncRecord] {
        var out: [SyncRecord] = []
        for row in try cache.pendingRecords() {
            guard case .success(let record) = row else { continue }
            out.append(
                SyncRecord(id: record.id, kind: record.kind, version: record.version, envelope: record.envelope.bytes))
        }
        for tombstone in try cache.pendingTombstones() {
            // Sealed now, for the version it is pushed at: a retry seals again, and the server
            // keeps the first seal of a version it already holds.
            let seal = try codec.sealDeletion(id: tombstone.id, kind: tombstone.kind, version: tombstone.version)
            out.append(
                SyncRecord(
                    id: tombstone.id, kind: tombstone.kind, version: tombstone.version, envelope: nil,
                    deletion: seal.bytes))
        }
        return out
    }

    /// Marks pushed copies as the server's, when they are still the ones held here; their
    /// versions go into the index at the next `updateIndex()`.
    public func markPushed(_ records: [(id: RecordID, version: UInt64)]) throws {
        var change = CacheChange()
        change.synced = records
        try cache.apply(change)
        for (id, version) in records where versions[id]?.version == version {
            versions[id] = (version, .synced)
        }
        for (id, version) in records where !IndexBucket.isBucket(id) {
            unindexed[id] = max(unindexed[id] ?? 0, version)
        }
    }

    /// Raises the index entries of the versions pushed since the last call, sealing each
    /// bucket they fall in once as a pending change (pushed with the next batch). A pass cut
    /// short before this leaves those versions unindexed, which weakens detection but never
    /// raises a false alarm.
    public func updateIndex() throws {
        guard !unindexed.isEmpty else { return }
        var byBucket: [Int: [(RecordID, UInt64)]] = [:]
        for (id, version) in unindexed { byBucket[IndexBucket.bucket(of: id), default: []].append((id, version)) }
        let held = try cache.snapshot(of: byBucket.keys.map { IndexBucket.ids[$0] }).records
        var change = CacheChange()
        for (number, entries) in byBucket {
            let id = IndexBucket.ids[number]
            var bucket = IndexBucket()
            var version: UInt64 = 1
            if let row = held[id] {
                // An unreadable bucket starts again: its entries come back as devices push.
                if let open = try? codec.openIndex(row.envelope, id: id, version: row.version) { bucket = open }
                version = row.syncState == .pending ? row.version : row.version + 1
            }
            var changed = false
            for (recordID, recordVersion) in entries where bucket.raise(recordID, to: recordVersion) { changed = true }
            guard changed else { continue }
            change.writes.append(
                CachedRecord(
                    id: id, kind: .index, version: version, parent: nil,
                    envelope: try codec.seal(bucket, id: id, version: version), syncState: .pending))
        }
        try cache.apply(change)
        unindexed = [:]
    }

    /// The records the index names at a version this device does not hold (neither as a
    /// record nor as a deletion), after a full pull. The whole index is read again when a
    /// bucket came in (or first after opening); otherwise only earlier gaps are looked at.
    public func checkIndex(changed: Bool) throws -> [RecordID] {
        var expected: [RecordID: UInt64]
        if let gaps = indexGaps, !changed {
            expected = gaps
        } else {
            expected = [:]
            for row in try cache.records(of: [.index]) {
                guard case .success(let cached) = row,
                    let bucket = try? codec.openIndex(cached.envelope, id: cached.id, version: cached.version)
                else { continue }
                expected.merge(bucket.entries) { max($0, $1) }
            }
        }
        var gaps: [RecordID: UInt64] = [:]
        if !expected.isEmpty {
            let held = try cache.heldVersions()
            for (id, version) in expected where held[id] ?? 0 < version { gaps[id] = version }
        }
        indexGaps = gaps
        return gaps.keys.sorted()
    }

    /// Seals up to `limit` cached records that are under an earlier root again under the
    /// current one (a root key rotation, docs/RECORDS.md): the same content, clock and id, as
    /// the next version of a record the server has (the same version of one not yet pushed),
    /// waiting to be pushed. A record that does not open is left as it is. With `pendingOnly`,
    /// only changes not yet pushed: what a device that learned of a rotation made before it.
    /// - Returns: how many were sealed again, and the ids of those that did not open.
    public func sealAgainUnderCurrentKey(
        limit: Int, pendingOnly: Bool = false
    ) throws -> (sealed: Int, unreadable: [RecordID]) {
        var sealed = 0
        var unreadable: [RecordID] = []
        var after: RecordID?
        while sealed < limit {
            let rows = try cache.records(
                notSealedUnder: codec.keys.currentKeyID, pendingOnly: pendingOnly, after: after, limit: 200)
            guard !rows.isEmpty else { break }
            let pageStart = after
            var change = CacheChange()
            for row in rows where sealed < limit {
                guard case .success(let cached) = row else {
                    if case .failure(let failure) = row, let id = failure.id {
                        unreadable.append(id)
                        after = id
                    }
                    continue
                }
                after = cached.id
                let version = cached.syncState == .pending ? cached.version : cached.version + 1
                let envelope: RecordEnvelope
                do {
                    if cached.kind == .index {
                        let bucket = try codec.openIndex(cached.envelope, id: cached.id, version: cached.version)
                        envelope = try codec.seal(bucket, id: cached.id, version: version)
                    } else {
                        let payload = try codec.open(
                            cached.envelope, id: cached.id, kind: cached.kind, version: cached.version)
                        envelope = try codec.seal(payload, id: cached.id, version: version)
                    }
                } catch {
                    unreadable.append(cached.id)
                    continue
                }
                change.writes.append(
                    CachedRecord(
                        id: cached.id, kind: cached.kind, version: version, parent: cached.parent, envelope: envelope,
                        syncState: .pending))
                sealed += 1
            }
            try cache.apply(change)
            for written in change.writes where versions[written.id] != nil {
                versions[written.id] = (written.version, .pending)
            }
            // Rows without a readable id cannot be paged past; they are left as they are.
            if after == pageStart { break }
        }
        return (sealed, unreadable)
    }

    private func deleteRecords(_ records: [(RecordID, RecordKind)]) throws {
        var change = CacheChange()
        for (id, kind) in records {
            let version: UInt64
            if let existing = try cache.record(id) {
                version = existing.syncState == .pending ? existing.version : existing.version + 1
            } else if let tombstone = try cache.tombstone(id) {
                version = tombstone.version
            } else {
                continue
            }
            change.tombstones.append(CachedTombstone(id: id, kind: kind, version: version, syncState: .pending))
        }
        try cache.apply(change)
        for tombstone in change.tombstones { versions[tombstone.id] = nil }
    }

    /// The version of `id` the server is known here to hold: what was pulled or pushed, or one
    /// less than a change still waiting to be pushed (0 when none).
    private static func serverVersion(record: CachedRecord?, tombstone: CachedTombstone?) -> UInt64 {
        let held = [record.map { ($0.version, $0.syncState) }, tombstone.map { ($0.version, $0.syncState) }]
        return held.compactMap { $0 }.map { $0.1 == .synced ? $0.0 : $0.0 - 1 }.max() ?? 0
    }

    private func planDeletion(
        _ remote: SyncRecord, record: CachedRecord?, tombstone: CachedTombstone?, into change: inout CacheChange,
        effects: inout [() -> Void], outcome: inout MergeOutcome
    ) throws {
        if let local = tombstone, local.version == remote.version, local.syncState == .synced {
            return
        }
        // Only the account's owner can delete: a tombstone without a valid seal deletes nothing.
        // One that would have removed nothing held here and carries no seal at all is a deletion
        // made before seals existed, or an attempt to hide a record the index then reports.
        guard let seal = remote.deletion,
            let envelope = try? RecordEnvelope(bytes: seal.bytes),
            (try? codec.verifyDeletion(envelope, id: remote.id, kind: remote.kind, version: remote.version)) != nil
        else {
            if remote.deletion != nil || record != nil { outcome.integrity.unsealedDeletions.append(remote.id) }
            return
        }
        change.tombstones.append(
            CachedTombstone(id: remote.id, kind: remote.kind, version: remote.version, syncState: .synced))
        guard let row = record else { return }
        outcome.changed += 1
        let id = remote.id
        let parent = row.parent
        effects.append { [unowned self] in
            versions[id] = nil
            switch row.kind {
            case .conversation:
                conversations[id] = nil
                messageCache[id] = nil
            case .folder: folders[id] = nil
            case .profile: if profile?.id == id { profile = nil }
            case .message: if let parent { messageCache[parent] = nil }
            case .index: break
            }
        }
    }

    /// Takes in a pulled index bucket: entries only this device had are kept, and the merged
    /// bucket is sealed above the server's version to be pushed.
    private func planIndexMerge(
        _ remote: SyncRecord, record: CachedRecord?, into change: inout CacheChange, outcome: inout MergeOutcome
    ) throws {
        let envelope = try RecordEnvelope(bytes: remote.envelope?.bytes ?? [])
        var bucket = try codec.openIndex(envelope, id: remote.id, version: remote.version)
        outcome.indexChanged = true
        if let row = record, let held = try? codec.openIndex(row.envelope, id: row.id, version: row.version),
            bucket.merge(held)
        {
            let version = remote.version + 1
            change.writes.append(
                CachedRecord(
                    id: remote.id, kind: .index, version: version, parent: nil,
                    envelope: try codec.seal(bucket, id: remote.id, version: version), syncState: .pending))
        } else {
            change.writes.append(
                CachedRecord(
                    id: remote.id, kind: .index, version: remote.version, parent: nil, envelope: envelope,
                    syncState: .synced))
        }
    }

    private func planMerge(
        _ remoteCopy: SyncRecord, record: CachedRecord?, tombstone: CachedTombstone?, into change: inout CacheChange,
        effects: inout [() -> Void], outcome: inout MergeOutcome
    ) throws {
        let envelope = try RecordEnvelope(bytes: remoteCopy.envelope?.bytes ?? [])
        let remote = CachedRecord(
            id: remoteCopy.id, kind: remoteCopy.kind, version: remoteCopy.version, parent: nil, envelope: envelope,
            syncState: .synced)
        // A record deleted here stays deleted: the tombstone moves above the server's version.
        if let tombstone {
            if tombstone.syncState == .pending || tombstone.version < remote.version {
                change.tombstones.append(
                    CachedTombstone(
                        id: remote.id, kind: remote.kind, version: max(tombstone.version, remote.version + 1),
                        syncState: .pending))
            }
            return
        }
        let incoming = try codec.open(remote.envelope, id: remote.id, kind: remote.kind, version: remote.version)
        clock.receive(incoming.clock, now: wallClock.millisecondsSince1970())
        var local: (CachedRecord, RecordPayload)?
        if let row = record {
            local = try? (row, codec.open(row.envelope, id: row.id, kind: row.kind, version: row.version))
        }
        if case let (row, payload)? = local, payload.kind != incoming.kind {
            throw RecordError(
                .invalidIdentifier, "record \(row.id) is a \(row.kind) here and a \(remote.kind) on the server")
        }
        // An identical copy simply becomes the server's; a different one goes to the later clock.
        if case let (row, payload)? = local, payload != incoming,
            RecordPayload.resolve(local: payload, remote: incoming) == payload
        {
            if payload.kind.isMutable && remote.version >= row.version {
                // Ours stays; above the server's version it must be pushed again.
                let version = remote.version + 1
                let sealed = try codec.seal(payload, id: row.id, version: version)
                change.writes.append(
                    CachedRecord(
                        id: row.id, kind: row.kind, version: version, parent: row.parent, envelope: sealed,
                        syncState: .pending))
                effects.append { [unowned self] in versions[row.id] = (version, .pending) }
            } else if !payload.kind.isMutable {
                // A message the server also holds is simply in sync.
                change.synced.append((row.id, row.version))
                effects.append { [unowned self] in versions[row.id] = (row.version, .synced) }
            }
            return
        }
        var stored = remote
        stored.parent = incoming.parent
        change.writes.append(stored)
        if local.map({ $0.1 != incoming }) ?? true { outcome.changed += 1 }
        effects.append { [unowned self] in
            versions[remote.id] = (remote.version, .synced)
            switch incoming {
            case .conversation(let r): conversations[remote.id] = r
            case .folder(let r): folders[remote.id] = r
            case .profile(let r): profile = (remote.id, r)
            case .message(let m):
                if messageCache[m.conversationID] != nil,
                    !(messageCache[m.conversationID]!.contains { $0.id == remote.id })
                {
                    messageCache[m.conversationID]!.append((remote.id, m))
                    messageCache[m.conversationID]!.sort { ($0.record.clock, $0.id) < ($1.record.clock, $1.id) }
                }
            }
        }
    }

    /// Seals and writes one local change. A record the server already has moves to the next
    /// version; one still waiting to be pushed keeps its version, so the push expects the
    /// server's copy (version − 1) either way. The version comes from the cache's copy at the
    /// moment of writing, which another process of this device may have moved on.
    private func commit(_ payload: RecordPayload, id: RecordID) throws {
        try commit([(payload, id)])
    }

    /// Seals and writes several local changes in one transaction (all or none).
    private func commit(_ changes: [(payload: RecordPayload, id: RecordID)]) throws {
        let codec = self.codec
        let written = try cache.writeChanges(
            changes.map { payload, id in
                LocalCache.LocalChange(id: id, kind: payload.kind, parent: payload.parent) { held in
                    let version: UInt64
                    switch held {
                    case nil: version = 1
                    case (let v, .pending)?: version = v
                    case (let v, .synced)?:
                        guard payload.kind.isMutable else {
                            throw CacheError(.conflict, "message \(id) already exists and cannot change")
                        }
                        version = v + 1
                    }
                    return (version, try codec.seal(payload, id: id, version: version))
                }
            })
        for (change, version) in zip(changes, written) { versions[change.id] = (version, .pending) }
    }

    /// Decrypts one cached row; a failure is reported, skipped, and asked again from the server
    /// at the next sync (`LocalCache.requestRepair`). Every reading seen moves the clock forward.
    private func open(_ row: Result<CachedRecord, CacheRowError>) -> (CachedRecord, RecordPayload)? {
        let failure: CorruptRecord
        switch row {
        case .failure(let row):
            failure = CorruptRecord(id: row.id, kind: row.kind, code: row.error.code)
        case .success(let cached):
            do {
                let payload = try codec.open(cached.envelope, id: cached.id, kind: cached.kind, version: cached.version)
                clock.receive(payload.clock, now: wallClock.millisecondsSince1970())
                return (cached, payload)
            } catch let error as RecordError {
                failure = CorruptRecord(id: cached.id, kind: cached.kind, code: error.code)
            } catch {
                failure = CorruptRecord(id: cached.id, kind: cached.kind, code: .authenticationFailed)
            }
        }
        report(failure)
        // A read-only folder cannot take the request; the record is still reported.
        if let id = failure.id { _ = try? cache.requestRepair(id) }
        return nil
    }

    private func report(_ record: CorruptRecord) {
        if !corrupt.contains(record) { corrupt.append(record) }
    }
}
