import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// Push and pull through the record service: shapes checked, limits mapped to their codes,
/// and each session confined to its own account.
@Suite struct RecordServiceTests {
    /// Bytes shaped like a record envelope of the smallest bucket (random inside: the server
    /// never opens one).
    static func envelope(paddedBytes: Int = 256) -> [UInt8] {
        [RecordEnvelope.currentFormatVersion]
            + SecureRandom.bytes(RecordEnvelope.headerByteCount - 1 + paddedBytes + 16)
    }

    static func record(_ id: RecordID = .random(), version: UInt64 = 1, envelope: [UInt8]? = envelope()) -> SyncRecord {
        SyncRecord(id: id, kind: .conversation, version: version, envelope: envelope)
    }

    func signedIn(_ harness: AccountHarness) async throws -> String {
        "Bearer \(try await harness.register(TestAuthenticator()).session.session.token)"
    }

    @Test func pushThenPull() async throws {
        let harness = AccountHarness()
        let bearer = try await signedIn(harness)
        let records = (0..<3).map { _ in Self.record() }
        let pushed = try await harness.records.push(PushRequest(records: records), authorization: bearer)
        #expect(pushed.results.map(\.status) == [.accepted, .accepted, .accepted])
        #expect(pushed.results.map(\.sequence) == [1, 2, 3])
        #expect(pushed.usage.records == 3)
        #expect(pushed.usage.bytes == Int64(records.reduce(0) { $0 + ($1.envelope?.bytes.count ?? 0) }))

        let page = try await harness.records.pull(after: 0, limit: 2, authorization: bearer)
        #expect(page.records.map(\.id) == records.prefix(2).map(\.id))
        #expect(page.records.first?.envelope == records.first?.envelope)
        #expect(page.more && page.cursor == 2)
        let rest = try await harness.records.pull(after: page.cursor, limit: nil, authorization: bearer)
        #expect(rest.records.map(\.id) == [records[2].id])
        #expect(!rest.more && rest.cursor == 3)

        // A stale version is a conflict carrying the server's copy; a tombstone follows.
        var stale = records[0]
        stale.envelope = Base64Bytes(Self.envelope())
        let conflict = try await harness.records.push(PushRequest(records: [stale]), authorization: bearer)
        #expect(conflict.results.first?.status == .conflict)
        #expect(conflict.results.first?.current?.envelope == records[0].envelope)
        let deleted = try await harness.records.push(
            PushRequest(records: [Self.record(records[0].id, version: 2, envelope: nil)]), authorization: bearer)
        #expect(deleted.results.first?.sequence == 4)
        #expect(deleted.usage.records == 2)
    }

    @Test func malformedPushesAreBadRequests() async throws {
        let harness = AccountHarness()
        let bearer = try await signedIn(harness)
        var newer = Self.envelope()
        newer[0] = 2
        let bad: [[SyncRecord]] = [
            [Self.record(envelope: [1, 2, 3])],
            [Self.record(envelope: Array(Self.envelope().dropLast()))],
            [Self.record(envelope: newer)],
            [Self.record(version: 0)],
            (0...PushRequest.maximumRecords).map { _ in Self.record(envelope: nil) },
        ]
        for records in bad {
            let error = await refusal {
                try await harness.records.push(PushRequest(records: records), authorization: bearer)
            }
            #expect(error?.code.rawValue == "SOTTO-SYNC-BAD-REQUEST")
            #expect(error?.status == 400)
        }
        var wrongVersion = PushRequest(records: [Self.record()])
        wrongVersion.version = 7
        let version = await refusal { try await harness.records.push(wrongVersion, authorization: bearer) }
        #expect(version?.code.rawValue == "SOTTO-SYNC-BAD-REQUEST")
        for (after, limit) in [(Int64(-1), 10), (0, 0), (0, PullResponse.maximumLimit + 1)] {
            let error = await refusal {
                try await harness.records.pull(after: after, limit: limit, authorization: bearer)
            }
            #expect(error?.code.rawValue == "SOTTO-SYNC-BAD-REQUEST")
        }
        #expect(try await harness.records.pull(after: 0, limit: nil, authorization: bearer).records.isEmpty)
    }

    @Test func aDeletionSealIsOneSmallEnvelopeOnATombstoneOnly() async throws {
        let harness = AccountHarness()
        let bearer = try await signedIn(harness)
        let live = Self.record()
        _ = try await harness.records.push(PushRequest(records: [live]), authorization: bearer)
        func tombstone(_ seal: [UInt8]?, envelope: [UInt8]? = nil) -> SyncRecord {
            SyncRecord(id: live.id, kind: .conversation, version: 2, envelope: envelope, deletion: seal)
        }
        // A seal rides outside the quota, so nothing but the smallest envelope may.
        for bad in [
            tombstone(Self.envelope(paddedBytes: 1024)), tombstone([1, 2, 3]),
            tombstone(Self.envelope(), envelope: Self.envelope()),
        ] {
            let error = await refusal {
                try await harness.records.push(PushRequest(records: [bad]), authorization: bearer)
            }
            #expect(error?.code.rawValue == "SOTTO-SYNC-BAD-REQUEST")
        }
        let sealed = tombstone(Self.envelope())
        let pushed = try await harness.records.push(PushRequest(records: [sealed]), authorization: bearer)
        #expect(pushed.results.map(\.status) == [.accepted])
        let pulled = try await harness.records.pull(after: 0, limit: nil, authorization: bearer)
        #expect(pulled.records.map(\.deletion) == [sealed.deletion])
    }

    @Test func limitsMapToTooLargeAndQuota() async throws {
        let harness = AccountHarness(
            limits: StoreLimits(maximumEnvelopeBytes: 2048, maximumRecords: 2, maximumBytes: 1 << 20))
        let bearer = try await signedIn(harness)
        let big = await refusal {
            try await harness.records.push(
                PushRequest(records: [Self.record(envelope: Self.envelope(paddedBytes: 4096))]), authorization: bearer)
        }
        #expect(big?.code.rawValue == "SOTTO-STORE-RECORD-TOO-LARGE")
        #expect(big?.status == 413)
        let quota = await refusal {
            try await harness.records.push(
                PushRequest(records: (0..<3).map { _ in Self.record() }), authorization: bearer)
        }
        #expect(quota?.code.rawValue == "SOTTO-STORE-QUOTA")
        #expect(quota?.status == 507)
        // Nothing of the refused push was stored.
        #expect(try await harness.records.pull(after: 0, limit: nil, authorization: bearer).records.isEmpty)
    }

    @Test func anAccountSeesOnlyItsOwnRecords() async throws {
        let harness = AccountHarness()
        let alice = try await signedIn(harness)
        let bob = try await signedIn(harness)
        let shared = RecordID.random()
        let mine = Self.record(shared)
        _ = try await harness.records.push(PushRequest(records: [mine]), authorization: alice)
        #expect(try await harness.records.pull(after: 0, limit: nil, authorization: bob).records.isEmpty)
        // The same id in Bob's account is Bob's own record, and changes nothing of Alice's.
        let his = Self.record(shared)
        let pushed = try await harness.records.push(PushRequest(records: [his]), authorization: bob)
        #expect(pushed.results.first?.status == .accepted)
        #expect(pushed.usage.records == 1)
        let alicePage = try await harness.records.pull(after: 0, limit: nil, authorization: alice)
        #expect(alicePage.records.map(\.envelope) == [mine.envelope])
        let bobPage = try await harness.records.pull(after: 0, limit: nil, authorization: bob)
        #expect(bobPage.records.map(\.envelope) == [his.envelope])
    }

    @Test func everyCallNeedsASession() async throws {
        let harness = AccountHarness()
        for header in [nil, "Bearer \(Base64URL.encode(SecureRandom.bytes(32)))"] {
            let push = await refusal {
                try await harness.records.push(PushRequest(records: [Self.record()]), authorization: header)
            }
            #expect(push?.code.rawValue == "SOTTO-AUTH-SESSION")
            let pull = await refusal { try await harness.records.pull(after: 0, limit: nil, authorization: header) }
            #expect(pull?.status == 401)
        }
    }
}
