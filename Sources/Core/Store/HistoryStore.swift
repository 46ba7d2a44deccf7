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
    }

    /// Takes in copies pulled from the server, in one cache transaction that also moves the
    /// pull cursor, so a crash leaves either all of the page or none of it. Mutable kinds go
    /// to the later clock; a message already held stays as it is; a deletion wins over any
    /// copy (here or there). When the local copy wins over a newer server version it is
    /// sealed again above that version so the next push supersedes it.
    public func apply(remote records: [SyncRecord], cursor: Int64? = nil) throws -> MergeOutcome {
        var change = CacheChange()
        change.cursor = cursor
        var outcome = MergeOutcome()
        var effects: [() -> Void] = []
        let local = try cache.snapshot(of: records.map(\.id))
        for remote in records {
            if remote.isTombstone {
                try planDeletion(
                    remote, record: local.records[remote.id], tombstone: local.tombstones[remote.id], into: &change,
                    effects: &effects, outcome: &outcome)
                continue
            }
            do {
                try planMerge(
                    remote, record: local.records[remote.id], tombstone: local.tombstones[remote.id], into: &change,
                    effects: &effects, outcome: &outcome)
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
            out.append(SyncRecord(id: tombstone.id, kind: tombstone.kind, version: tombstone.version, envelope: nil))
        }
        return out
    }

    /// Marks pushed copies as the server's, when they are still the ones held here.
    public func markPushed(_ records: [(id: RecordID, version: UInt64)]) throws {
        var change = CacheChange()
        change.synced = records
        try cache.apply(change)
        for (id, version) in records where versions[id]?.version == version {
            versions[id] = (version, .synced)
        }
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

    private func planDeletion(
        _ remote: SyncRecord, record: CachedRecord?, tombstone: CachedTombstone?, into change: inout CacheChange,
        effects: inout [() -> Void], outcome: inout MergeOutcome
    ) throws {
        if let local = tombstone, local.version == remote.version, local.syncState == .synced {
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
            }
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
    /// server's copy (version − 1) either way.
    private func commit(_ payload: RecordPayload, id: RecordID) throws {
        let version: UInt64
        switch versions[id] {
        case nil: version = 1
        case (let v, .pending)?: version = v
        case (let v, .synced)?:
            guard payload.kind.isMutable else {
                throw CacheError(.conflict, "message \(id) already exists and cannot change")
            }
            version = v + 1
        }
        let envelope = try codec.seal(payload, id: id, version: version)
        try cache.write([
            CachedRecord(
                id: id, kind: payload.kind, version: version, parent: payload.parent, envelope: envelope,
                syncState: .pending)
        ])
        versions[id] = (version, .pending)
    }

    /// Decrypts one cached row; a failure is reported and skipped. Every reading seen moves the
    /// clock forward.
    private func open(_ row: Result<CachedRecord, CacheRowError>) -> (CachedRecord, RecordPayload)? {
        switch row {
        case .failure(let failure):
            report(CorruptRecord(id: failure.id, kind: failure.kind, code: failure.error.code))
            return nil
        case .success(let cached):
            do {
                let payload = try codec.open(cached.envelope, id: cached.id, kind: cached.kind, version: cached.version)
                clock.receive(payload.clock, now: wallClock.millisecondsSince1970())
                return (cached, payload)
            } catch let error as RecordError {
                report(CorruptRecord(id: cached.id, kind: cached.kind, code: error.code))
            } catch {
                report(CorruptRecord(id: cached.id, kind: cached.kind, code: .authenticationFailed))
            }
            return nil
        }
    }

    private func report(_ record: CorruptRecord) {
        if !corrupt.contains(record) { corrupt.append(record) }
    }
}
