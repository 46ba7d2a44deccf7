import Foundation
import Testing
import Wire

@testable import Core

/// Root key rotation end to end: the real server binary on loopback, libcurl, software passkeys
/// and real cache files. The point of it: whoever kept the old root (a leaked recovery key, a
/// removed passkey's wrapped copy) opens nothing the server holds afterwards, while every
/// device with a kept passkey reads everything, old records included. Each step of the rotation
/// can stop and be run again.
@Suite(.serialized) struct KeyRotationTests {
    static func software(_ path: String) -> SoftwareAuthenticator {
        SoftwareAuthenticator(path: path, passphrase: SecureBytes(copying: Array("pw".utf8)), parameters: .minimum)
    }

    static func session(_ folder: String, _ url: String) -> AccountSession {
        AccountSession(dataFolder: folder, server: url) { passkey in software(passkey.softwarePasskeyPath ?? "") }
    }

    static func cache(_ folder: String, _ account: String) throws -> LocalCache {
        try LocalCache(path: folder + "/" + LocalCache.fileName, account: try AccountID(account))
    }

    /// A device's history under `keys` (current and earlier roots) and a sync engine on its session.
    static func history(
        _ folder: String, _ unlocked: Unlocked
    ) throws -> (HistoryStore, SyncEngine) {
        let history = try HistoryStore(
            cache: try cache(folder, unlocked.keys.accountID), keys: try unlocked.recordKeys(),
            device: try DeviceID.load(dataFolder: folder))
        return (history, SyncEngine(transport: RootKeyRotation.httpTransport(unlocked.state)))
    }

    static func rotation(_ folder: String, _ url: String, account: String) throws -> RootKeyRotation {
        RootKeyRotation(
            session: session(folder, url), cache: try cache(folder, account),
            device: try DeviceID.load(dataFolder: folder), dataFolder: folder)
    }

    /// Every record the server holds for the session `token`, by pulling from the start.
    static func serverRecords(_ url: String, token: String) async throws -> [SyncRecord] {
        let transport = HTTPSyncTransport(serverURL: url, http: CurlHTTPClient()) { token }
        var records: [SyncRecord] = []
        var cursor: Int64 = 0
        while true {
            let page = try await transport.pull(after: cursor, limit: 1000)
            records += page.records
            cursor = page.cursor
            if !page.more { return records }
        }
    }

    /// Opens every record (and checks every deletion seal) with `keys`; the codes of the failures.
    static func open(
        _ records: [SyncRecord], with keys: any RecordKeyProvider, account: AccountID
    ) -> [RecordErrorCode?] {
        let codec = RecordCodec(account: account, keys: keys)
        return records.map { record in
            do {
                if let seal = record.deletion {
                    try codec.verifyDeletion(
                        try RecordEnvelope(bytes: seal.bytes), id: record.id, kind: record.kind, version: record.version
                    )
                } else if let bytes = record.envelope?.bytes {
                    let envelope = try RecordEnvelope(bytes: bytes)
                    if record.kind == .index {
                        _ = try codec.openIndex(envelope, id: record.id, version: record.version)
                    } else {
                        _ = try codec.open(envelope, id: record.id, kind: record.kind, version: record.version)
                    }
                }
                return nil
            } catch let error as RecordError {
                return error.code
            } catch {
                return .malformed
            }
        }
    }

    /// The old root's record keys whatever key id an envelope names: decrypting is attempted,
    /// so a failure is the AEAD's (`SOTTO-RECORD-AUTH`), not only a key id mismatch.
    struct IgnoringKeyID: RecordKeyProvider {
        let keys: AccountKeys
        var currentKeyID: RecordKeyID { (try? AccountRecordKeys(keys))!.currentKeyID }
        func key(id keyID: RecordKeyID, kind: RecordKind, recordID: RecordID) throws -> SecureBytes {
            try keys.recordKey(kind: kind.description, recordID: recordID.description)
        }
    }

    /// An account on device A with conversations, messages, a folder, the profile and a deletion,
    /// pushed; passkeys "b" (device B's) and "c" added.
    static func populatedAccount(
        _ root: String, _ url: String
    ) async throws -> (registration: Registration, conversation: RecordID) {
        let registration = try await session(root + "/a", url).register(authenticator: software(root + "/pk-a"))
        let unlocked = try await session(root + "/a", url).unlock()
        for name in ["b", "c"] {
            _ = try await session(root + "/a", url).addPasskey(software(root + "/pk-" + name), keys: unlocked.keys)
        }
        let (history, sync) = try history(root + "/a", unlocked)
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        let conversation = RecordID.random()
        let folder = RecordID.random()
        try history.save(
            folder: FolderRecord(name: "work", order: FractionalIndex.between(nil, nil), clock: history.tick()),
            id: folder)
        try history.save(
            conversation: ConversationRecord(
                title: "kept", folderID: folder, createdAt: time, updatedAt: time, clock: history.tick()),
            id: conversation)
        for content in ["first", "second"] {
            try history.append(
                message: MessageRecord(
                    conversationID: conversation, role: .user, content: content, time: time, clock: history.tick()))
        }
        try history.save(profile: ProfileRecord(preferences: ["theme": "dark"], clock: history.tick()), id: .random())
        let doomed = RecordID.random()
        try history.save(
            conversation: ConversationRecord(title: "doomed", createdAt: time, updatedAt: time, clock: history.tick()),
            id: doomed)
        _ = try await sync.sync(history)
        try history.delete(conversation: doomed)
        let report = try await sync.sync(history)
        #expect(report.integrity.isClean)
        return (registration, conversation)
    }

    @Test func theOldRootReadsNothingWrittenAfterTheRotation() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-rotate-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let url = server.url
        let (registration, conversation) = try await Self.populatedAccount(root, url)
        let account = try AccountID(registration.keys.accountID)
        // What someone who saw the old recovery key, or kept an old wrapped copy, holds.
        let oldKeys = registration.keys

        // Device B logs in with its own passkey and reads the history under the old root.
        let loginB = try await Self.session(root + "/b", url).login(authenticator: Self.software(root + "/pk-b"))
        let (historyB, syncB) = try Self.history(root + "/b", loginB)
        #expect(try await syncB.sync(historyB).integrity.isClean)
        #expect(try historyB.messages(in: conversation).map(\.record.content) == ["first", "second"])
        let tokenB = try #require(loginB.state.session).token

        // A rotates, presenting B's passkey; C's is not presented and goes.
        let passkeys = try await Self.session(root + "/a", url).summary().passkeys
        let kept = [registration.state.passkey.credentialID, loginB.state.passkey.credentialID]
        let idC = try #require(passkeys.first { !kept.contains($0.credentialID) }).credentialID
        var asked: [String] = []
        let outcome = try await Self.rotation(root + "/a", url, account: account.rawValue).run(
            presented: [Self.software(root + "/pk-b")]
        ) { removed in
            asked = removed.map(\.credentialID)
            return true
        }
        #expect(asked == [idC])
        #expect(outcome.removed.map(\.credentialID) == [idC])
        #expect(!outcome.keys.hasSameRootKey(as: oldKeys))
        #expect(!FileManager.default.fileExists(atPath: root + "/a/key-rotation.json"))

        // Every session of the account ended but the one the rotation gave A.
        let refused = await #expect(throws: SyncError.self) { _ = try await syncB.sync(historyB) }
        #expect(refused != nil)
        let tokenA = try #require(outcome.state.session).token
        #expect(tokenA != tokenB)

        // A writes after the rotation.
        let unlockedA = try await Self.session(root + "/a", url).unlock()
        #expect(unlockedA.keys.hasSameRootKey(as: outcome.keys))
        let (historyA, syncA) = try Self.history(root + "/a", unlockedA)
        let time = Date(timeIntervalSince1970: 1_800_000_100)
        let written = try historyA.append(
            message: MessageRecord(
                conversationID: conversation, role: .user, content: "after", time: time, clock: historyA.tick()))
        #expect(try await syncA.sync(historyA).integrity.isClean)

        // The server's records: the old root opens none of them, not the new message, not the
        // records sealed again, not a deletion's seal; the new root opens all of them.
        let records = try await Self.serverRecords(url, token: try #require(unlockedA.state.session).token)
        #expect(records.contains { $0.id == written })
        #expect(records.contains { $0.isTombstone && $0.deletion != nil })
        #expect(records.contains { $0.kind == .index })
        let byOld = Self.open(records, with: try AccountRecordKeys(oldKeys), account: account)
        #expect(byOld.allSatisfy { $0 == .unknownKey }, "\(byOld)")
        let forced = Self.open(records, with: IgnoringKeyID(keys: oldKeys), account: account)
        #expect(forced.allSatisfy { $0 == .authenticationFailed }, "\(forced)")
        let byNew = Self.open(records, with: try AccountRecordKeys(outcome.keys), account: account)
        #expect(byNew.allSatisfy { $0 == nil }, "\(byNew)")

        // The old recovery key is refused; the new one opens the new root.
        let stale = await #expect(throws: AccountError.self) {
            _ = try await Self.session(root + "/e", url).recover(
                recoveryKey: registration.recoveryKey, newAuthenticator: Self.software(root + "/pk-e"))
        }
        #expect(stale?.code == .recoveryKeyRejected)
        let recovered = try await Self.session(root + "/f", url).recover(
            recoveryKey: outcome.recoveryKey, newAuthenticator: Self.software(root + "/pk-f"))
        #expect(recovered.keys.hasSameRootKey(as: outcome.keys))
        // The removed passkey no longer logs in.
        let removed = await #expect(throws: AccountError.self) {
            _ = try await Self.session(root + "/g", url).login(authenticator: Self.software(root + "/pk-c"))
        }
        #expect(removed?.code == .passkeyNotRegistered)

        // B, offline meanwhile, wrote under the old root; it logs in again with its passkey,
        // gets the new root and keeps the old one for what its cache still holds.
        try historyB.append(
            message: MessageRecord(
                conversationID: conversation, role: .assistant, content: "from b", time: time, clock: historyB.tick()))
        let unlockedB = try await Self.session(root + "/b", url).unlock()
        #expect(unlockedB.rootChanged)
        #expect(unlockedB.keys.hasSameRootKey(as: outcome.keys))
        #expect(unlockedB.previousKeys.contains { $0.hasSameRootKey(as: oldKeys) })
        let cacheB = try Self.cache(root + "/b", account.rawValue)
        try cacheB.resetSyncCursor()
        let (historyB2, syncB2) = try Self.history(root + "/b", unlockedB)
        #expect(try historyB2.sealAgainUnderCurrentKey(limit: .max, pendingOnly: true).sealed == 1)
        let reportB = try await syncB2.sync(historyB2)
        #expect(reportB.integrity.isClean, "\(reportB.integrity)")
        #expect(reportB.unreadable.isEmpty)
        #expect(
            try historyB2.messages(in: conversation).map(\.record.content).sorted() == [
                "after", "first", "from b", "second",
            ])
        // Its old copies were all replaced by the pulled ones: it can forget the old root.
        let newKeyID = try AccountRecordKeys.keyID(of: outcome.keys)
        #expect(try cacheB.keyIDs() == [newKeyID])
        #expect(try AccountStateFile(dataFolder: root + "/b").forgetEarlierRoots(notIn: cacheB.keyIDs()) == 1)

        // A reads B's message, written under the old root and sent under the new one.
        let reportA = try await syncA.sync(historyA)
        #expect(reportA.integrity.isClean)
        #expect(try historyA.messages(in: conversation).contains { $0.record.content == "from b" })
        let byOldAfter = Self.open(
            try await Self.serverRecords(url, token: try #require(unlockedA.state.session).token),
            with: try AccountRecordKeys(oldKeys), account: account)
        #expect(byOldAfter.allSatisfy { $0 == .unknownKey })
    }

    /// Where a rotation run stops before it is run again.
    enum Interruption: String, CaseIterable, CustomTestStringConvertible {
        case afterStaging, afterStagingWithoutProgress, halfWaySealed, beforeRevocation
        var testDescription: String { rawValue }
    }

    @Test(arguments: Interruption.allCases) func anInterruptedRotationContinuesWithTheSameRoot(
        stop: Interruption
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-resume-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let url = server.url
        let (registration, _) = try await Self.populatedAccount(root, url)
        let account = try AccountID(registration.keys.accountID)
        let loginB = try await Self.session(root + "/b", url).login(authenticator: Self.software(root + "/pk-b"))
        let tokenB = try #require(loginB.state.session).token
        let before = try await Self.serverRecords(url, token: tokenB)

        let first = try Self.rotation(root + "/a", url, account: account.rawValue)
        let staged = try await first.stage()
        let progressFile = KeyRotationProgressFile(dataFolder: root + "/a")
        #expect(try progressFile.load()?.step == .staged)
        switch stop {
        case .afterStaging:
            break
        case .afterStagingWithoutProgress:
            // The device lost its progress: the server's copy of the new root is the one used.
            try progressFile.remove()
        case .halfWaySealed:
            #expect(try await first.sealAgain(staged, limit: 3) == false)
            let newID = try AccountRecordKeys.keyID(of: staged.newKeys)
            let held = try await Self.serverRecords(url, token: staged.token).compactMap { record in
                record.envelope.flatMap { try? RecordEnvelope(bytes: $0.bytes).keyID }
            }
            #expect(held.contains(newID))
            #expect(held.contains { $0 != newID })
            // Meanwhile this device still reads all of its history, under either root.
            let unlocked = try await Self.session(root + "/a", url).unlock()
            #expect(unlocked.previousKeys.contains { $0.hasSameRootKey(as: staged.newKeys) })
            let (history, _) = try Self.history(root + "/a", unlocked)
            #expect(history.corrupt.isEmpty, "\(history.corrupt)")
            #expect(try history.cache.keyIDs().contains(newID))
        case .beforeRevocation:
            _ = try await first.rewrap(staged, presented: [Self.software(root + "/pk-b")])
            #expect(try await first.sealAgain(staged) == true)
            #expect(try progressFile.load()?.step == .sealed)
        }
        // Until the rotation finishes, other devices' sessions live on.
        #expect(try await Self.serverRecords(url, token: tokenB).count >= before.count)

        let outcome = try await Self.rotation(root + "/a", url, account: account.rawValue).run(
            presented: [Self.software(root + "/pk-b"), Self.software(root + "/pk-c")]
        ) { _ in
            Issue.record("every passkey was presented: nothing to remove")
            return false
        }
        #expect(outcome.keys.hasSameRootKey(as: staged.newKeys))
        #expect(outcome.removed.isEmpty)
        #expect(try progressFile.load() == nil)
        await #expect(throws: (any Error).self) { _ = try await Self.serverRecords(url, token: tokenB) }
        let records = try await Self.serverRecords(url, token: try #require(outcome.state.session).token)
        #expect(records.count == before.count)
        #expect(
            Self.open(records, with: try AccountRecordKeys(outcome.keys), account: account).allSatisfy { $0 == nil })
        #expect(
            Self.open(records, with: try AccountRecordKeys(registration.keys), account: account).allSatisfy {
                $0 == .unknownKey
            })
        // Every kept passkey opens the new root.
        for name in ["b", "c"] {
            let login = try await Self.session(root + "/" + name + "2", url).login(
                authenticator: Self.software(root + "/pk-" + name))
            #expect(login.keys.hasSameRootKey(as: outcome.keys))
        }
    }
}
