import CoreTesting
import Foundation
import Testing
import Wire

@testable import Core

/// The device's account flows against an in-memory server that checks every ceremony with
/// Wire's verifiers: register, log in elsewhere with the same passkey, unlock offline, recover,
/// rotate, remove, log out.
@Suite struct AccountSessionTests {
    static let passphrase = "correct horse battery staple"

    /// A software passkey at `path` with the cheapest Argon2id (same file format, fast tests).
    static func software(_ path: String, passphrase: String = passphrase) -> SoftwareAuthenticator {
        SoftwareAuthenticator(
            path: path, passphrase: SecureBytes(copying: Array(passphrase.utf8)), parameters: .minimum)
    }

    static func session(
        _ folder: String, _ server: FakeAccountServer, passphrase: String = passphrase
    )
        -> AccountSession
    {
        AccountSession(dataFolder: folder, server: server.url, transport: server.transport) { passkey in
            software(passkey.softwarePasskeyPath ?? "/nonexistent", passphrase: passphrase)
        }
    }

    static func folder() throws -> String { try PasskeyTestSupport.temporaryFolder() }

    @Test func registerThenLoginOnAnotherFolderUnwrapsTheSameRootKey() async throws {
        let server = FakeAccountServer()
        let a = try Self.folder()
        let b = try Self.folder()
        defer { for f in [a, b] { try? FileManager.default.removeItem(atPath: f) } }
        let passkeyFile = a + "/passkey"

        let registration = try await Self.session(a, server).register(authenticator: Self.software(passkeyFile))
        let stateA = try #require(try AccountStateFile(dataFolder: a).load())
        #expect(stateA.accountID == registration.state.accountID)
        #expect(stateA.passkey.kind == .softwarePasskey)
        #expect(stateA.passkey.name == "software passkey")
        #expect(stateA.passkey.softwarePasskeyPath == passkeyFile)
        #expect(stateA.rpID == server.rpID)
        #expect(stateA.session != nil)

        let login = try await Self.session(b, server).login(authenticator: Self.software(passkeyFile))
        #expect(login.online)
        #expect(login.state.accountID == stateA.accountID)
        #expect(login.keys.hasSameRootKey(as: registration.keys))
        #expect(login.state.passkey.credentialID == stateA.passkey.credentialID)

        // Later unlocks use the remembered passkey and renew the session, closing the old one.
        let before = server.sessionCount
        let unlocked = try await Self.session(b, server).unlock()
        #expect(unlocked.online)
        #expect(unlocked.keys.hasSameRootKey(as: registration.keys))
        #expect(server.sessionCount == before)
    }

    @Test func unlockWorksOfflineFromTheCachedWrappedKey() async throws {
        let server = FakeAccountServer()
        let a = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: a) }
        let registration = try await Self.session(a, server).register(authenticator: Self.software(a + "/passkey"))
        server.transport.answer { _ in throw NetError(.connect, "cannot reach the server") }
        let unlocked = try await Self.session(a, server).unlock()
        #expect(!unlocked.online)
        #expect(unlocked.keys.hasSameRootKey(as: registration.keys))
        // A wrong passphrase is refused as such, offline too.
        let wrong = await #expect(throws: PasskeyError.self) {
            try await Self.session(a, server, passphrase: "wrong").unlock()
        }
        #expect(wrong?.code == .wrongPassphrase)
    }

    @Test func aPasskeyTheAccountDoesNotHaveIsRefusedClearly() async throws {
        let server = FakeAccountServer()
        let a = try Self.folder()
        let b = try Self.folder()
        defer { for f in [a, b] { try? FileManager.default.removeItem(atPath: f) } }
        _ = try await Self.session(a, server).register(authenticator: Self.software(a + "/passkey"))
        // A credential for the same RP ID that was never registered.
        let stranger = Self.software(b + "/stranger")
        _ = try await stranger.makeCredential(
            CredentialRequest(
                rpID: server.rpID, userID: [9], userName: "x", clientDataHash: [UInt8](repeating: 0, count: 32)))
        let error = await #expect(throws: AccountError.self) {
            try await Self.session(b, server).login(authenticator: stranger)
        }
        #expect(error?.code == .passkeyNotRegistered)
        #expect(error?.message.contains("not registered") == true)
        #expect(try AccountStateFile(dataFolder: b).load() == nil)
    }

    @Test func recoverRotateAndRemove() async throws {
        let server = FakeAccountServer()
        let a = try Self.folder()
        let c = try Self.folder()
        let d = try Self.folder()
        defer { for f in [a, c, d] { try? FileManager.default.removeItem(atPath: f) } }
        let original = a + "/passkey"
        let registration = try await Self.session(a, server).register(authenticator: Self.software(original))

        let recovered = try await Self.session(c, server).recover(
            recoveryKey: try RecoveryKey(parsing: registration.recoveryKey.revealedText()),
            newAuthenticator: Self.software(c + "/passkey"))
        #expect(recovered.keys.hasSameRootKey(as: registration.keys))
        #expect(recovered.state.passkey.softwarePasskeyPath == c + "/passkey")
        // The new passkey unlocks device C by itself.
        #expect(try await Self.session(c, server).unlock().keys.hasSameRootKey(as: registration.keys))

        // Rotation: the old recovery key stops working, the new one works.
        let rotated = try await Self.session(c, server).rotateRecoveryKey(keys: recovered.keys)
        let refused = await #expect(throws: AccountError.self) {
            try await Self.session(d, server).recover(
                recoveryKey: registration.recoveryKey, newAuthenticator: Self.software(d + "/p1"))
        }
        #expect(refused?.code == .recoveryKeyRejected)
        #expect(!FileManager.default.fileExists(atPath: d + "/p1"))

        // Removing the original passkey: C lists two, refuses to remove its own, removes A's.
        let session = Self.session(c, server)
        #expect(try await session.summary().passkeys.count == 2)
        let own = await #expect(throws: AccountError.self) {
            try await session.removePasskey(id: recovered.state.passkey.credentialID)
        }
        #expect(own?.code == .ownPasskey)
        let removed = try await session.removePasskey(id: String(registration.state.passkey.credentialID.prefix(10)))
        #expect(removed.credentialID == registration.state.passkey.credentialID)
        let gone = await #expect(throws: AccountError.self) {
            try await Self.session(d, server).login(authenticator: Self.software(original))
        }
        #expect(gone?.code == .passkeyNotRegistered)
        // A's own unlock now says its passkey was removed.
        let removedHere = await #expect(throws: AccountError.self) { try await Self.session(a, server).unlock() }
        #expect(removedHere?.code == .passkeyNotRegistered)

        let fresh = try await Self.session(d, server).recover(
            recoveryKey: rotated, newAuthenticator: Self.software(d + "/p2"))
        #expect(fresh.keys.hasSameRootKey(as: registration.keys))
    }

    @Test func addPasskeyLetsTheNewOneLogIn() async throws {
        let server = FakeAccountServer()
        let a = try Self.folder()
        let b = try Self.folder()
        defer { for f in [a, b] { try? FileManager.default.removeItem(atPath: f) } }
        let registration = try await Self.session(a, server).register(authenticator: Self.software(a + "/passkey"))
        let added = try await Self.session(a, server).addPasskey(Self.software(a + "/second"), keys: registration.keys)
        #expect(added.kind == .softwarePasskey)
        #expect(
            try AccountStateFile(dataFolder: a).load()?.passkey.credentialID == registration.state.passkey.credentialID)
        let login = try await Self.session(b, server).login(authenticator: Self.software(a + "/second"))
        #expect(login.keys.hasSameRootKey(as: registration.keys))
        #expect(login.state.passkey.credentialID == added.credentialID)
    }

    @Test func misuseIsRefusedWithActionableErrors() async throws {
        let server = FakeAccountServer()
        let a = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: a) }
        let noServer = AccountSession(dataFolder: a, server: nil, transport: server.transport) { _ in
            Self.software("/nonexistent")
        }
        let e1 = await #expect(throws: AccountError.self) { try await noServer.unlock() }
        #expect(e1?.code == .notRegistered)
        let e2 = await #expect(throws: AccountError.self) {
            try await noServer.register(authenticator: Self.software(a + "/p"))
        }
        #expect(e2?.code == .serverMissing)

        let registration = try await Self.session(a, server).register(authenticator: Self.software(a + "/passkey"))
        let e3 = await #expect(throws: AccountError.self) {
            try await Self.session(a, server).register(authenticator: Self.software(a + "/other"))
        }
        #expect(e3?.code == .alreadyRegistered)
        let elsewhere = AccountSession(dataFolder: a, server: "https://other.example", transport: server.transport) {
            _ in Self.software("/nonexistent")
        }
        let e4 = await #expect(throws: AccountError.self) { try await elsewhere.unlock() }
        #expect(e4?.code == .serverMismatch)

        // A session the server revoked is forgotten, and the error says to log in again.
        let token = try #require(registration.state.session?.token)
        try await AccountAPI(serverURL: server.url, transport: server.transport).logout(token: token)
        let expired = await #expect(throws: AccountAPIError.self) { try await Self.session(a, server).summary() }
        #expect(expired?.needsLogin == true)
        #expect(expired?.message.contains("log in again") == true)
        #expect(try AccountStateFile(dataFolder: a).load()?.session == nil)
        let e5 = await #expect(throws: AccountError.self) { try await Self.session(a, server).summary() }
        #expect(e5?.code == .sessionExpired)
    }

    @Test func logoutRevokesAndForgetsButKeepsThePasskeyFile() async throws {
        let server = FakeAccountServer()
        let a = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: a) }
        _ = try await Self.session(a, server).register(authenticator: Self.software(a + "/passkey"))
        #expect(server.sessionCount == 1)
        #expect(try await Self.session(a, server).logout())
        #expect(server.sessionCount == 0)
        #expect(try AccountStateFile(dataFolder: a).load() == nil)
        #expect(FileManager.default.fileExists(atPath: a + "/passkey"))
        // And the passkey logs the folder in again.
        _ = try await Self.session(a, server).login(authenticator: Self.software(a + "/passkey"))
    }

    @Test func whoamiShowsTheServersViewWhenItCan() async throws {
        let server = FakeAccountServer()
        let a = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: a) }
        let registration = try await Self.session(a, server).register(authenticator: Self.software(a + "/passkey"))
        #expect(try Self.session(a, server).sessionToken() == registration.state.session?.token)
        let online = try await Self.session(a, server).whoami()
        #expect(online.state.accountID == registration.state.accountID)
        #expect(online.summary?.passkeys.map(\.credentialID) == [registration.state.passkey.credentialID])
        #expect(online.serverProblem == nil)
        server.transport.answer { _ in throw NetError(.connect, "cannot reach the server") }
        let offline = try await Self.session(a, server).whoami()
        #expect(offline.summary == nil)
        #expect(offline.serverProblem?.contains("cannot reach") == true)
    }
}
