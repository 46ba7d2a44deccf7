import Foundation
import Testing
import VirtualCTAP2
import Wire

@testable import Core

/// A PIN prompt that always answers the same PIN.
struct FixedPIN: PINSource {
    let pin: String
    func pin(for request: PINRequest) async throws -> SecureBytes? { SecureBytes(copying: Array(pin.utf8)) }
}

/// Switching devices, end to end on loopback with the real server binary and the real
/// libfido2 against a virtual security key: what device A stores, device B reads after
/// authenticating with the same key; another key is refused; the recovery key restores access
/// on device C; a removed passkey no longer logs in. No secret and no content reaches the
/// server's files or the devices' files in the clear.
@Suite(.serialized) struct DeviceSwitchingTests {
    static func fido(_ key: VirtualSecurityKey) -> Fido2Authenticator {
        Fido2Authenticator(pinSource: FixedPIN(pin: "1234"), transport: VirtualKeyRing([key]))
    }

    static func session(_ folder: String, _ url: String, key: VirtualSecurityKey) -> AccountSession {
        AccountSession(dataFolder: folder, server: url) { _ in fido(key) }
    }

    /// The device's history and a sync engine on its session.
    static func history(_ folder: String, _ unlocked: Unlocked) throws -> (HistoryStore, SyncEngine) {
        let history = try HistoryStore(
            cache: LocalCache(
                path: folder + "/" + LocalCache.fileName, account: try AccountID(unlocked.keys.accountID)),
            keys: try AccountRecordKeys(unlocked.keys), device: try DeviceID.load(dataFolder: folder))
        let token = try #require(unlocked.state.session).token
        let engine = SyncEngine(
            transport: HTTPSyncTransport(serverURL: unlocked.state.server, http: CurlHTTPClient()) { token })
        return (history, engine)
    }

    /// Every file under `folder`, read whole.
    static func files(under folder: String) -> [(String, Data)] {
        let names = FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []
        return names.compactMap { name in
            let path = folder + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                return nil
            }
            return FileManager.default.contents(atPath: path).map { (name, $0) }
        }
    }

    @Test func aRecordWrittenOnOneDeviceOpensOnAnotherWithTheSameKey() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-switch-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server", logFile: root + "/server.log")
        defer { server.terminate() }
        let url = server.url
        let key = VirtualSecurityKey()
        let canaryTitle = "canary-title-\(UUID().uuidString)"
        let canaryMessage = "canary-message-\(UUID().uuidString)"

        // Device A registers with the key and stores an encrypted conversation.
        let registration = try await Self.session(root + "/a", url, key: key).register(authenticator: Self.fido(key))
        #expect(registration.state.passkey.kind == .securityKey)
        let unlockedA = try await Self.session(root + "/a", url, key: key).unlock()
        let (historyA, syncA) = try Self.history(root + "/a", unlockedA)
        let conversation = RecordID.random()
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        try historyA.save(
            conversation: ConversationRecord(
                title: canaryTitle, createdAt: time, updatedAt: time, clock: historyA.tick()),
            id: conversation)
        try historyA.append(
            message: MessageRecord(
                conversationID: conversation, role: .user, content: canaryMessage, time: time, clock: historyA.tick()))
        #expect(try await syncA.sync(historyA).pushed == 2)

        // Device B, a fresh folder, authenticates with the same key: same root key, A's record opens.
        let loginB = try await Self.session(root + "/b", url, key: key).login(authenticator: Self.fido(key))
        #expect(loginB.keys.hasSameRootKey(as: registration.keys))
        let (historyB, syncB) = try Self.history(root + "/b", loginB)
        #expect(try await syncB.sync(historyB).pulled == 2)
        #expect(historyB.conversations[conversation]?.title == canaryTitle)
        #expect(try historyB.messages(in: conversation).map(\.record.content) == [canaryMessage])

        // Another key, holding no passkey of this account, is refused with a clear message.
        let stranger = VirtualSecurityKey(path: "virtual:stranger")
        let refused = await #expect(throws: (any Error).self) {
            _ = try await Self.session(root + "/d", url, key: stranger).login(authenticator: Self.fido(stranger))
        }
        #expect("\(refused.map { "\($0)" } ?? "")".localizedCaseInsensitiveContains("passkey"))
        #expect(try AccountStateFile(dataFolder: root + "/d").load() == nil)

        // The recovery key restores access on device C, with a software passkey registered there.
        let softwareC = SoftwareAuthenticator(
            path: root + "/c-passkey", passphrase: SecureBytes(copying: Array("pw".utf8)), parameters: .minimum)
        let recovered = try await AccountSession(dataFolder: root + "/c", server: url) { _ in softwareC }.recover(
            recoveryKey: registration.recoveryKey, newAuthenticator: softwareC)
        #expect(recovered.keys.hasSameRootKey(as: registration.keys))
        let (historyC, syncC) = try Self.history(root + "/c", recovered)
        _ = try await syncC.sync(historyC)
        #expect(try historyC.messages(in: conversation).map(\.record.content) == [canaryMessage])

        // C removes the security key: it no longer logs in anywhere.
        let sessionC = AccountSession(dataFolder: root + "/c", server: url) { _ in softwareC }
        _ = try await sessionC.removePasskey(id: registration.state.passkey.credentialID)
        let removed = await #expect(throws: (any Error).self) {
            _ = try await Self.session(root + "/e", url, key: key).login(authenticator: Self.fido(key))
        }
        #expect((removed as? AccountError)?.code == .passkeyNotRegistered, "\(String(describing: removed))")

        // Canaries: no content, no PRF output, KEK or root key in any file of the server (its
        // database and its log included) or of the devices, nor in the errors shown above.
        // The key's PRF output for the account's input is the same on every assertion.
        let assertion = try await Self.fido(key).getAssertion(
            AssertionRequest(rpID: "localhost", clientDataHash: SecureRandom.bytes(32), prf: KeyHierarchy.prfInputs))
        let prf = try #require(assertion.prf).first
        let kek = try KeyEncryptionKey(prfOutput: prf)
        let secrets: [(String, [UInt8])] = [
            ("PRF output", prf.unsafeCopyToArray()), ("KEK", kek.key.unsafeCopyToArray()),
            ("root key", registration.keys.rootKey.unsafeCopyToArray()),
        ]
        #expect(
            try AccountKeys.unwrap(registration.keys.wrap(under: kek), with: kek, accountID: unlockedA.keys.accountID)
                .hasSameRootKey(as: registration.keys))
        let files = Self.files(under: root)
        #expect(files.contains { $0.0 == "server.log" && !$0.1.isEmpty })
        #expect(files.contains { $0.0.hasSuffix("server.sqlite") })
        let shown = [refused, removed].map { "\(String(describing: $0))" }.joined()
        for (name, data) in files where name != "c-passkey" {
            #expect(!data.contains(Data(canaryTitle.utf8)), "\(name) holds the title in the clear")
            #expect(!data.contains(Data(canaryMessage.utf8)), "\(name) holds the message in the clear")
            for (label, bytes) in secrets {
                #expect(!data.contains(Data(bytes)), "\(name) holds the \(label)")
                #expect(!data.contains(Data(Hex.encode(bytes).utf8)), "\(name) holds the \(label) in hex")
                #expect(
                    !data.contains(Data(Data(bytes).base64EncodedString().utf8)), "\(name) holds the \(label) in base64"
                )
            }
        }
        for (label, bytes) in secrets { #expect(!shown.contains(Hex.encode(bytes)), "an error shows the \(label)") }
    }
}
