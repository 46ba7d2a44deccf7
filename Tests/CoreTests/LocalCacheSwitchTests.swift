import Core
import CoreTesting
import Foundation
import Testing
import Wire

/// A device that logs out of one account and joins another keeps both histories: the other
/// account's cache is set aside, and comes back when that account returns.
@Suite struct LocalCacheSwitchTests {
    @Test func switchingAccountsSetsTheOtherCacheAsideAndBringsItBack() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-switch-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + LocalCache.fileName
        let a = try AccountID("account-a")
        let b = try AccountID("account-b")
        let keys = TestRecordKeys()
        let device = DeviceID.random()
        let id = RecordID.random()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        do {
            let store = try HistoryStore(cache: LocalCache(path: path, account: a), keys: keys, device: device)
            try store.save(
                conversation: ConversationRecord(
                    title: "kept", modelSettings: ModelSettings(model: "m", temperature: 0.5), createdAt: now,
                    updatedAt: now, clock: store.tick()), id: id)
        }
        // The plain open refuses another account's file, as before.
        #expect(throws: CacheError.self) { _ = try LocalCache(path: path, account: b) }

        do {
            let cache = try LocalCache.openSwitchingAccounts(path: path, account: b)
            #expect(cache.account == b)
            let store = try HistoryStore(cache: cache, keys: keys, device: device)
            #expect(store.conversations.isEmpty)
        }
        let aside = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.hasPrefix("history-") && $0.hasSuffix(".sqlite")
        }
        #expect(aside.count == 1)

        // A returns: its history is back, B's waits aside.
        let cache = try LocalCache.openSwitchingAccounts(path: path, account: a)
        let store = try HistoryStore(cache: cache, keys: keys, device: device)
        #expect(store.conversations[id]?.title == "kept")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sqlite") }
        #expect(names.count == 2)
    }

    /// Another process (here: another open cache) using the other account's history keeps it
    /// in place: the switch is refused, nothing moves.
    @Test func aCacheInUseIsNeverMoved() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-switch-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + LocalCache.fileName
        let inUse = try LocalCache(path: path, account: try AccountID("account-a"))
        #expect(throws: CacheError.self) {
            _ = try LocalCache.openSwitchingAccounts(path: path, account: try AccountID("account-b"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("history-") }.isEmpty)
        #expect(inUse.account.rawValue == "account-a")
    }
}
