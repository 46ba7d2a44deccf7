import Foundation
import Server
import Testing
import Wire

/// The root key rotation half of the `ServerStore` contract: a rotation under way, finished in
/// one transaction or not at all, and the pushes that seal records again under a new root.
extension StoreConformanceTests {
    /// An envelope (or seal) of `count` random bytes whose header names `keyID`.
    static func envelope(keyID: [UInt8], _ count: Int = 300) -> [UInt8] {
        [1] + keyID + Sample.bytes(count - 1 - keyID.count)
    }

    /// Everything a finished rotation changes, read back.
    struct AccountKeysView: Equatable {
        var credentials: [StoredCredential]
        var recovery: StoredRecovery?
        var sessions: [StoredSession?]
        var rotation: StoredKeyRotation?
    }

    static func view(
        _ store: any ServerStore, _ account: AccountID, sessions: [StoredSession]
    ) async throws -> AccountKeysView {
        var live: [StoredSession?] = []
        for session in sessions { live.append(try await store.session(tokenHash: session.tokenHash, now: Sample.now)) }
        return AccountKeysView(
            credentials: try await store.credentials(of: account), recovery: try await store.recovery(of: account),
            sessions: live, rotation: try await store.keyRotation(of: account))
    }

    @Test(arguments: StoreKind.tested) func aRotationBegunIsKeptUntilItFinishes(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, first) = try await Sample.createAccount(in: store)
            let second = Sample.credential(of: account.id, created: Sample.now.addingTimeInterval(1))
            try await store.addCredential(second)
            #expect(try await store.keyRotation(of: account.id) == nil)

            let rotation = StoredKeyRotation(
                accountID: account.id, credentialID: first.id, wrappedRootKey: Sample.bytes(90), startedAt: Sample.now)
            #expect(try await store.beginKeyRotation(rotation) == rotation)
            // Begun again, by the same passkey with another root or by another passkey: the
            // first one stays, so records sealed under it never lose their root.
            var again = rotation
            again.wrappedRootKey = Sample.bytes(90)
            #expect(try await store.beginKeyRotation(again) == rotation)
            var other = rotation
            other.credentialID = second.id
            #expect(try await store.beginKeyRotation(other) == rotation)
            #expect(try await store.keyRotation(of: account.id) == rotation)

            // A passkey of another account, or none, begins nothing.
            let (stranger, strangerCredential) = try await Sample.createAccount(in: store)
            var foreign = rotation
            foreign.accountID = stranger.id
            foreign.credentialID = first.id
            #expect(await Self.code { _ = try await store.beginKeyRotation(foreign) } == .notFound)
            foreign.credentialID = Sample.bytes(32)
            #expect(await Self.code { _ = try await store.beginKeyRotation(foreign) } == .notFound)
            #expect(try await store.keyRotation(of: stranger.id) == nil)
            #expect(try await store.credentials(of: stranger.id) == [strangerCredential])
        }
    }

    @Test(arguments: StoreKind.tested) func finishingARotationReplacesEveryWrappedKeyAtOnce(
        kind: StoreKind
    ) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, first) = try await Sample.createAccount(in: store)
            let second = Sample.credential(of: account.id, created: Sample.now.addingTimeInterval(1), name: "second")
            let third = Sample.credential(of: account.id, created: Sample.now.addingTimeInterval(2), name: "third")
            try await store.addCredential(second)
            try await store.addCredential(third)
            let oldRecovery = try #require(try await store.recovery(of: account.id))
            let later = Sample.now.addingTimeInterval(3600)
            let sessions = [
                Sample.session(of: account.id, credential: first.id, expires: later),
                Sample.session(of: account.id, credential: third.id, expires: later),
                Sample.session(of: account.id, credential: nil, expires: later),
            ]
            for session in sessions { try await store.insertSession(session) }
            let (other, otherCredential) = try await Sample.createAccount(in: store)
            let otherSession = Sample.session(of: other.id, credential: otherCredential.id, expires: later)
            try await store.insertSession(otherSession)
            let pushed = try await store.push(
                [Sample.record(), Sample.record(kind: .message)], account: account.id, limits: Self.limits)
            let lastSequence = try #require(pushed.compactMap(\.sequence).max())

            let newRecovery = Sample.recovery(of: account.id)
            let fresh = Sample.session(of: account.id, credential: first.id, expires: later)
            let replacement = RootKeyReplacement(
                accountID: account.id,
                passkeys: [
                    RewrappedCredential(id: first.id, wrappedRootKey: Sample.bytes(90)),
                    RewrappedCredential(id: second.id, wrappedRootKey: Sample.bytes(90)),
                ],
                recovery: newRecovery, lastSequence: lastSequence, session: fresh)

            // Without a rotation under way, nothing happens.
            let before = try await Self.view(store, account.id, sessions: sessions + [fresh])
            #expect(await Self.code { _ = try await store.replaceRootKey(replacement) } == .notFound)
            #expect(try await Self.view(store, account.id, sessions: sessions + [fresh]) == before)

            let rotation = StoredKeyRotation(
                accountID: account.id, credentialID: first.id, wrappedRootKey: Sample.bytes(90), startedAt: Sample.now)
            _ = try await store.beginKeyRotation(rotation)
            let begun = try await Self.view(store, account.id, sessions: sessions + [fresh])

            // A record pushed since the rotating device looked: refused, and nothing changed.
            var stale = replacement
            stale.lastSequence = lastSequence - 1
            #expect(await Self.code { _ = try await store.replaceRootKey(stale) } == .stale)
            #expect(try await Self.view(store, account.id, sessions: sessions + [fresh]) == begun)
            // A passkey that is not the account's, no passkey at all, another account's recovery
            // key id: refused, and nothing changed.
            var foreign = replacement
            foreign.passkeys.append(RewrappedCredential(id: otherCredential.id, wrappedRootKey: Sample.bytes(90)))
            #expect(await Self.code { _ = try await store.replaceRootKey(foreign) } == .notFound)
            var none = replacement
            none.passkeys = []
            #expect(await Self.code { _ = try await store.replaceRootKey(none) } == .lastCredential)
            var taken = replacement
            taken.recovery.keyID = try #require(try await store.recovery(of: other.id)).keyID
            #expect(await Self.code { _ = try await store.replaceRootKey(taken) } == .duplicate)
            #expect(try await Self.view(store, account.id, sessions: sessions + [fresh]) == begun)

            // Finished: the kept passkeys hold the new root, the third is gone, the recovery
            // enrollment is the new one, every earlier session is revoked, one new session lives.
            let removed = try await store.replaceRootKey(replacement)
            #expect(removed == [third.id])
            var firstAfter = first
            firstAfter.wrappedRootKey = replacement.passkeys[0].wrappedRootKey
            var secondAfter = second
            secondAfter.wrappedRootKey = replacement.passkeys[1].wrappedRootKey
            #expect(
                try await Self.view(store, account.id, sessions: sessions + [fresh])
                    == AccountKeysView(
                        credentials: [firstAfter, secondAfter], recovery: newRecovery,
                        sessions: [nil, nil, nil, fresh], rotation: nil))
            #expect(try await store.recovery(keyID: oldRecovery.keyID) == nil)
            #expect(try await store.credential(id: third.id) == nil)
            // Another account is untouched.
            #expect(try await store.session(tokenHash: otherSession.tokenHash, now: Sample.now) == otherSession)
            #expect(try await store.credentials(of: other.id) == [otherCredential])
            // Done once: finishing again finds no rotation.
            #expect(await Self.code { _ = try await store.replaceRootKey(replacement) } == .notFound)
        }
    }

    @Test(arguments: StoreKind.tested) func recordsAreSealedAgainUnderANewKeyID(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.accountID()
            let (oldKey, newKey) = (Sample.bytes(16), Sample.bytes(16))
            let message = SyncRecord(
                id: .random(), kind: .message, version: 1, envelope: Self.envelope(keyID: oldKey))
            let deleted = SyncRecord(
                id: .random(), kind: .folder, version: 1, envelope: Self.envelope(keyID: oldKey))
            _ = try await store.push([message, deleted], account: account, limits: Self.limits)
            var tombstone = Sample.next(deleted, size: nil)
            tombstone.deletion = Base64Bytes(Self.envelope(keyID: oldKey, RecordEnvelope.minimumByteCount))
            let first = try await store.push([tombstone], account: account, limits: Self.limits)[0]

            // A message's next version under the same key is still refused; under a new key it
            // is the message sealed again, and stored.
            var edited = message
            edited.version = 2
            edited.envelope = Base64Bytes(Self.envelope(keyID: oldKey))
            #expect(try await store.push([edited], account: account, limits: Self.limits)[0].status == .conflict)
            var resealed = edited
            resealed.envelope = Base64Bytes(Self.envelope(keyID: newKey))
            #expect(try await store.push([resealed], account: account, limits: Self.limits)[0].status == .accepted)

            // A deletion's seal under a new key replaces the old seal, under a new sequence, so
            // other devices pull it; another seal under the same key is a retry.
            var sealedAgain = tombstone
            sealedAgain.deletion = Base64Bytes(Self.envelope(keyID: newKey, RecordEnvelope.minimumByteCount))
            let second = try await store.push([sealedAgain], account: account, limits: Self.limits)[0]
            #expect(second.status == .accepted)
            #expect((second.sequence ?? 0) > (first.sequence ?? 0))
            var retry = tombstone
            retry.deletion = Base64Bytes(Self.envelope(keyID: newKey, RecordEnvelope.minimumByteCount))
            let third = try await store.push([retry], account: account, limits: Self.limits)[0]
            #expect(third == PushResult(id: tombstone.id, status: .accepted, sequence: second.sequence, current: nil))

            let pulled = try await Self.pullAll(store, account)
            #expect(pulled.first { $0.id == message.id }?.envelope == resealed.envelope)
            #expect(pulled.first { $0.id == tombstone.id }?.deletion == sealedAgain.deletion)
            #expect(try await store.usage(account: account, limits: Self.limits).records == 1)
        }
    }
}
