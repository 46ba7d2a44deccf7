import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// Registration and login through the account service (no HTTP), with real WebAuthn ceremonies
/// from a test authenticator: what verifies, what is refused and with which code.
@Suite struct AccountServiceTests {
    let harness = AccountHarness()

    @Test func registerThenLoginThenSummary() async throws {
        let authenticator = TestAuthenticator()
        let recovery = TestRecoveryKey()
        let (registered, begin, passkey) = try await harness.register(authenticator, recovery: recovery)
        let options = begin.options
        #expect(begin.accountID.rawValue.count == 32 && begin.accountID.rawValue.allSatisfy(\.isHexDigit))
        #expect(options.rp.id == "localhost")
        #expect(try Base64URL.decode(options.user.id).count == 16)
        #expect(try Base64URL.decode(options.challenge).count == 32)
        #expect(options.pubKeyCredParams.map(\.alg) == [-7, -8])
        #expect(options.authenticatorSelection?.userVerification == "required")
        #expect(options.attestation == "none")
        #expect(registered.session.accountID == begin.accountID)
        #expect(registered.session.credentialID == Base64URL.encode(authenticator.credentialID))
        #expect(try Base64URL.decode(registered.session.token).count == 32)
        #expect(registered.session.expiresAt == Int64(harness.clock.now.timeIntervalSince1970) + 30 * 24 * 3600)

        let login = try await harness.login(authenticator)
        #expect(login.session.accountID == begin.accountID)
        #expect(login.wrappedRootKey == passkey.wrappedRootKey)
        #expect(login.passkeyKind == "software-passkey")
        #expect(!login.signCountRegressed)
        #expect(login.session.token != registered.session.token)

        let summary = try await harness.service.summary(try await harness.session(login))
        #expect(summary.accountID == begin.accountID)
        #expect(summary.passkeys.count == 1)
        #expect(summary.passkeys.first?.credentialID == Base64URL.encode(authenticator.credentialID))
        #expect(summary.passkeys.first?.signCount == 1)
        #expect(summary.passkeys.first?.lastUsedAt == Int64(harness.clock.now.timeIntervalSince1970))
        #expect(summary.recoveryUpdatedAt == Int64(harness.clock.now.timeIntervalSince1970))
        #expect(summary.sessionCredentialID == Base64URL.encode(authenticator.credentialID))
        // The session token is stored hashed: the store never holds it.
        let stored = try await harness.store.session(
            tokenHash: HashFunction.sha256.hash(try Base64URL.decode(login.session.token)), now: harness.clock.now)
        #expect(stored?.accountID == begin.accountID)
    }

    @Test func edDSAPasskeysWorkToo() async throws {
        let authenticator = TestAuthenticator(algorithm: .eddsa)
        _ = try await harness.register(authenticator)
        let login = try await harness.login(authenticator)
        #expect(!login.signCountRegressed)
    }

    @Test func loginOptionsListTheAllowedCredentials() async throws {
        let id = Base64URL.encode(SecureRandom.bytes(16))
        let begin = try await harness.service.loginBegin(LoginBeginRequest(credentialIDs: [id]))
        #expect(begin.options.allowCredentials?.map(\.id) == [id])
        #expect(begin.options.userVerification == "required")
        #expect(begin.options.rpId == "localhost")
        let bad = await refusal { try await harness.service.loginBegin(LoginBeginRequest(credentialIDs: ["+/="])) }
        #expect(bad?.code.rawValue == "SOTTO-AUTH-BAD-REQUEST")
    }

    @Test func aChallengeIsUsedOnce() async throws {
        let authenticator = TestAuthenticator()
        let (_, begin, passkey) = try await harness.register(authenticator)
        let again = await refusal {
            try await harness.service.registerFinish(
                RegistrationFinishRequest(
                    challengeID: begin.challengeID, passkey: passkey, recovery: TestRecoveryKey().enrollment),
                client: nil)
        }
        #expect(again?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
        #expect(again?.status == 400)

        let login = try await harness.service.loginBegin(LoginBeginRequest())
        let assertion = authenticator.assert(login.options)
        var corrupt = TestAuthenticator.Tamper()
        corrupt.corruptSignature = true
        // A failed attempt spends the challenge too.
        let wrong = await refusal {
            try await harness.service.loginFinish(
                LoginFinishRequest(
                    challengeID: login.challengeID, credential: authenticator.assert(login.options, tamper: corrupt)),
                client: nil)
        }
        #expect(wrong?.code.rawValue == "SOTTO-AUTH-VERIFY")
        let replay = await refusal {
            try await harness.service.loginFinish(
                LoginFinishRequest(challengeID: login.challengeID, credential: assertion), client: nil)
        }
        #expect(replay?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
    }

    @Test func concurrentFinishesShareNoChallenge() async throws {
        let authenticator = TestAuthenticator()
        _ = try await harness.register(authenticator)
        let begin = try await harness.service.loginBegin(LoginBeginRequest())
        let request = LoginFinishRequest(
            challengeID: begin.challengeID, credential: authenticator.assert(begin.options))
        let service = harness.service
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        _ = try await service.loginFinish(request, client: nil)
                        return "ok"
                    } catch {
                        return (error as? ServiceError)?.code.rawValue ?? "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "ok" }.count == 1)
        #expect(outcomes.filter { $0 == "SOTTO-AUTH-CHALLENGE" }.count == 7)
    }

    @Test func aChallengeExpiresAfterFiveMinutes() async throws {
        let authenticator = TestAuthenticator()
        _ = try await harness.register(authenticator)
        let begin = try await harness.service.loginBegin(LoginBeginRequest())
        harness.clock.advance(5 * 60 + 1)
        let late = await refusal {
            try await harness.service.loginFinish(
                LoginFinishRequest(challengeID: begin.challengeID, credential: authenticator.assert(begin.options)),
                client: nil)
        }
        #expect(late?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
        // Within the lifetime it works.
        let next = try await harness.service.loginBegin(LoginBeginRequest())
        harness.clock.advance(4 * 60)
        _ = try await harness.service.loginFinish(
            LoginFinishRequest(challengeID: next.challengeID, credential: authenticator.assert(next.options)),
            client: nil)
    }

    @Test func aChallengeServesOnlyItsCeremony() async throws {
        let authenticator = TestAuthenticator()
        let login = try await harness.service.loginBegin(LoginBeginRequest())
        // A login challenge cannot finish a registration...
        let asRegistration = await refusal {
            let fake = try await harness.service.registerBegin(VersionOnlyRequest())
            return try await harness.service.registerFinish(
                RegistrationFinishRequest(
                    challengeID: login.challengeID,
                    passkey: AccountHarness.enrollment(authenticator.register(fake.options)),
                    recovery: TestRecoveryKey().enrollment), client: nil)
        }
        #expect(asRegistration?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
        // ...and a registration challenge cannot finish a login.
        _ = try await harness.register(authenticator)
        let registration = try await harness.service.registerBegin(VersionOnlyRequest())
        let asLogin = await refusal {
            try await harness.service.loginFinish(
                LoginFinishRequest(
                    challengeID: registration.challengeID,
                    credential: authenticator.assert(
                        try await harness.service.loginBegin(LoginBeginRequest()).options)), client: nil)
        }
        #expect(asLogin?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
    }

    @Test(arguments: [
        "origin", "rp-id", "no-uv", "signature", "type",
    ])
    func tamperedAssertionsAreRefused(_ what: String) async throws {
        let authenticator = TestAuthenticator()
        _ = try await harness.register(authenticator)
        var tamper = TestAuthenticator.Tamper()
        switch what {
        case "origin": tamper.origin = "https://evil.example"
        case "rp-id": tamper.rpID = "evil.example"
        case "no-uv": tamper.userVerified = false
        case "signature": tamper.corruptSignature = true
        default: tamper.clientDataType = "webauthn.create"
        }
        let error = await refusal { try await harness.login(authenticator, tamper: tamper) }
        #expect(error?.code.rawValue == "SOTTO-AUTH-VERIFY")
        #expect(error?.status == 401)
        // The message names the check that failed.
        let check = [
            "origin": "ORIGIN", "rp-id": "RP-ID", "no-uv": "USER-VERIFIED", "signature": "SIGNATURE", "type": "TYPE",
        ][what]!
        #expect(error?.message.contains("SOTTO-WEBAUTHN-\(check)") == true, "\(error?.message ?? "")")
    }

    @Test(arguments: ["origin", "rp-id", "no-uv"])
    func tamperedRegistrationsAreRefused(_ what: String) async throws {
        var tamper = TestAuthenticator.Tamper()
        switch what {
        case "origin": tamper.origin = "https://localhost:8443"
        case "rp-id": tamper.rpID = "example.org"
        default: tamper.userVerified = false
        }
        let begin = try await harness.service.registerBegin(VersionOnlyRequest())
        let error = await refusal {
            try await harness.service.registerFinish(
                RegistrationFinishRequest(
                    challengeID: begin.challengeID,
                    passkey: AccountHarness.enrollment(TestAuthenticator().register(begin.options, tamper: tamper)),
                    recovery: TestRecoveryKey().enrollment), client: nil)
        }
        #expect(error?.code.rawValue == "SOTTO-AUTH-VERIFY")
        let check = ["origin": "ORIGIN", "rp-id": "RP-ID", "no-uv": "USER-VERIFIED"][what]!
        #expect(error?.message.contains("SOTTO-WEBAUTHN-\(check)") == true, "\(error?.message ?? "")")
        #expect(try await harness.store.account(begin.accountID) == nil)
    }

    @Test func aServerWithAnotherRPIDRefusesTheCeremony() async throws {
        let other = AccountHarness(rpID: "sotto.example")
        let begin = try await other.service.registerBegin(VersionOnlyRequest())
        #expect(begin.options.rp.id == "sotto.example")
        // The authenticator answers for localhost, with origin https://localhost.
        let error = await refusal {
            try await other.service.registerFinish(
                RegistrationFinishRequest(
                    challengeID: begin.challengeID,
                    passkey: AccountHarness.enrollment(TestAuthenticator().register(begin.options)),
                    recovery: TestRecoveryKey().enrollment), client: nil)
        }
        #expect(error?.code.rawValue == "SOTTO-AUTH-VERIFY")
        _ = try await other.register(TestAuthenticator(rpID: "sotto.example"))
    }

    @Test func anUnknownCredentialIsNamedAsSuch() async throws {
        let error = await refusal { try await harness.login(TestAuthenticator()) }
        #expect(error?.code.rawValue == "SOTTO-AUTH-UNKNOWN-CREDENTIAL")
        #expect(error?.status == 401)
    }

    @Test func aCredentialRegistersOnce() async throws {
        let authenticator = TestAuthenticator()
        _ = try await harness.register(authenticator)
        let error = await refusal { try await harness.register(authenticator) }
        #expect(error?.code.rawValue == "SOTTO-AUTH-DUPLICATE")
        #expect(error?.status == 409)
    }

    @Test func aCounterThatGoesBackIsFlaggedAndLogged() async throws {
        let authenticator = TestAuthenticator()
        _ = try await harness.register(authenticator)
        _ = try await harness.login(authenticator)
        _ = try await harness.login(authenticator)
        var tamper = TestAuthenticator.Tamper()
        tamper.signCount = 1
        let clone = try await harness.login(authenticator, tamper: tamper)
        #expect(clone.signCountRegressed)
        #expect(harness.logs.text.contains("went backwards"))
        let summary = try await harness.service.summary(try await harness.session(clone))
        #expect(summary.passkeys.first?.signCount == 2)
    }

    @Test func malformedEnrollmentsAreBadRequests() async throws {
        let begin = try await harness.service.registerBegin(VersionOnlyRequest())
        let good = AccountHarness.enrollment(TestAuthenticator().register(begin.options))
        var shortKey = good
        shortKey.wrappedRootKey = Base64Bytes([1, 2, 3])
        var badKind = good
        badKind.kind = "phone"
        var recovery = TestRecoveryKey().enrollment
        recovery.keyID = Base64Bytes([1, 2, 3, 4, 5])
        var request = RegistrationFinishRequest(
            challengeID: begin.challengeID, passkey: good, recovery: TestRecoveryKey().enrollment)
        request.version = 2
        for bad in [
            RegistrationFinishRequest(
                challengeID: begin.challengeID, passkey: shortKey, recovery: TestRecoveryKey().enrollment),
            RegistrationFinishRequest(
                challengeID: begin.challengeID, passkey: badKind, recovery: TestRecoveryKey().enrollment),
            RegistrationFinishRequest(challengeID: begin.challengeID, passkey: good, recovery: recovery), request,
        ] {
            let error = await refusal { try await harness.service.registerFinish(bad, client: nil) }
            #expect(error?.code.rawValue == "SOTTO-AUTH-BAD-REQUEST")
        }
        // The refusals above did not spend the challenge.
        _ = try await harness.service.registerFinish(
            RegistrationFinishRequest(
                challengeID: begin.challengeID, passkey: good, recovery: TestRecoveryKey().enrollment),
            client: nil)
    }
}
