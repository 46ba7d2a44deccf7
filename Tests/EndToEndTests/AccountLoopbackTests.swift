import Core
import Foundation
import Testing
import Wire

/// `AccountSession` over real libcurl against the real server on loopback: the ceremonies,
/// the wrapped keys and the sessions as the server really checks and stores them.
@Suite(.serialized) struct AccountLoopbackTests {
    static func software(_ path: String) -> SoftwareAuthenticator {
        SoftwareAuthenticator(path: path, passphrase: SecureBytes(copying: Array("pw".utf8)), parameters: .minimum)
    }

    static func session(_ folder: String, _ url: String) -> AccountSession {
        AccountSession(dataFolder: folder, server: url) { passkey in software(passkey.softwarePasskeyPath ?? "") }
    }

    @Test func theKeysSurviveEveryWayIn() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-loop-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let url = server.url

        let registration = try await Self.session(root + "/a", url).register(authenticator: Self.software(root + "/pk"))
        let login = try await Self.session(root + "/b", url).login(authenticator: Self.software(root + "/pk"))
        #expect(login.keys.hasSameRootKey(as: registration.keys))
        let unlocked = try await Self.session(root + "/b", url).unlock()
        #expect(unlocked.online)
        #expect(unlocked.keys.hasSameRootKey(as: registration.keys))
        #expect(try await Self.session(root + "/b", url).summary().passkeys.count == 1)

        let rotated = try await Self.session(root + "/b", url).rotateRecoveryKey(keys: unlocked.keys)
        let stale = await #expect(throws: AccountError.self) {
            try await Self.session(root + "/c", url).recover(
                recoveryKey: registration.recoveryKey, newAuthenticator: Self.software(root + "/pk-c0"))
        }
        #expect(stale?.code == .recoveryKeyRejected)
        let recovered = try await Self.session(root + "/c", url).recover(
            recoveryKey: rotated, newAuthenticator: Self.software(root + "/pk-c"))
        #expect(recovered.keys.hasSameRootKey(as: registration.keys))
        #expect(try await Self.session(root + "/c", url).summary().passkeys.count == 2)

        // With the server gone, the device still unlocks from its cached wrapped key.
        await server.stop()
        let offline = try await Self.session(root + "/c", url).unlock()
        #expect(!offline.online)
        #expect(offline.keys.hasSameRootKey(as: registration.keys))
    }
}

/// Part of the trust hardening: a session token taken from a device (its account file, a log,
/// a backup) does not let its holder add a passkey, remove one or replace the recovery key on
/// the real server; the owner's own changes, confirmed by the device's passkey through libcurl
/// (the removal's confirmation as the DELETE's body), go through.
@Suite(.serialized) struct StolenSessionTokenTests {
    @Test func aStolenTokenCannotChangeTheAccountsKeys() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-steal-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let owner = AccountLoopbackTests.session(root + "/owner", server.url)
        let registration = try await owner.register(authenticator: AccountLoopbackTests.software(root + "/pk"))
        let second = try await owner.addPasskey(
            AccountLoopbackTests.software(root + "/pk-2"), keys: registration.keys)

        // The thief has the token and a passkey of their own account on the same server.
        let token = try owner.sessionToken()
        let thiefPasskey = AccountLoopbackTests.software(root + "/pk-thief")
        let thief = AccountLoopbackTests.session(root + "/thief", server.url)
        _ = try await thief.register(authenticator: thiefPasskey)
        let api = AccountAPI(serverURL: server.url)
        let thiefPasskeyID = try #require(try thief.state()?.passkey.credentialID)
        let secondID = try Base64URL.decode(second.credentialID)

        // No confirmation at all: the DELETE with no body, the PUT with none.
        let bare = try await CurlHTTPClient().send(
            HTTPRequest(
                url: server.url + "/v1/account/passkeys/" + second.credentialID, method: .delete,
                headers: ["Authorization": "Bearer " + token]),
            maxBytes: 1 << 16)
        #expect(bare.status == 403)
        #expect(String(decoding: bare.body, as: UTF8.self).contains("SOTTO-AUTH-CONFIRMATION"))

        // A confirmation signed by the thief's own passkey, for this very removal.
        let begin = try await api.confirmBegin(.removePasskey(credentialID: secondID), token: token)
        let assertion = try await thiefPasskey.getAssertion(
            AssertionRequest(
                rpID: "localhost",
                clientDataHash: HashFunction.sha256.hash(
                    CeremonyData.clientDataJSON(
                        type: .get, challenge: try Base64URL.decode(begin.options.challenge),
                        origin: try #require(WebOrigin(url: server.url)))),
                allowedCredentialIDs: [try Base64URL.decode(thiefPasskeyID)]))
        let forged = AccountConfirmation(
            challengeID: begin.challengeID,
            credential: try CeremonyData.authenticationResponse(
                assertion,
                clientDataJSON: CeremonyData.clientDataJSON(
                    type: .get, challenge: try Base64URL.decode(begin.options.challenge),
                    origin: try #require(WebOrigin(url: server.url)))))
        let refused = await #expect(throws: AccountAPIError.self) {
            try await api.removePasskey(credentialID: second.credentialID, confirmation: forged, token: token)
        }
        #expect(refused?.code == "SOTTO-AUTH-VERIFY")
        let recoveryRefused = await #expect(throws: AccountAPIError.self) {
            try await api.replaceRecovery(
                try AccountSession.recoveryEnrollment(RecoveryKey.generate(), keys: registration.keys),
                confirmation: AccountConfirmation(challengeID: "none", recoverySignature: Base64Bytes([0])),
                token: token)
        }
        #expect(recoveryRefused?.known == .challenge)
        #expect(try await owner.summary().passkeys.count == 2)

        // The owner's device confirms its own removal and recovery rotation.
        try await owner.removePasskey(id: second.credentialID)
        #expect(try await owner.summary().passkeys.count == 1)
        let rotated = try await owner.rotateRecoveryKey(keys: registration.keys)
        let stale = await #expect(throws: AccountError.self) {
            try await AccountLoopbackTests.session(root + "/c", server.url).recover(
                recoveryKey: registration.recoveryKey, newAuthenticator: AccountLoopbackTests.software(root + "/pk-c"))
        }
        #expect(stale?.code == .recoveryKeyRejected)
        _ = rotated
    }
}
