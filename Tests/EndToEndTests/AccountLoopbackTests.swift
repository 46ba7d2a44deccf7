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
