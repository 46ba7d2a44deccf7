import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// Adding or removing a passkey and replacing the recovery enrollment need a fresh
/// confirmation bound to the change (docs/PROTOCOL.md §5.7), not only the session token.
@Suite struct AccountConfirmationTests {
    let harness = AccountHarness()

    /// An account with two passkeys, and a session of it.
    func account() async throws -> (
        first: TestAuthenticator, second: TestAuthenticator, recovery: TestRecoveryKey, session: AuthenticatedSession
    ) {
        let first = TestAuthenticator()
        let second = TestAuthenticator()
        let recovery = TestRecoveryKey()
        let session = try await harness.session(try await harness.register(first, recovery: recovery).session)
        _ = try await harness.addPasskey(second, session: session, confirmedBy: .passkey(first))
        return (first, second, recovery, session)
    }

    @Test func aSessionTokenAloneChangesNothing() async throws {
        let (first, second, recovery, session) = try await account()
        let newcomer = TestAuthenticator()
        let begin = try await harness.service.addPasskeyBegin(session)
        let add = await refusal {
            try await harness.service.addPasskeyFinish(
                PasskeyAddRequest(
                    challengeID: begin.challengeID,
                    passkey: AccountHarness.enrollment(newcomer.register(begin.options)), confirmation: nil),
                session: session, client: nil)
        }
        let remove = await refusal {
            try await harness.service.removePasskey(
                Base64URL.encode(second.credentialID), request: PasskeyRemoveRequest(confirmation: nil),
                session: session)
        }
        let replace = await refusal {
            try await harness.service.rotateRecovery(
                RecoveryRotateRequest(recovery: TestRecoveryKey().enrollment, confirmation: nil), session: session)
        }
        for error in [add, remove, replace] {
            #expect(error?.code.rawValue == "SOTTO-AUTH-CONFIRMATION")
            #expect(error?.status == 403)
        }
        // Nothing changed: both passkeys, the old recovery key, and no newcomer.
        let summary = try await harness.service.summary(session)
        #expect(
            Set(summary.passkeys.map(\.credentialID)) == Set([first, second].map { Base64URL.encode($0.credentialID) }))
        #expect(try await harness.recover(recovery).session.accountID == session.accountID)
        let stranger = await refusal { try await harness.login(newcomer) }
        #expect(stranger?.code.rawValue == "SOTTO-AUTH-UNKNOWN-CREDENTIAL")
    }

    @Test func aConfirmationStandsForItsOwnChangeOnly() async throws {
        let (first, second, _, session) = try await account()
        let third = TestAuthenticator()
        _ = try await harness.addPasskey(third, session: session, confirmedBy: .passkey(first))

        // Confirmed: removing the third passkey. Asked: removing the second.
        let forThird = try await harness.confirm(
            .removePasskey(credentialID: third.credentialID), by: .passkey(first), session: session)
        let otherTarget = await refusal {
            try await harness.service.removePasskey(
                Base64URL.encode(second.credentialID), request: PasskeyRemoveRequest(confirmation: forThird),
                session: session)
        }
        #expect(otherTarget?.code.rawValue == "SOTTO-AUTH-VERIFY")

        // Confirmed: one recovery enrollment. Asked: another, then a passkey's removal.
        let meant = TestRecoveryKey()
        let forMeant = try await harness.confirm(
            .replaceRecovery(meant.enrollment), by: .passkey(first), session: session)
        let otherEnrollment = await refusal {
            try await harness.service.rotateRecovery(
                RecoveryRotateRequest(recovery: TestRecoveryKey().enrollment, confirmation: forMeant), session: session)
        }
        #expect(otherEnrollment?.code.rawValue == "SOTTO-AUTH-VERIFY")
        let forRecovery = try await harness.confirm(
            .replaceRecovery(meant.enrollment), by: .passkey(first), session: session)
        let otherKind = await refusal {
            try await harness.service.removePasskey(
                Base64URL.encode(third.credentialID), request: PasskeyRemoveRequest(confirmation: forRecovery),
                session: session)
        }
        #expect(otherKind?.code.rawValue == "SOTTO-AUTH-VERIFY")

        // Confirmed: adding one credential. Asked: adding another for the same registration.
        let begin = try await harness.service.addPasskeyBegin(session)
        let meantKey = TestAuthenticator()
        let swapped = TestAuthenticator()
        let forMeantKey = try await harness.confirm(
            .addPasskey(registrationChallengeID: begin.challengeID, credentialID: meantKey.credentialID),
            by: .passkey(first), session: session)
        let otherCredential = await refusal {
            try await harness.service.addPasskeyFinish(
                PasskeyAddRequest(
                    challengeID: begin.challengeID, passkey: AccountHarness.enrollment(swapped.register(begin.options)),
                    confirmation: forMeantKey),
                session: session, client: nil)
        }
        #expect(otherCredential?.code.rawValue == "SOTTO-AUTH-VERIFY")

        let summary = try await harness.service.summary(session)
        #expect(summary.passkeys.count == 3)
        // The exact change, confirmed, goes through.
        _ = try await harness.removePasskey(third.credentialID, session: session, confirmedBy: .passkey(second))
        #expect(try await harness.service.summary(session).passkeys.count == 2)
    }

    @Test func aConfirmationIsFreshAndSpentOnce() async throws {
        let (first, second, _, session) = try await account()
        let operation = ConfirmedOperation.removePasskey(credentialID: second.credentialID)
        let request = { (confirmation: AccountConfirmation) in
            try await harness.service.removePasskey(
                Base64URL.encode(second.credentialID), request: PasskeyRemoveRequest(confirmation: confirmation),
                session: session)
        }
        // Older than the challenge lifetime (5 minutes): refused.
        let stale = try await harness.confirm(operation, by: .passkey(first), session: session)
        harness.clock.advance(5 * 60 + 1)
        #expect(await refusal { try await request(stale) }?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
        // A refused change spends its confirmation too: a confirmation never serves twice.
        let once = try await harness.confirm(operation, by: .passkey(first), session: session)
        let refusedOnce = await refusal {
            try await harness.service.removePasskey(
                Base64URL.encode(TestAuthenticator().credentialID), request: PasskeyRemoveRequest(confirmation: once),
                session: session)
        }
        #expect(refusedOnce?.code.rawValue == "SOTTO-AUTH-VERIFY")
        #expect(await refusal { try await request(once) }?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
        #expect(try await harness.service.summary(session).passkeys.count == 2)
    }

    @Test func aConfirmationComesFromTheSessionsOwnAccount() async throws {
        let (first, second, _, session) = try await account()
        let mallory = TestAuthenticator()
        let malloryRecovery = TestRecoveryKey()
        let mallorySession = try await harness.session(
            try await harness.register(mallory, recovery: malloryRecovery).session)
        let operation = ConfirmedOperation.removePasskey(credentialID: second.credentialID)
        func remove(_ confirmation: AccountConfirmation) async throws -> AccountSummary {
            try await harness.service.removePasskey(
                Base64URL.encode(second.credentialID), request: PasskeyRemoveRequest(confirmation: confirmation),
                session: session)
        }
        // Another account's passkey signs this account's challenge.
        let byStranger = try await harness.confirm(operation, by: .passkey(mallory), session: session)
        #expect(await refusal { try await remove(byStranger) }?.code.rawValue == "SOTTO-AUTH-VERIFY")
        // A challenge begun by another account's session.
        let begunElsewhere = try await harness.confirm(operation, by: .passkey(first), session: mallorySession)
        #expect(await refusal { try await remove(begunElsewhere) }?.code.rawValue == "SOTTO-AUTH-CHALLENGE")
        // Another account's recovery key, and a tampered signature of this account's passkey.
        let otherRecovery = try await harness.confirm(operation, by: .recovery(malloryRecovery), session: session)
        #expect(await refusal { try await remove(otherRecovery) }?.code.rawValue == "SOTTO-AUTH-VERIFY")
        var tamper = TestAuthenticator.Tamper()
        tamper.corruptSignature = true
        let tampered = try await harness.confirm(operation, by: .passkey(first, tamper: tamper), session: session)
        #expect(await refusal { try await remove(tampered) }?.code.rawValue == "SOTTO-AUTH-VERIFY")
        // Without user verification.
        var unverified = TestAuthenticator.Tamper()
        unverified.userVerified = false
        let notVerified = try await harness.confirm(
            operation, by: .passkey(first, tamper: unverified), session: session)
        #expect(await refusal { try await remove(notVerified) }?.code.rawValue == "SOTTO-AUTH-VERIFY")
        #expect(try await harness.service.summary(session).passkeys.count == 2)
    }

    @Test func theBeginNamesTheOperationsChallengeAndTheAccountsPasskeys() async throws {
        let (first, second, _, session) = try await account()
        let operation = ConfirmedOperation.removePasskey(credentialID: second.credentialID)
        let begin = try await harness.service.confirmBegin(ConfirmBeginRequest(operation: operation), session: session)
        #expect(begin.nonce.bytes.count == 32)
        #expect(
            try Base64URL.decode(begin.options.challenge)
                == operation.challenge(accountID: session.accountID, nonce: begin.nonce.bytes))
        #expect(begin.options.userVerification == "required")
        #expect(
            Set(begin.options.allowCredentials?.map(\.id) ?? [])
                == Set([first, second].map { Base64URL.encode($0.credentialID) }))
        // Malformed operations are refused before a challenge is stored.
        for bad in [
            ConfirmedOperation.removePasskey(credentialID: []),
            .addPasskey(registrationChallengeID: "", credentialID: [1]),
            .replaceRecovery(
                RecoveryEnrollment(
                    keyID: Base64Bytes([1]), wrappedRootKey: Base64Bytes([2]), authPublicKey: Base64Bytes([3]))),
        ] {
            let error = await refusal {
                try await harness.service.confirmBegin(ConfirmBeginRequest(operation: bad), session: session)
            }
            #expect(error?.code.rawValue == "SOTTO-AUTH-BAD-REQUEST")
        }
    }

    /// The challenge is a function of every field: the account, the operation's kind and each
    /// field of its target, and the nonce (a public property both sides rely on).
    @Test func theChallengeCoversEveryField() throws {
        let account = try AccountID("a1")
        let nonce = [UInt8](repeating: 7, count: 32)
        let recovery = TestRecoveryKey().enrollment
        var altered = recovery
        altered.wrappedRootKey.bytes[5] ^= 1
        let challenges = [
            ConfirmedOperation.removePasskey(credentialID: [1, 2]).challenge(accountID: account, nonce: nonce),
            ConfirmedOperation.removePasskey(credentialID: [1, 3]).challenge(accountID: account, nonce: nonce),
            ConfirmedOperation.removePasskey(credentialID: [1, 2]).challenge(
                accountID: try AccountID("a2"), nonce: nonce),
            ConfirmedOperation.removePasskey(credentialID: [1, 2]).challenge(
                accountID: account, nonce: [0] + nonce.dropFirst()),
            ConfirmedOperation.addPasskey(registrationChallengeID: "c", credentialID: [1, 2]).challenge(
                accountID: account, nonce: nonce),
            ConfirmedOperation.addPasskey(registrationChallengeID: "d", credentialID: [1, 2]).challenge(
                accountID: account, nonce: nonce),
            // Moving a byte across the boundary between two fields changes the challenge too.
            ConfirmedOperation.addPasskey(registrationChallengeID: "c\u{1}", credentialID: [2]).challenge(
                accountID: account, nonce: nonce),
            ConfirmedOperation.replaceRecovery(recovery).challenge(accountID: account, nonce: nonce),
            ConfirmedOperation.replaceRecovery(altered).challenge(accountID: account, nonce: nonce),
        ]
        #expect(Set(challenges).count == challenges.count)
        #expect(challenges.allSatisfy { $0.count == 32 })
        // JSON keeps every field.
        for operation in [
            ConfirmedOperation.removePasskey(credentialID: [1, 2]),
            .addPasskey(registrationChallengeID: "c", credentialID: [0xff, 0xfe]), .replaceRecovery(recovery),
        ] {
            let decoded = try JSONDecoder().decode(ConfirmedOperation.self, from: JSONEncoder().encode(operation))
            #expect(decoded == operation)
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ConfirmedOperation.self, from: Data(#"{"kind":"delete-account"}"#.utf8))
        }
    }
}
