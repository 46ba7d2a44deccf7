import Foundation
import Server
import Testing
import Wire

/// One suite, every store: the accounts half of the `ServerStore` contract. The records half
/// and the schema's life are in the extensions beside this file.
@Suite struct StoreConformanceTests {
    typealias Sample = StoreTestData

    static func code(_ body: () async throws -> Void) async -> StoreErrorCode? {
        do {
            try await body()
            return nil
        } catch let error as StoreError {
            return error.code
        } catch {
            Issue.record("expected a StoreError, got \(error)")
            return nil
        }
    }

    @Test(arguments: StoreKind.tested) func createsAndReadsAnAccount(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let account = Sample.account()
            let credential = Sample.credential(of: account.id)
            let recovery = Sample.recovery(of: account.id)
            try await store.createAccount(account, credential: credential, recovery: recovery)
            #expect(try await store.account(account.id) == account)
            #expect(try await store.credential(id: credential.id) == credential)
            #expect(try await store.credentials(of: account.id) == [credential])
            #expect(try await store.recovery(keyID: recovery.keyID) == recovery)
            #expect(try await store.recovery(of: account.id) == recovery)

            let stranger = Sample.accountID()
            #expect(try await store.account(stranger) == nil)
            #expect(try await store.credential(id: Sample.bytes(32)) == nil)
            #expect(try await store.credentials(of: stranger).isEmpty)
            #expect(try await store.recovery(keyID: Sample.bytes(16)) == nil)
            #expect(try await store.recovery(of: stranger) == nil)
        }
    }

    @Test(arguments: StoreKind.tested) func refusesDuplicatesAndStoresNothingOfThem(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, credential) = try await Sample.createAccount(in: store)
            let recovery = try #require(try await store.recovery(of: account.id))

            // The same account id.
            let again = Sample.credential(of: account.id)
            #expect(
                await Self.code {
                    try await store.createAccount(account, credential: again, recovery: Sample.recovery(of: account.id))
                } == .duplicate)
            #expect(try await store.credential(id: again.id) == nil)

            // Another account with a taken credential id, then with a taken recovery key id.
            let other = Sample.account()
            var stolen = Sample.credential(of: other.id)
            stolen.id = credential.id
            #expect(
                await Self.code {
                    try await store.createAccount(other, credential: stolen, recovery: Sample.recovery(of: other.id))
                } == .duplicate)
            var taken = Sample.recovery(of: other.id)
            taken.keyID = recovery.keyID
            #expect(
                await Self.code {
                    try await store.createAccount(other, credential: Sample.credential(of: other.id), recovery: taken)
                } == .duplicate)
            #expect(try await store.account(other.id) == nil)
            #expect(try await store.credential(id: credential.id)?.accountID == account.id)
            #expect(try await store.recovery(keyID: recovery.keyID)?.accountID == account.id)
        }
    }

    @Test(arguments: StoreKind.tested) func addsAndRemovesPasskeysButNeverTheLast(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, first) = try await Sample.createAccount(in: store)
            let (other, otherCredential) = try await Sample.createAccount(in: store)
            #expect(
                await Self.code { try await store.removeCredential(id: first.id, of: account.id) } == .lastCredential)

            let second = Sample.credential(of: account.id, created: Sample.now.addingTimeInterval(60), name: "phone")
            try await store.addCredential(second)
            #expect(try await store.credentials(of: account.id) == [first, second])
            #expect(await Self.code { try await store.addCredential(second) } == .duplicate)
            var foreign = Sample.credential(of: other.id)
            foreign.id = first.id
            #expect(await Self.code { try await store.addCredential(foreign) } == .duplicate)
            #expect(
                await Self.code { try await store.addCredential(Sample.credential(of: Sample.accountID())) }
                    == .notFound)

            // Another account's passkey, or an unknown one, is not this account's to remove.
            #expect(
                await Self.code { try await store.removeCredential(id: otherCredential.id, of: account.id) }
                    == .notFound)
            #expect(
                await Self.code { try await store.removeCredential(id: Sample.bytes(32), of: account.id) } == .notFound)

            // Removing a passkey ends the sessions it opened, and only those.
            let later = Sample.now.addingTimeInterval(3600)
            let byFirst = Sample.session(of: account.id, credential: first.id, expires: later)
            let bySecond = Sample.session(of: account.id, credential: second.id, expires: later)
            let byRecovery = Sample.session(of: account.id, credential: nil, expires: later)
            let byOther = Sample.session(of: other.id, credential: otherCredential.id, expires: later)
            for session in [byFirst, bySecond, byRecovery, byOther] { try await store.insertSession(session) }
            try await store.removeCredential(id: first.id, of: account.id)
            #expect(try await store.credentials(of: account.id) == [second])
            #expect(try await store.credential(id: first.id) == nil)
            #expect(try await store.session(tokenHash: byFirst.tokenHash, now: Sample.now) == nil)
            #expect(try await store.session(tokenHash: bySecond.tokenHash, now: Sample.now) == bySecond)
            #expect(try await store.session(tokenHash: byRecovery.tokenHash, now: Sample.now) == byRecovery)
            #expect(try await store.session(tokenHash: byOther.tokenHash, now: Sample.now) == byOther)
            #expect(
                await Self.code { try await store.removeCredential(id: second.id, of: account.id) } == .lastCredential)
            #expect(try await store.credentials(of: other.id) == [otherCredential])
        }
    }

    @Test(arguments: StoreKind.tested) func concurrentRemovalsKeepOnePasskey(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, first) = try await Sample.createAccount(in: store)
            let second = Sample.credential(of: account.id)
            try await store.addCredential(second)
            let codes = await withTaskGroup(of: StoreErrorCode?.self) { group in
                for id in [first.id, second.id] {
                    group.addTask { await Self.code { try await store.removeCredential(id: id, of: account.id) } }
                }
                return await group.reduce(into: [StoreErrorCode?]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == nil }.count == 1)
            #expect(codes.filter { $0 == .lastCredential }.count == 1)
            #expect(try await store.credentials(of: account.id).count == 1)
        }
    }

    @Test(arguments: StoreKind.tested) func recordsAPasskeysUse(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (_, credential) = try await Sample.createAccount(in: store)
            let used = Sample.now.addingTimeInterval(90)
            try await store.recordUse(ofCredential: credential.id, signCount: 4_000_000_000, at: used)
            let stored = try #require(try await store.credential(id: credential.id))
            #expect(stored.signCount == 4_000_000_000)
            #expect(stored.lastUsedAt == used)
            #expect(
                await Self.code { try await store.recordUse(ofCredential: Sample.bytes(32), signCount: 1, at: used) }
                    == .notFound)
        }
    }

    @Test(arguments: StoreKind.tested) func replacesTheRecoveryEnrollment(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, _) = try await Sample.createAccount(in: store)
            let (other, _) = try await Sample.createAccount(in: store)
            let old = try #require(try await store.recovery(of: account.id))
            var rotated = Sample.recovery(of: account.id)
            rotated.updatedAt = Sample.now.addingTimeInterval(5)
            try await store.setRecovery(rotated)
            #expect(try await store.recovery(of: account.id) == rotated)
            #expect(try await store.recovery(keyID: rotated.keyID) == rotated)
            #expect(try await store.recovery(keyID: old.keyID) == nil)

            var clash = Sample.recovery(of: account.id)
            clash.keyID = try #require(try await store.recovery(of: other.id)).keyID
            #expect(await Self.code { try await store.setRecovery(clash) } == .duplicate)
            #expect(
                await Self.code { try await store.setRecovery(Sample.recovery(of: Sample.accountID())) } == .notFound)
            #expect(try await store.recovery(of: account.id) == rotated)
        }
    }

    @Test(arguments: StoreKind.tested) func challengesAreSingleUseAndExpire(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let live = Sample.challenge(for: Sample.accountID(), expires: Sample.now.addingTimeInterval(300))
            var registration = Sample.challenge(for: nil, expires: Sample.now.addingTimeInterval(300))
            registration.purpose = .registration
            registration.userHandle = Sample.bytes(16)
            let stale = Sample.challenge(for: nil, expires: Sample.now)
            for challenge in [live, registration, stale] { try await store.insertChallenge(challenge) }
            #expect(await Self.code { try await store.insertChallenge(live) } == .duplicate)

            #expect(try await store.takeChallenge(id: live.id, now: Sample.now) == live)
            #expect(try await store.takeChallenge(id: live.id, now: Sample.now) == nil)
            #expect(try await store.takeChallenge(id: registration.id, now: Sample.now) == registration)
            // Expired at its own expiry time, and gone once asked for.
            #expect(try await store.takeChallenge(id: stale.id, now: Sample.now) == nil)
            #expect(try await store.takeChallenge(id: stale.id, now: Sample.now.addingTimeInterval(-60)) == nil)
            #expect(try await store.takeChallenge(id: "unknown", now: Sample.now) == nil)
        }
    }

    @Test(arguments: StoreKind.tested) func concurrentTakersNeverShareAChallenge(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            for _ in 0..<5 {
                let challenge = Sample.challenge(for: nil, expires: Sample.now.addingTimeInterval(300))
                try await store.insertChallenge(challenge)
                let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<8 {
                        group.addTask { try await store.takeChallenge(id: challenge.id, now: Sample.now) != nil }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(taken == 1)
            }
        }
    }

    @Test(arguments: StoreKind.tested) func sessionsExpireAndAreRevoked(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, credential) = try await Sample.createAccount(in: store)
            let expires = Sample.now.addingTimeInterval(30 * 86400)
            let session = Sample.session(of: account.id, credential: credential.id, expires: expires)
            try await store.insertSession(session)
            #expect(try await store.session(tokenHash: session.tokenHash, now: Sample.now) == session)
            #expect(
                try await store.session(tokenHash: session.tokenHash, now: expires.addingTimeInterval(-1)) == session)
            #expect(try await store.session(tokenHash: session.tokenHash, now: expires) == nil)
            #expect(try await store.session(tokenHash: Sample.bytes(32), now: Sample.now) == nil)
            #expect(await Self.code { try await store.insertSession(session) } == .duplicate)
            #expect(
                await Self.code {
                    try await store.insertSession(
                        Sample.session(of: Sample.accountID(), credential: nil, expires: expires))
                } == .notFound)

            try await store.deleteSession(tokenHash: session.tokenHash)
            #expect(try await store.session(tokenHash: session.tokenHash, now: Sample.now) == nil)
            try await store.deleteSession(tokenHash: session.tokenHash)
        }
    }

    @Test(arguments: StoreKind.tested) func revokesEverySessionOfOneAccount(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, credential) = try await Sample.createAccount(in: store)
            let (other, otherCredential) = try await Sample.createAccount(in: store)
            let later = Sample.now.addingTimeInterval(3600)
            let byPasskey = Sample.session(of: account.id, credential: credential.id, expires: later)
            let byPasskeyAgain = Sample.session(of: account.id, credential: credential.id, expires: later)
            let byRecovery = Sample.session(of: account.id, credential: nil, expires: later)
            let byOther = Sample.session(of: other.id, credential: otherCredential.id, expires: later)
            for session in [byPasskey, byPasskeyAgain, byRecovery, byOther] { try await store.insertSession(session) }

            try await store.deleteSessions(of: account.id)
            for session in [byPasskey, byPasskeyAgain, byRecovery] {
                #expect(try await store.session(tokenHash: session.tokenHash, now: Sample.now) == nil)
            }
            #expect(try await store.session(tokenHash: byOther.tokenHash, now: Sample.now) == byOther)
            #expect(try await store.credentials(of: account.id) == [credential])
            // Nothing left to revoke, or an unknown account: no error.
            try await store.deleteSessions(of: account.id)
            try await store.deleteSessions(of: Sample.accountID())
        }
    }

    @Test(arguments: StoreKind.tested) func purgeDropsOnlyWhatExpired(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.store
            let (account, credential) = try await Sample.createAccount(in: store)
            let soon = Sample.now.addingTimeInterval(10)
            let later = Sample.now.addingTimeInterval(1000)
            let oldSession = Sample.session(of: account.id, credential: credential.id, expires: soon)
            let newSession = Sample.session(of: account.id, credential: credential.id, expires: later)
            let oldChallenge = Sample.challenge(for: nil, expires: soon)
            let newChallenge = Sample.challenge(for: nil, expires: later)
            try await store.insertSession(oldSession)
            try await store.insertSession(newSession)
            try await store.insertChallenge(oldChallenge)
            try await store.insertChallenge(newChallenge)

            try await store.purgeExpired(now: soon)
            // Asked at a time before either expired, only the purge explains a miss.
            #expect(try await store.session(tokenHash: oldSession.tokenHash, now: Sample.now) == nil)
            #expect(try await store.session(tokenHash: newSession.tokenHash, now: Sample.now) == newSession)
            #expect(try await store.takeChallenge(id: oldChallenge.id, now: Sample.now) == nil)
            #expect(try await store.takeChallenge(id: newChallenge.id, now: Sample.now) == newChallenge)
        }
    }
}
