import Wire

/// What one synchronisation pass moved. Counts are of history records: the index's buckets
/// (bookkeeping, docs/RECORDS.md) are left out.
public struct SyncReport: Sendable, Hashable {
    /// Server copies received.
    public var pulled = 0
    /// Records whose decrypted content changed here because of them.
    public var changed = 0
    /// Local changes the server accepted.
    public var pushed = 0
    /// Pushes the server answered with its own copy (merged, then pushed again when ours won).
    public var conflicts = 0
    /// Server copies that did not open, by id (skipped, kept, reported).
    public var unreadable: [RecordID] = []
    /// What the server did that no device of the account did (ignored, reported).
    public var integrity = SyncIntegrity()
    /// The pull cursor after the pass.
    public var cursor: Int64 = 0

    public init() {}
}

/// One pass of the sync protocol (docs/PROTOCOL.md §6): pull every page since the cursor,
/// then push local changes until the server accepts them all. Each pulled page is applied
/// with its cursor in one cache transaction, and pushes are idempotent, so a pass cut short
/// anywhere (killed process, server restart, lost connection) resumes with no loss and no
/// duplicate.
public struct SyncEngine: Sendable {
    let transport: any SyncTransport
    /// Records per pull page.
    public var pageSize: Int
    /// Push rounds before giving up on records another device keeps changing.
    public var maximumRounds: Int
    /// Envelope bytes per push request (the server caps bodies).
    public var maximumPushBytes: Int
    /// How long a pass waits while another process on this device syncs the same cache
    /// (`SyncLock`) before it gives up with `SOTTO-SYNC-BUSY`.
    public var lockWait: Duration

    public init(
        transport: any SyncTransport, pageSize: Int = PullResponse.defaultLimit, maximumRounds: Int = 8,
        maximumPushBytes: Int = 6 << 20, lockWait: Duration = .seconds(120)
    ) {
        self.transport = transport
        self.pageSize = pageSize
        self.maximumRounds = maximumRounds
        self.maximumPushBytes = maximumPushBytes
        self.lockWait = lockWait
    }

    /// Pulls, then pushes, while no other process syncs the same cache.
    /// - Throws: `SyncError` (see `SyncErrorCode.isTransient` for what to retry; `.busy` when
    ///   another process kept syncing past `lockWait`), or the cache's `CacheError`.
    nonisolated(nonsending) public func sync(_ history: HistoryStore) async throws -> SyncReport {
        let lock = try await SyncLock.acquire(cachePath: history.cache.path, waitingUpTo: lockWait)
        defer { withExtendedLifetime(lock) {} }
        var report = try await pull(into: history)
        try await push(from: history, report: &report)
        return report
    }

    /// Every page since the stored cursor. The next page is fetched while this one is applied
    /// (its cursor is known from the page), so the network and the cache work side by side.
    nonisolated(nonsending) public func pull(into history: HistoryStore) async throws -> SyncReport {
        var report = SyncReport()
        var cursor = try history.cache.syncCursor()
        let transport = self.transport
        let pageSize = self.pageSize
        var next: Task<PullResponse, any Error>? = Task { [cursor] in
            try await transport.pull(after: cursor, limit: pageSize)
        }
        defer { next?.cancel() }
        var indexChanged = false
        while let fetching = next {
            let page = try await fetching.value
            guard page.cursor >= cursor, page.records.count <= pageSize, !(page.more && page.records.isEmpty) else {
                next = nil
                throw SyncError(.badResponse, "the server's page after \(cursor) is inconsistent")
            }
            next = page.more ? Task { try await transport.pull(after: page.cursor, limit: pageSize) } : nil
            let outcome = try history.apply(remote: page.records, cursor: page.cursor)
            report.pulled += page.records.count { $0.kind != .index }
            report.changed += outcome.changed
            report.unreadable += outcome.failures.map(\.id)
            report.integrity.record(outcome.integrity)
            indexChanged = indexChanged || outcome.indexChanged
            cursor = page.cursor
        }
        report.cursor = cursor
        // Only after the last page: a bucket is pushed after the records it names, so a full
        // pull that brought it brought them too, unless the server held them back.
        report.integrity.withheld = try history.checkIndex(changed: indexChanged)
        return report
    }

    /// Pushes local changes; conflicts are merged and what still wins here goes again. A pass
    /// pushes what it owes: the versions pending when it began, the merges it made and the
    /// index buckets it sealed. Another process of this device may keep changing records
    /// meanwhile; those changes are its own sync's to push (it waits for this one), so a
    /// stream of them never keeps this pass from ending.
    nonisolated(nonsending) public func push(from history: HistoryStore, report: inout SyncReport) async throws {
        let owed = Dictionary(try history.pendingChanges().map { ($0.id, $0.version) }, uniquingKeysWith: max)
        var merged = Set<RecordID>()
        func unsettled() throws -> [SyncRecord] {
            try history.pendingChanges().filter {
                owed[$0.id] == $0.version || merged.contains($0.id) || IndexBucket.isBucket($0.id)
            }
        }
        for _ in 0..<maximumRounds {
            let pending = try unsettled()
            if pending.isEmpty { return }
            for batch in batches(of: pending) {
                let response = try await transport.push(PushRequest(records: batch))
                guard response.results.count == batch.count,
                    zip(response.results, batch).allSatisfy({ $0.id == $1.id })
                else {
                    throw SyncError(
                        .badResponse, "the server's push answer does not match the \(batch.count) records sent")
                }
                var accepted: [(id: RecordID, version: UInt64)] = []
                var current: [SyncRecord] = []
                for (result, sent) in zip(response.results, batch) {
                    switch result.status {
                    case .accepted: accepted.append((sent.id, sent.version))
                    case .conflict:
                        guard let copy = result.current, copy.id == sent.id else {
                            throw SyncError(
                                .badResponse, "the server reported a conflict on \(sent.id) without its copy")
                        }
                        current.append(copy)
                    }
                }
                try history.markPushed(accepted)
                report.pushed += accepted.count { !IndexBucket.isBucket($0.id) }
                report.conflicts += current.count { $0.kind != .index }
                if !current.isEmpty {
                    merged.formUnion(current.map(\.id))
                    let outcome = try history.apply(remote: current)
                    report.changed += outcome.changed
                    report.unreadable += outcome.failures.map(\.id)
                    report.integrity.unsealedDeletions += outcome.integrity.unsealedDeletions
                    report.integrity.rolledBack += outcome.integrity.rolledBack
                }
            }
            // The versions just accepted go into the index, pushed in the next round.
            try history.updateIndex()
        }
        if try !unsettled().isEmpty {
            throw SyncError(.unsettled, "records kept changing on the server while pushing; sync tries again later")
        }
    }

    private func batches(of records: [SyncRecord]) -> [[SyncRecord]] {
        var out: [[SyncRecord]] = []
        var current: [SyncRecord] = []
        var bytes = 0
        for record in records {
            let size = record.envelope?.bytes.count ?? 0
            if !current.isEmpty && (current.count == PushRequest.maximumRecords || bytes + size > maximumPushBytes) {
                out.append(current)
                current = []
                bytes = 0
            }
            current.append(record)
            bytes += size
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
