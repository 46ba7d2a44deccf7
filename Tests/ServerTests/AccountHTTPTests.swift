import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// The account and record endpoints over real HTTP on a loopback port: JSON bodies, bearer
/// tokens, status codes and headers, and what the server logs.
@Suite(.serialized) struct AccountHTTPTests {
    let logs = LogCapture()
    let store = InMemoryServerStore()

    func start() async throws -> LiveServer {
        let accounts = AccountService(store: store, logger: logs.logger())
        let records = RecordService(store: store, sessions: accounts, logger: logs.logger())
        return try await LiveServer.start(
            gateway: try LiveServer.makeGateway(backend: ScriptedBackend(), logger: logs.logger()),
            accounts: AccountEndpoints(accounts: accounts, records: records), logger: logs.logger())
    }

    func register(
        _ server: LiveServer, _ authenticator: TestAuthenticator, _ recovery: TestRecoveryKey
    ) async throws
        -> (SessionResponse, PasskeyEnrollment)
    {
        let begin = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/register/begin", json: VersionOnlyRequest())
        #expect(begin.status == 200)
        #expect(begin.headers["cache-control"] == "no-store")
        let options = try begin.decode(RegistrationBeginResponse.self)
        let passkey = AccountHarness.enrollment(authenticator.register(options.options))
        let finish = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/register/finish",
            json: RegistrationFinishRequest(
                challengeID: options.challengeID, passkey: passkey, recovery: recovery.enrollment))
        #expect(finish.status == 200, "\(finish.text)")
        return (try finish.decode(SessionResponse.self), passkey)
    }

    func login(
        _ server: LiveServer, _ authenticator: TestAuthenticator, tamper: TestAuthenticator.Tamper = .init()
    )
        async throws -> LoopbackHTTP.Answer
    {
        let begin = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/login/begin", json: LoginBeginRequest())
        let options = try begin.decode(LoginBeginResponse.self)
        return try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/login/finish",
            json: LoginFinishRequest(
                challengeID: options.challengeID, credential: authenticator.assert(options.options, tamper: tamper)))
    }

    /// Issue 21, item 14: versions past what the stores hold (2^63 and 2^64 − 1) come through
    /// the JSON intact, and the refusal names the version sent.
    @Test func versionsPastTheSignedRangeAreNamedInTheRefusal() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let (registered, _) = try await register(server, TestAuthenticator(), TestRecoveryKey())
        let marker: UInt64 = 424_242
        let record = SyncRecord(
            id: .random(), kind: .message, version: marker, envelope: RecordServiceTests.envelope(paddedBytes: 1024))
        let template = String(decoding: try JSONEncoder().encode(PushRequest(records: [record])), as: UTF8.self)
        #expect(template.contains("\(marker)"))
        for version in ["9223372036854775808", "18446744073709551615"] {
            let body = template.replacingOccurrences(of: "\(marker)", with: version)
            let push = try await LoopbackHTTP.send(
                .POST, server.url + "/v1/records/push", body: Array(body.utf8), bearer: registered.session.token)
            #expect(push.status == 400)
            #expect(push.text.contains("has version \(version)"), "\(push.text)")
            #expect(!push.text.contains("version 0"))
        }
    }

    @Test func registerLoginPushPullOverHTTP() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let health = try await LoopbackHTTP.send(.GET, server.url + "/healthz")
        #expect(health.text.contains(#""accounts":true"#))

        let authenticator = TestAuthenticator()
        let recovery = TestRecoveryKey()
        let (registered, passkey) = try await register(server, authenticator, recovery)
        let answer = try await login(server, authenticator)
        #expect(answer.status == 200)
        let login = try answer.decode(SessionResponse.self)
        #expect(login.wrappedRootKey == passkey.wrappedRootKey)
        #expect(login.session.accountID == registered.session.accountID)
        let token = login.session.token

        let summary = try await LoopbackHTTP.send(.GET, server.url + "/v1/account", bearer: token)
        #expect(summary.status == 200)
        #expect(try summary.decode(AccountSummary.self).passkeys.count == 1)

        let record = SyncRecord(
            id: .random(), kind: .message, version: 1, envelope: RecordServiceTests.envelope(paddedBytes: 1024))
        let push = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/records/push", json: PushRequest(records: [record]), bearer: token)
        #expect(push.status == 200, "\(push.text)")
        #expect(try push.decode(PushResponse.self).results.first?.status == .accepted)
        let pull = try await LoopbackHTTP.send(.GET, server.url + "/v1/records?after=0&limit=10", bearer: token)
        #expect(pull.status == 200)
        let page = try pull.decode(PullResponse.self)
        #expect(page.records.map(\.id) == [record.id])
        #expect(page.records.first?.envelope == record.envelope)
        #expect(page.cursor == 1 && !page.more)
        let badQuery = try await LoopbackHTTP.send(.GET, server.url + "/v1/records?after=soon", bearer: token)
        #expect(badQuery.status == 400)
        #expect(try badQuery.decode(ErrorBody.self).code == "SOTTO-SYNC-BAD-REQUEST")

        // Passkey management and the recovery key over HTTP, each change confirmed by a passkey.
        func confirmation(
            _ operation: ConfirmedOperation, by passkey: TestAuthenticator
        ) async throws
            -> AccountConfirmation
        {
            let begin = try await LoopbackHTTP.send(
                .POST, server.url + "/v1/account/confirm/begin", json: ConfirmBeginRequest(operation: operation),
                bearer: token)
            #expect(begin.status == 200, "\(begin.text)")
            let options = try begin.decode(ConfirmBeginResponse.self)
            return AccountConfirmation(challengeID: options.challengeID, credential: passkey.assert(options.options))
        }
        let second = TestAuthenticator()
        let addBegin = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/account/passkeys/begin", body: [], bearer: token)
        #expect(addBegin.status == 200, "\(addBegin.text)")
        let addOptions = try addBegin.decode(RegistrationBeginResponse.self)
        let added = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/account/passkeys/finish",
            json: PasskeyAddRequest(
                challengeID: addOptions.challengeID,
                passkey: AccountHarness.enrollment(second.register(addOptions.options)),
                confirmation: try await confirmation(
                    .addPasskey(registrationChallengeID: addOptions.challengeID, credentialID: second.credentialID),
                    by: authenticator)),
            bearer: token)
        #expect(try added.decode(AccountSummary.self).passkeys.count == 2)
        // The token alone removes nothing: the DELETE needs its confirmation as its body.
        let secondPath = server.url + "/v1/account/passkeys/" + Base64URL.encode(second.credentialID)
        let unconfirmed = try await LoopbackHTTP.send(.DELETE, secondPath, bearer: token)
        #expect(unconfirmed.status == 403)
        #expect(try unconfirmed.decode(ErrorBody.self).code == "SOTTO-AUTH-CONFIRMATION")
        let removed = try await LoopbackHTTP.send(
            .DELETE, secondPath,
            json: PasskeyRemoveRequest(
                confirmation: try await confirmation(.removePasskey(credentialID: second.credentialID), by: second)),
            bearer: token)
        #expect(try removed.decode(AccountSummary.self).passkeys.count == 1, "\(removed.text)")
        let last = try await LoopbackHTTP.send(
            .DELETE, server.url + "/v1/account/passkeys/" + Base64URL.encode(authenticator.credentialID),
            json: PasskeyRemoveRequest(
                confirmation: try await confirmation(
                    .removePasskey(credentialID: authenticator.credentialID), by: authenticator)),
            bearer: token)
        #expect(last.status == 409)
        #expect(try last.decode(ErrorBody.self).code == "SOTTO-AUTH-LAST-PASSKEY")
        let newRecovery = TestRecoveryKey()
        let rotated = try await LoopbackHTTP.send(
            .PUT, server.url + "/v1/account/recovery",
            json: RecoveryRotateRequest(
                recovery: newRecovery.enrollment,
                confirmation: try await confirmation(.replaceRecovery(newRecovery.enrollment), by: authenticator)),
            bearer: token)
        #expect(rotated.status == 200, "\(rotated.text)")
        let recoverBegin = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/recover/begin",
            json: RecoveryBeginRequest(keyID: Base64Bytes(newRecovery.keyID)))
        let challenge = try recoverBegin.decode(RecoveryBeginResponse.self)
        let recovered = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/recover/finish",
            json: RecoveryFinishRequest(
                challengeID: challenge.challengeID, signature: Base64Bytes(newRecovery.sign(challenge))))
        #expect(recovered.status == 200, "\(recovered.text)")
        #expect(try recovered.decode(SessionResponse.self).wrappedRootKey?.bytes == newRecovery.wrappedRootKey)

        let logout = try await LoopbackHTTP.send(.POST, server.url + "/v1/account/logout", body: [], bearer: token)
        #expect(logout.status == 204)
        let after = try await LoopbackHTTP.send(.GET, server.url + "/v1/account", bearer: token)
        #expect(after.status == 401)
    }

    @Test func missingOrInvalidBearerIs401() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let random = Base64URL.encode(SecureRandom.bytes(32))
        for bearer in [nil, random, "not-a-token"] {
            for (isGet, path) in [
                (true, "/v1/account"), (true, "/v1/records"), (false, "/v1/records/push"),
                (false, "/v1/account/logout"), (false, "/v1/account/passkeys/begin"),
            ] {
                let answer = try await LoopbackHTTP.send(
                    isGet ? .GET : .POST, server.url + path, body: isGet ? nil : Array("{}".utf8), bearer: bearer)
                #expect(answer.status == 401, "\(path)")
                #expect(try answer.decode(ErrorBody.self).code == "SOTTO-AUTH-SESSION")
            }
        }
        let garbage = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/login/finish", body: Array("{".utf8))
        #expect(garbage.status == 400)
        #expect(try garbage.decode(ErrorBody.self).code == "SOTTO-AUTH-BAD-REQUEST")
        let huge = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/accounts/register/finish", body: [UInt8](repeating: 0x20, count: 100_000))
        #expect(huge.status == 413)
    }

    /// Records near the largest envelope still sync, page by page: each page stays within the
    /// server's byte budget and the client follows `more` and the cursor.
    @Test func largeRecordsArePulledInPagesCappedInBytes() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let (registered, _) = try await register(server, TestAuthenticator(), TestRecoveryKey())
        let token = registered.session.token
        let limits = StoreLimits()
        // The largest bucket whose envelope fits the 4 MiB limit.
        let padded = (limits.maximumEnvelopeBytes - RecordEnvelope.headerByteCount - 16) / 65536 * 65536
        let records = (0..<5).map { _ in
            SyncRecord(
                id: .random(), kind: .message, version: 1, envelope: RecordServiceTests.envelope(paddedBytes: padded))
        }
        #expect(records[0].envelope!.bytes.count > limits.maximumEnvelopeBytes - 65536)
        for batch in [records[0..<2], records[2..<4], records[4..<5]] {
            let push = try await LoopbackHTTP.send(
                .POST, server.url + "/v1/records/push", json: PushRequest(records: Array(batch)), bearer: token)
            #expect(push.status == 200, "\(push.text.prefix(300))")
        }
        var cursor: Int64 = 0
        var pages: [[RecordID]] = []
        while pages.count < 10 {
            let pull = try await LoopbackHTTP.send(
                .GET, server.url + "/v1/records?after=\(cursor)&limit=1000", bearer: token)
            #expect(pull.status == 200)
            let page = try pull.decode(PullResponse.self)
            #expect(!page.records.isEmpty)
            #expect(page.records.reduce(0) { $0 + ($1.envelope?.bytes.count ?? 0) } <= limits.maximumPageBytes)
            pages.append(page.records.map(\.id))
            cursor = page.cursor
            if !page.more { break }
        }
        #expect(pages == [[records[0].id, records[1].id], [records[2].id, records[3].id], [records[4].id]])
    }

    @Test func rateLimitAnswers429WithRetryAfter() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let authenticator = TestAuthenticator()
        _ = try await register(server, authenticator, TestRecoveryKey())
        var corrupt = TestAuthenticator.Tamper()
        corrupt.corruptSignature = true
        for _ in 0..<10 {
            let answer = try await login(server, authenticator, tamper: corrupt)
            #expect(answer.status == 401)
            #expect(try answer.decode(ErrorBody.self).code == "SOTTO-AUTH-VERIFY")
        }
        let limited = try await login(server, authenticator)
        #expect(limited.status == 429)
        #expect(try limited.decode(ErrorBody.self).code == "SOTTO-AUTH-RATE-LIMITED")
        #expect(Int(limited.headers["retry-after"] ?? "").map { (1...300).contains($0) } == true)
    }

    @Test func tokensWrappedKeysAndEnvelopesNeverReachTheLog() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let authenticator = TestAuthenticator()
        let recovery = TestRecoveryKey()
        let (registered, passkey) = try await register(server, authenticator, recovery)
        let login = try (try await login(server, authenticator)).decode(SessionResponse.self)
        let envelope = RecordServiceTests.envelope()
        _ = try await LoopbackHTTP.send(
            .POST, server.url + "/v1/records/push",
            json: PushRequest(records: [SyncRecord(id: .random(), kind: .folder, version: 1, envelope: envelope)]),
            bearer: login.session.token)
        _ = try await LoopbackHTTP.send(.GET, server.url + "/v1/records", bearer: login.session.token)
        // A refused call with a token in it.
        _ = try await LoopbackHTTP.send(.GET, server.url + "/v1/account", bearer: registered.session.token + "x")
        let text = logs.text
        #expect(text.contains("passkey login") && text.contains("push"))
        for canary in [
            registered.session.token, login.session.token, Base64URL.encode(passkey.wrappedRootKey.bytes),
            Data(passkey.wrappedRootKey.bytes).base64EncodedString(),
            Data(recovery.wrappedRootKey).base64EncodedString(),
            Data(envelope).base64EncodedString(), Hex.encode(envelope.prefix(32)),
        ] {
            #expect(!text.contains(canary))
        }
    }
}
