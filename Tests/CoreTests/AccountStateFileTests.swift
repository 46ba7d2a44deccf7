import CoreTesting
import Foundation
import Testing
import Wire

@testable import Core

/// The device's account file: round trip, owner-only, damaged files named as such, and no
/// secret in it.
@Suite struct AccountStateFileTests {
    static func sample() throws -> AccountState {
        AccountState(
            server: "https://sotto.example", rpID: "sotto.example", accountID: try AccountID("0123456789abcdef"),
            passkey: DevicePasskey(
                kind: .softwarePasskey, credentialID: "Y3JlZGVudGlhbA", name: "software passkey",
                softwarePasskeyPath: "/tmp/x/passkey", wrappedRootKey: Base64Bytes([1, 2, 3])),
            session: SessionGrant(
                accountID: try AccountID("0123456789abcdef"), token: "dG9rZW4", expiresAt: 1_900_000_000,
                credentialID: "Y3JlZGVudGlhbA"))
    }

    @Test func roundTripsWithModeOwnerOnly() throws {
        let folder = try PasskeyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = AccountStateFile(dataFolder: folder)
        #expect(try file.load() == nil)
        let state = try Self.sample()
        try file.save(state)
        #expect(try file.load() == state)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        var changed = state
        changed.session = nil
        try file.save(changed)
        #expect(try file.load() == changed)
        #expect(!"\(state)".contains("dG9rZW4"))
        try file.remove()
        #expect(try file.load() == nil)
    }

    @Test func damagedFilesAreNamedAsSuch() throws {
        let folder = try PasskeyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = AccountStateFile(dataFolder: folder)
        let valid = try JSONEncoder().encode(try Self.sample())
        let cases: [([UInt8], AccountErrorCode)] = [
            (Array("not json".utf8), .stateCorrupt),
            (Array(valid.prefix(valid.count / 2)), .stateCorrupt),
            (Array("{\"version\":1,\"server\":3}".utf8), .stateCorrupt),
            (Array("{\"version\":99}".utf8), .stateVersion),
            ([UInt8](repeating: 0x20, count: 70_000), .stateCorrupt),
        ]
        for (bytes, code) in cases {
            try Data(bytes).write(to: URL(fileURLWithPath: file.path))
            let error = #expect(throws: AccountError.self) { try file.load() }
            #expect(error?.code == code)
            #expect(error?.message.contains(file.path) == true)
        }
    }

    @Test func holdsNoSecretOfARealRegistration() async throws {
        let server = FakeAccountServer()
        let folder = try PasskeyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let authenticator = AccountSessionTests.software(folder + "/passkey")
        let registration = try await AccountSessionTests.session(folder, server).register(authenticator: authenticator)
        let state = try #require(try AccountStateFile(dataFolder: folder).load())
        let credentialID = try Base64URL.decode(state.passkey.credentialID)
        let assertion = try await authenticator.getAssertion(
            AssertionRequest(
                rpID: state.rpID, clientDataHash: [UInt8](repeating: 1, count: 32),
                allowedCredentialIDs: [credentialID],
                prf: KeyHierarchy.prfInputs))
        let prf = try #require(assertion.prf).first
        let kek = try KeyEncryptionKey(prfOutput: prf)
        let recoveryKEK = try KeyEncryptionKey(recoveryKey: registration.recoveryKey)
        let secrets: [(String, [UInt8])] = [
            ("PRF output", prf.unsafeCopyToArray()), ("KEK", kek.key.unsafeCopyToArray()),
            ("root key", registration.keys.rootKey.unsafeCopyToArray()),
            ("recovery key", registration.recoveryKey.secret.unsafeCopyToArray()),
            ("recovery KEK", recoveryKEK.key.unsafeCopyToArray()),
        ]
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder + "/account.json")), as: UTF8.self)
        let raw = Array(text.utf8)
        for (name, secret) in secrets {
            #expect(secret.count == 32)
            for encoded in SecretCanaryTests.encodings(secret) {
                #expect(!text.contains(encoded), "\(name) appears in the account file")
            }
            #expect(!raw.windows(ofCount: 8).contains { $0.elementsEqual(secret.prefix(8)) }, "\(name) raw")
        }
        #expect(!text.contains(registration.recoveryKey.revealedText()))
        // Nor do the values a caller might log: no secret and no session token.
        let token = try #require(state.session?.token)
        for rendering in [registration as Any, state].flatMap(SecretCanaryTests.renderings) {
            #expect(!rendering.contains(token))
            #expect(!rendering.contains(registration.recoveryKey.revealedText()))
            for (name, secret) in secrets {
                for encoded in SecretCanaryTests.encodings(secret) {
                    #expect(!rendering.contains(encoded), "\(name) appears in a rendering")
                }
            }
        }
        // The wrapped copy is there (offline unlock), and it is the wrapped form only.
        #expect(state.passkey.wrappedRootKey?.bytes.count == WrappedRootKey.byteCount)
    }
}

extension Array {
    fileprivate func windows(ofCount count: Int) -> [ArraySlice<Element>] {
        guard self.count >= count else { return [] }
        return (0...(self.count - count)).map { self[$0..<($0 + count)] }
    }
}
