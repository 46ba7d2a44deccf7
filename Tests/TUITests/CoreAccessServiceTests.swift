import Core
import CoreTesting
import Foundation
import TUI
import Testing
import Wire

/// The access screens' real service on a real device folder: the account ceremonies through
/// `AccountSession` against the in-memory account server (every ceremony checked with Wire's
/// verifiers), the software passkey sealed with the passphrase the device was given, and the
/// history opened in the encrypted cache.
@Suite struct CoreAccessServiceTests {
    init() { TestEnvironment.prepare() }

    static let passphrase = "correct horse battery staple"

    /// A device in a new folder whose passphrase comes from a file (and a different one in
    /// `SOTTO_PASSPHRASE`, which the file overrides).
    static func device(_ folder: String, _ server: FakeAccountServer) throws -> Device {
        let file = folder + "/passphrase"
        if !FileManager.default.fileExists(atPath: file) {
            try Data((passphrase + "\n").utf8).write(to: URL(fileURLWithPath: file))
        }
        let environment = ["HOME": folder, PassphraseSource.environmentVariable: "not this one"]
        return Device(
            folders: try DeviceFolders(dataDirectory: folder + "/device", environment: environment),
            server: server.url, passphraseFile: file, environment: environment, transport: server.transport)
    }

    @Test func registersThenUnlocksTheSameHistory() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-access-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = FakeAccountServer()
        let device = try Self.device(folder, server)
        #expect(device.passphraseSource == PassphraseSource(.file(path: folder + "/passphrase")))

        let first = CoreAccessService(device: device, prompts: AccessPrompts())
        let fresh = await first.situation()
        #expect(!fresh.hasAccount)
        #expect(fresh.passkey == .softwarePasskey(passphraseGiven: true))
        #expect(fresh.softwarePasskeyPath == SoftwareAuthenticator.defaultPath(in: device.folders))
        let registration = try await first.register(passphrase: nil)
        let recoveryKey = registration.recoveryKey.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        #expect((try? RecoveryKey(parsing: recoveryKey)) != nil)
        let grant = try registration.grant.get()
        #expect(try await grant.service.conversations().conversations.isEmpty)
        let id = RecordID.random()
        try await grant.service.save(ConversationSummary(id: id, title: "Trains"))
        await first.close()

        // A later start: the account is known, unlocked with the given passphrase, and the
        // history the first run saved is there.
        let second = CoreAccessService(device: try Self.device(folder, server), prompts: AccessPrompts())
        #expect(await second.situation().hasAccount)
        let unlocked = try await second.unlock(passphrase: nil)
        #expect(try await unlocked.service.conversations().conversations.map(\.id) == [id])
        await second.close()

        // A typed passphrase that does not open the passkey is one the screen asks again for.
        let third = CoreAccessService(device: try Self.device(folder, server), prompts: AccessPrompts())
        do {
            _ = try await third.unlock(passphrase: SecureBytes(copying: Array("wrong".utf8)))
            Issue.record("a wrong passphrase unlocked the account")
        } catch let problem as AccessProblem {
            #expect(problem.kind == .wrongPassphrase)
        }
    }
}
