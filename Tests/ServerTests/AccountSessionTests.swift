import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// What a session may do (passkeys, recovery rotation, logout), the recovery key, session
/// lifetimes and the failure rate limit, through the account service.
@Suite struct AccountSessionTests {
    let harness = AccountHarness()

    @Test func passkeysAreAddedAndRemovedButNeverTheLast() async throws {
        let first = TestAuthenticator()
        let second = TestAuthenticator(algorithm: .eddsa)
        let (registered, begin, _) = try await harness.register(first)
        let firstSession = try await harness.session(registered)
        // Passkeys are listed oldest first.
        harness.clock.advance(1)
        let summary = try await harness.addPasskey(second, session: firstSession, confirmedBy: .passkey(first))
        #expect(summary.passkeys.map(\.credentialID) == [first, second].map { Base64URL.encode($0.credentialID) })
        #expect(summary.passkeys.last?.name == "second")

        let viaSecond = try await harness.login(second)
        #expect(viaSecond.session.accountID == begin.accountID)
        let secondSession = try await harness.session(viaSecond)
        let firstLogin = try await harness.login(first)

        let after = try await harness.removePasskey(
            first.credentialID, session: secondSession, confirmedBy: .passkey(second))
        #expect(after.passkeys.count == 1)
        // Its sessions are revoked, and it can no longer log in.
        for token in [registered.session.token, firstLogin.session.token] {
            let revoked = await refusal { try await harness.service.authenticate(authorization: "Bearer \(token)") }
            #expect(revoked?.code.rawValue == "SOTTO-AUTH-SESSION")
        }
        let gone = await refusal { try await harness.login(first) }
        #expect(gone?.code.rawValue == "SOTTO-AUTH-UNKNOWN-CREDENTIAL")

        let last = await refusal {
            try await harness.removePasskey(second.credentialID, session: secondSession, confirmedBy: .passkey(second))
        }
        #expect(last?.code.rawValue == "SOTTO-AUTH-LAST-PASSKEY")
        #expect(last?.status == 409)
        let unknown = await refusal {
            try await harness.removePasskey(first.credentialID, session: secondSession, confirmedBy: .passkey(second))
        }
        #expect(unknown?.code.rawValue == "SOTTO-AUTH-UNKNOWN-CREDENTIAL")
    }

    @Test func anAddedPasskeyMustBeNewAnywhere() async throws {
        let mine = TestAuthenticator()
        let theirs = TestAuthenticator()
        let session = try await harness.session(try await harness.register(mine).session)
        _ = try await harness.register(theirs)
        for authenticator in [mine, theirs] {
            let error = await refusal {
                try await harness.addPasskey(authenticator, session: session, confirmedBy: .passkey(mine))
            }
            #expect(error?.code.rawValue == "SOTTO-AUTH-DUPLICATE")
        }
    }

    @Test func anAddPasskeyChallengeBelongsToItsAccount() async throws {
        let alice = try await harness.session(try await harness.register(TestAuthenticator()).session)
        let bobsPasskey = TestAuthenticator()
        let bob = try await harness.session(try await harness.register(bobsPasskey).session)
        let begin = try await harness.service.addPasskeyBegin(alice)
        #expect(begin.accountID == alice.accountID)
        let added = TestAuthenticator()
        // Bob confirms his own change, but the registration challenge is Alice's.
        let confirmation = try await harness.confirm(
            .addPasskey(registrationChallengeID: begin.challengeID, credentialID: added.credentialID),
            by: .passkey(bobsPasskey), session: bob)
        let error = await refusal {
            try await harness.service.addPasskeyFinish(
                PasskeyAddRequest(
                    challengeID: begin.challengeID,
                    passkey: AccountHarness.enrollment(added.register(begin.options)), confirmation: confirmation),
                session: bob, client: nil)
        }
        #expect(error?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
    }

    @Test func theRecoveryKeyLogsIn() async throws {
        let recovery = TestRecoveryKey()
        let (_, begin, _) = try await harness.register(TestAuthenticator(), recovery: recovery)
        let recovered = try await harness.recover(recovery)
        #expect(recovered.session.accountID == begin.accountID)
        #expect(recovered.session.credentialID == nil)
        #expect(recovered.wrappedRootKey?.bytes == recovery.wrappedRootKey)
        #expect(recovered.passkeyKind == nil)
        // A recovery session may add a passkey (the point of recovering).
        let session = try await harness.session(recovered)
        let added = try await harness.addPasskey(
            TestAuthenticator(), session: session, confirmedBy: .recovery(recovery))
        #expect(added.passkeys.count == 2)
    }

    @Test func aWrongSignatureAndAnUnknownKeyLookTheSame() async throws {
        let recovery = TestRecoveryKey()
        _ = try await harness.register(TestAuthenticator(), recovery: recovery)
        let real = try await harness.service.recoverBegin(
            RecoveryBeginRequest(keyID: Base64Bytes(recovery.keyID)), client: nil)
        let wrong = await refusal {
            try await harness.service.recoverFinish(
                RecoveryFinishRequest(
                    challengeID: real.challengeID, signature: Base64Bytes(TestRecoveryKey().sign(real))), client: nil)
        }
        let stranger = TestRecoveryKey()
        let decoy = try await harness.service.recoverBegin(
            RecoveryBeginRequest(keyID: Base64Bytes(stranger.keyID)), client: nil)
        let decoyAgain = try await harness.service.recoverBegin(
            RecoveryBeginRequest(keyID: Base64Bytes(stranger.keyID)), client: nil)
        #expect(decoy.accountID == decoyAgain.accountID)
        #expect(decoy.accountID.rawValue.count == 32)
        #expect(decoy.challenge.bytes.count == 32)
        let unknown = await refusal {
            try await harness.service.recoverFinish(
                RecoveryFinishRequest(challengeID: decoy.challengeID, signature: Base64Bytes(stranger.sign(decoy))),
                client: nil)
        }
        #expect(wrong != nil)
        #expect(wrong == unknown)
        #expect(wrong?.code.rawValue == "SOTTO-AUTH-VERIFY")
    }

    @Test func aRotatedRecoveryKeyReplacesTheOldOne() async throws {
        let old = TestRecoveryKey()
        let new = TestRecoveryKey()
        let passkey = TestAuthenticator()
        let (registered, begin, _) = try await harness.register(passkey, recovery: old)
        harness.clock.advance(60)
        let summary = try await harness.rotateRecovery(
            new, session: try await harness.session(registered), confirmedBy: .passkey(passkey))
        #expect(summary.recoveryUpdatedAt == Int64(harness.clock.now.timeIntervalSince1970))
        let refused = await refusal { try await harness.recover(old) }
        #expect(refused?.code.rawValue == "SOTTO-AUTH-VERIFY")
        let recovered = try await harness.recover(new)
        #expect(recovered.session.accountID == begin.accountID)
        #expect(recovered.wrappedRootKey?.bytes == new.wrappedRootKey)
        // Another account's recovery key id cannot be taken over.
        let other = TestRecoveryKey()
        _ = try await harness.register(TestAuthenticator(), recovery: other)
        let taken = await refusal {
            try await harness.rotateRecovery(
                other, session: try await harness.session(recovered), confirmedBy: .recovery(new))
        }
        #expect(taken?.code.rawValue == "SOTTO-AUTH-DUPLICATE")
    }

    @Test func sessionsExpireAndLogOut() async throws {
        let authenticator = TestAuthenticator()
        let registered = try await harness.register(authenticator).session
        let login = try await harness.login(authenticator)
        let session = try await harness.session(login)
        try await harness.service.logout(session)
        let loggedOut = await refusal { try await harness.session(login) }
        #expect(loggedOut?.code.rawValue == "SOTTO-AUTH-SESSION")
        #expect(loggedOut?.status == 401)
        // The other session lives on, for 30 days.
        _ = try await harness.session(registered)
        harness.clock.advance(30 * 24 * 3600 + 1)
        let expired = await refusal { try await harness.session(registered) }
        #expect(expired?.code.rawValue == "SOTTO-AUTH-SESSION")
        for header in [
            nil, "", "Bearer", "Basic abc", "Bearer !!", "Bearer \(Base64URL.encode(SecureRandom.bytes(32)))",
        ] {
            let error = await refusal { try await harness.service.authenticate(authorization: header) }
            #expect(error?.code.rawValue == "SOTTO-AUTH-SESSION")
        }
    }

    @Test func expiredChallengesArePurgedOnLaterCalls() async throws {
        let stale = try await harness.service.loginBegin(LoginBeginRequest())
        harness.clock.advance(6 * 60)
        _ = try await harness.service.loginBegin(LoginBeginRequest())
        // Taken "in the past", when it was still valid: gone all the same, so it was purged.
        let taken = try await harness.store.takeChallenge(
            id: stale.challengeID, now: harness.clock.now.addingTimeInterval(-6 * 60))
        #expect(taken == nil)
    }

    @Test func tenFailuresWithinFiveMinutesAreRateLimited() async throws {
        let authenticator = TestAuthenticator()
        _ = try await harness.register(authenticator)
        var corrupt = TestAuthenticator.Tamper()
        corrupt.corruptSignature = true
        for _ in 0..<10 {
            let error = await refusal { try await harness.login(authenticator, tamper: corrupt, client: "10.0.0.9") }
            #expect(error?.code.rawValue == "SOTTO-AUTH-VERIFY")
        }
        // Now even a good assertion waits, from this address...
        let limited = await refusal { try await harness.login(authenticator, client: "10.0.0.9") }
        #expect(limited?.code.rawValue == "SOTTO-AUTH-RATE-LIMITED")
        #expect(limited?.status == 429)
        #expect((1...300).contains(limited?.retryAfterSeconds ?? 0))
        // ...whatever the credential: one address spraying failures is limited.
        let other = TestAuthenticator()
        _ = try await harness.register(other, client: "10.0.0.11")
        let fromAddress = await refusal { try await harness.login(other, client: "10.0.0.9") }
        #expect(fromAddress?.code.rawValue == "SOTTO-AUTH-RATE-LIMITED")
        _ = try await harness.login(other, client: "10.0.0.12")
        harness.clock.advance(5 * 60)
        _ = try await harness.login(authenticator, client: "10.0.0.9")
    }

    /// Guessing from one address does not lock the passkey's owner out: failures count against
    /// the address and the credential as tried from it, never the credential everywhere.
    @Test func failuresFromOneAddressDoNotLockOutTheOwnerElsewhere() async throws {
        let authenticator = TestAuthenticator()
        _ = try await harness.register(authenticator)
        var corrupt = TestAuthenticator.Tamper()
        corrupt.corruptSignature = true
        for _ in 0..<25 {
            _ = await refusal { try await harness.login(authenticator, tamper: corrupt, client: "10.0.0.66") }
        }
        let attacker = await refusal { try await harness.login(authenticator, client: "10.0.0.66") }
        #expect(attacker?.code.rawValue == "SOTTO-AUTH-RATE-LIMITED")
        let owner = try await harness.login(authenticator, client: "10.0.0.7")
        #expect(!owner.session.token.isEmpty)
    }

    /// Wrong recovery signatures from one address do not stop the account's owner recovering
    /// from another.
    @Test func failedRecoveriesFromOneAddressDoNotLockOutTheAccount() async throws {
        let recovery = TestRecoveryKey()
        _ = try await harness.register(TestAuthenticator(), recovery: recovery)
        for _ in 0..<12 {
            _ = await refusal {
                let begin = try await harness.service.recoverBegin(
                    RecoveryBeginRequest(keyID: Base64Bytes(recovery.keyID)), client: "10.0.4.66")
                return try await harness.service.recoverFinish(
                    RecoveryFinishRequest(
                        challengeID: begin.challengeID, signature: Base64Bytes(SecureRandom.bytes(64))),
                    client: "10.0.4.66")
            }
        }
        let attacker = await refusal { try await harness.recover(recovery, client: "10.0.4.66") }
        #expect(attacker?.code.rawValue == "SOTTO-AUTH-RATE-LIMITED")
        let owner = try await harness.recover(recovery, client: "10.0.4.7")
        #expect(owner.wrappedRootKey != nil)
    }

    @Test func failedRecoveriesAreRateLimitedPerAddress() async throws {
        for _ in 0..<10 {
            let error = await refusal { try await harness.recover(TestRecoveryKey(), client: "10.0.1.1") }
            #expect(error?.code.rawValue == "SOTTO-AUTH-VERIFY")
        }
        let limited = await refusal { try await harness.recover(TestRecoveryKey(), client: "10.0.1.1") }
        #expect(limited?.code.rawValue == "SOTTO-AUTH-RATE-LIMITED")
    }

    @Test func logsNameNeitherTokensNorWrappedKeys() async throws {
        let authenticator = TestAuthenticator()
        let recovery = TestRecoveryKey()
        let (registered, _, passkey) = try await harness.register(authenticator, recovery: recovery)
        let login = try await harness.login(authenticator)
        let recovered = try await harness.recover(recovery)
        _ = try await harness.service.summary(try await harness.session(login))
        let text = harness.logs.text
        #expect(text.contains("passkey login"))
        for secret in [registered.session.token, login.session.token, recovered.session.token] {
            #expect(!text.contains(secret))
        }
        for bytes in [passkey.wrappedRootKey.bytes, recovery.wrappedRootKey] {
            #expect(!text.contains(Base64URL.encode(bytes)))
            #expect(!text.contains(Data(bytes).base64EncodedString()))
            #expect(!text.contains(Hex.encode(bytes)))
        }
    }
}
