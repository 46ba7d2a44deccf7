import Foundation
import Server
import ServerTesting
import Testing
import Wire

/// The root key rotation endpoints (docs/PROTOCOL.md §5.8) over the in-memory store: each step
/// needs a fresh confirmation bound to its exact request, a refused step changes nothing, and a
/// finished rotation leaves one session and only the passkeys kept.
@Suite struct KeyRotationServiceTests {
    let harness = AccountHarness()

    func begin(_ credential: TestAuthenticator) -> KeyRotationBeginRequest {
        KeyRotationBeginRequest(
            credentialID: Base64URL.encode(credential.credentialID),
            wrappedRootKey: Base64Bytes(TestRecoveryKey.wrappedKey()))
    }

    func finish(
        _ kept: [TestAuthenticator], recovery: TestRecoveryKey, lastSequence: Int64 = 0
    )
        -> KeyRotationFinishRequest
    {
        KeyRotationFinishRequest(
            passkeys: kept.map {
                RewrappedPasskey(
                    credentialID: Base64URL.encode($0.credentialID),
                    wrappedRootKey: Base64Bytes(TestRecoveryKey.wrappedKey()))
            },
            recovery: recovery.enrollment, lastSequence: lastSequence)
    }

    @Test func eachStepNeedsAConfirmationOfItsOwnRequest() async throws {
        let first = TestAuthenticator()
        let second = TestAuthenticator()
        let oldRecovery = TestRecoveryKey()
        let registered = try await harness.register(first, recovery: oldRecovery)
        let session = try await harness.session(registered.session)
        _ = try await harness.addPasskey(second, session: session, confirmedBy: .passkey(first))
        let service = harness.service

        // Beginning: a session token alone, or a confirmation of another root, plants nothing.
        var request = begin(first)
        let bare = await refusal { try await service.beginKeyRotation(request, session: session) }
        #expect(bare?.code.rawValue == "SOTTO-AUTH-CONFIRMATION")
        let forOther = try await harness.confirm(
            .rotateKeys(requestDigest: begin(first).digest), by: .passkey(first), session: session)
        request.confirmation = forOther
        let swapped = await refusal { try await service.beginKeyRotation(request, session: session) }
        #expect(swapped?.code.rawValue == "SOTTO-AUTH-VERIFY")
        #expect(try await harness.store.keyRotation(of: session.accountID) == nil)
        request.confirmation = try await harness.confirm(
            .rotateKeys(requestDigest: request.digest), by: .passkey(first), session: session)
        let begun = try await service.beginKeyRotation(request, session: session)
        #expect(begun.wrappedRootKey == request.wrappedRootKey)

        // Another passkey cannot begin its own while this one is unfinished.
        var rival = begin(second)
        rival.confirmation = try await harness.confirm(
            .rotateKeys(requestDigest: rival.digest), by: .passkey(second), session: session)
        #expect(
            await refusal { try await service.beginKeyRotation(rival, session: session) }?.code.rawValue
                == "SOTTO-AUTH-ROTATION"
        )

        // Finishing: without a confirmation, with one for keeping other passkeys, or after the
        // records moved on, nothing changes.
        let newRecovery = TestRecoveryKey()
        var finishing = finish([first], recovery: newRecovery)
        #expect(
            await refusal { try await service.finishKeyRotation(finishing, session: session) }?.code.rawValue
                == "SOTTO-AUTH-CONFIRMATION")
        finishing.confirmation = try await harness.confirm(
            .rotateKeys(requestDigest: finish([first, second], recovery: newRecovery).digest), by: .passkey(first),
            session: session)
        #expect(
            await refusal { try await service.finishKeyRotation(finishing, session: session) }?.code.rawValue
                == "SOTTO-AUTH-VERIFY")
        var stale = finish([first], recovery: newRecovery, lastSequence: 7)
        stale.confirmation = try await harness.confirm(
            .rotateKeys(requestDigest: stale.digest), by: .passkey(first), session: session)
        #expect(
            await refusal { try await service.finishKeyRotation(stale, session: session) }?.code.rawValue
                == "SOTTO-AUTH-ROTATION-STALE")
        #expect(try await service.summary(session).passkeys.count == 2)
        #expect(try await harness.recover(oldRecovery).session.accountID == session.accountID)

        // Confirmed: the second passkey goes, the recovery key is the new one, and the only
        // session left is the one the answer carries.
        finishing.confirmation = try await harness.confirm(
            .rotateKeys(requestDigest: finishing.digest), by: .passkey(first), session: session)
        let finished = try await service.finishKeyRotation(finishing, session: session)
        #expect(finished.wrappedRootKey == finishing.passkeys[0].wrappedRootKey)
        #expect(finished.session.credentialID == Base64URL.encode(first.credentialID))
        #expect(
            await refusal { try await harness.session(registered.session) }?.code.rawValue == "SOTTO-AUTH-SESSION")
        let fresh = try await harness.session(finished)
        #expect(try await service.summary(fresh).passkeys.map(\.credentialID) == [Base64URL.encode(first.credentialID)])
        #expect(await refusal { try await harness.login(second) }?.code.rawValue == "SOTTO-AUTH-UNKNOWN-CREDENTIAL")
        #expect(await refusal { try await harness.recover(oldRecovery) }?.code.rawValue == "SOTTO-AUTH-VERIFY")
        #expect(try await harness.recover(newRecovery).session.accountID == session.accountID)
        #expect(try await harness.login(first).wrappedRootKey == finishing.passkeys[0].wrappedRootKey)
    }
}
