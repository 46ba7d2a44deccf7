import Core
import CoreTesting
import Foundation
import TUI
import Testing
import VirtualCTAP2
import Wire

/// The access screens with a security key, on the real parts below the screen: libfido2's own
/// CTAP2 code talks to a virtual key (PIN protocol 2, hmac-secret), and its PIN and touch
/// requests come up as the screen's modal through `AccessPrompts`. The account server is the
/// in-memory one that checks every ceremony with Wire's verifiers.
@Suite struct SecurityKeyAccessTests {
    init() { TestEnvironment.prepare() }

    /// Registers and unlocks with a `Fido2Authenticator` whose PIN source is the screen's.
    final class KeyAccess: AccessService {
        let key: VirtualSecurityKey
        let server: FakeAccountServer
        let folder: String
        let prompts: AccessPrompts

        init(key: VirtualSecurityKey, server: FakeAccountServer, folder: String, prompts: AccessPrompts) {
            self.key = key
            self.server = server
            self.folder = folder
            self.prompts = prompts
        }

        var authenticator: Fido2Authenticator {
            Fido2Authenticator(
                device: .first, pinSource: prompts.pinSource, touchPrompt: prompts.touchPrompt,
                timeout: .seconds(20), transport: key)
        }

        var session: AccountSession {
            let authenticator = self.authenticator
            return AccountSession(dataFolder: folder, server: server.url, transport: server.transport) { _ in
                authenticator
            }
        }

        func situation() async -> AccessSituation {
            AccessSituation(
                hasAccount: (try? session.state()) != nil, passkey: .securityKey("Virtual CTAP2 Key"),
                softwarePasskeyPath: folder + "/passkey", server: "localhost", simulated: true)
        }

        func register(passphrase: SecureBytes?) async throws -> AccessRegistration {
            let registration = try await session.register(authenticator: authenticator)
            return AccessRegistration(
                recoveryKey: SecureBytes(copying: Array(registration.recoveryKey.revealedText().utf8)),
                grant: AccessGrant(service: InMemoryChatService()))
        }

        func login(softwarePasskeyPath: String?, passphrase: SecureBytes?) async throws -> AccessGrant {
            _ = try await session.login(authenticator: authenticator)
            return AccessGrant(service: InMemoryChatService())
        }

        func recover(recoveryKey: SecureBytes, passphrase: SecureBytes?) async throws -> AccessGrant {
            throw AccessProblem(.other, "not in this test")
        }

        func unlock(passphrase: SecureBytes?) async throws -> AccessGrant {
            _ = try await session.unlock()
            return AccessGrant(service: InMemoryChatService(), banner: "unlocked with the key")
        }
    }

    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-key-access-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func registerAndUnlockWithTheKeysPINOnTheScreen() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = VirtualSecurityKey()
        let server = FakeAccountServer()
        let theme = ThemeCatalog.shipped().theme(named: "dark")

        // First run: create the account; a wrong PIN is refused by the key and said so.
        let prompts = AccessPrompts()
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let runtime = AccessRuntime(
            backend: backend, service: KeyAccess(key: key, server: server, folder: folder, prompts: prompts),
            prompts: prompts, theme: theme)
        #expect(
            try await AccessDriving.run(runtime, until: AccessDriving.showing("the security key “Virtual CTAP2 Key”")))
        backend.type("1")
        #expect(
            try await AccessDriving.run(runtime, until: AccessDriving.showing("Security key PIN — Virtual CTAP2 Key")))
        backend.type("9999<CR>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Something went wrong")))
        #expect(backend.screen.text.contains("SOTTO-PASSKEY-WRONG-PIN"))
        #expect(key.pinRetries == 7)
        #expect(key.credentialCount == 0)
        backend.type("<CR>1")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Security key PIN")))
        #expect(backend.screen.text.contains("7 tries left") == false, "more than 3 left: no warning")
        backend.type("1234<CR>")
        let ok = try await AccessDriving.run(runtime, until: AccessDriving.showing("Recovery key — shown once"))
        if !ok { print(backend.screen.text) }
        #expect(ok)
        #expect(key.credentialCount == 1)
        #expect(key.pinRetries == 8)
        let shown = backend.screen.text
        let lastGroup = try #require(
            shown.split(separator: "\n").compactMap { line in
                line.split(separator: " ").first { $0.count == 34 && $0.split(separator: "-").count == 7 }
            }.last?.split(separator: "-").last)
        backend.type(String(lastGroup) + "<CR>")
        #expect(try await AccessDriving.run(runtime, until: { $0.model.grant != nil }))

        // A later run unlocks with the key: PIN on the screen, then the history.
        let again = AccessPrompts()
        let second = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let unlock = AccessRuntime(
            backend: second, service: KeyAccess(key: key, server: server, folder: folder, prompts: again),
            prompts: again, theme: theme)
        #expect(try await AccessDriving.run(unlock, until: AccessDriving.showing("Security key PIN")))
        #expect(!second.screen.text.contains("Welcome"))
        second.type("1234<CR>")
        #expect(try await AccessDriving.run(unlock, until: { $0.model.grant != nil }))
        #expect(unlock.model.grant?.banner == "unlocked with the key")
    }

    /// Esc on the PIN modal cancels: libfido2 gets no PIN, the key keeps its retries.
    @Test func escapeOnThePINCancelsTheCeremony() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = VirtualSecurityKey()
        let prompts = AccessPrompts()
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let runtime = AccessRuntime(
            backend: backend,
            service: KeyAccess(key: key, server: FakeAccountServer(), folder: folder, prompts: prompts),
            prompts: prompts, theme: ThemeCatalog.shipped().theme(named: "dark"))
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Welcome to Sotto")))
        backend.type("1")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Security key PIN")))
        backend.type("12<Esc>")
        #expect(try await AccessDriving.run(runtime, until: AccessDriving.showing("Something went wrong")))
        #expect(backend.screen.text.contains("SOTTO-PASSKEY-CANCELLED"))
        #expect(key.pinRetries == 8)
        #expect(key.credentialCount == 0)
    }
}
