import Foundation
import ServerTesting
import Synchronization
import TestSupport
import Testing
import VirtualCTAP2
import Wire

@testable import Core

/// An authenticator that counts what it is asked, then asks the real one.
final class CountingAuthenticator: Authenticator {
    let inner: any Authenticator
    private let calls = Mutex(0)
    var kind: PasskeyKind { inner.kind }
    var callCount: Int { calls.withLock { $0 } }

    init(_ inner: any Authenticator) { self.inner = inner }

    func makeCredential(_ request: CredentialRequest) async throws -> MadeCredential {
        calls.withLock { $0 += 1 }
        return try await inner.makeCredential(request)
    }

    func getAssertion(_ request: AssertionRequest) async throws -> Assertion {
        calls.withLock { $0 += 1 }
        return try await inner.getAssertion(request)
    }
}

/// A hostile server relays another site's ceremonies: the client refuses an RP ID that is not
/// its server's before any passkey is asked, and the server refuses a ceremony whose client
/// data names an origin it is not reached at. The real server, libcurl, the software passkey,
/// the virtual CTAP2 key through libfido2, and the `sotto` binary.
@Suite(.serialized) struct RelyingPartyRelayTests {
    static let passphrase = "correct horse battery staple"
    static let finishRoutes = [
        "/v1/accounts/register/finish", "/v1/accounts/login/finish", "/v1/account/passkeys/finish",
    ]

    static func software(_ path: String) -> SoftwareAuthenticator {
        SoftwareAuthenticator(
            path: path, passphrase: SecureBytes(copying: Array(passphrase.utf8)), parameters: .minimum)
    }

    static func fido(_ key: VirtualSecurityKey) -> Fido2Authenticator {
        Fido2Authenticator(pinSource: FixedPIN(pin: "1234"), transport: VirtualKeyRing([key]))
    }

    static func session(_ folder: String, _ url: String) -> AccountSession {
        AccountSession(dataFolder: folder, server: url) { passkey in software(passkey.softwarePasskeyPath ?? "") }
    }

    static func root() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sotto-relay-\(UUID().uuidString)").path
    }

    /// Runs `body`, which must fail with `SOTTO-ACCOUNT-RP-MISMATCH`.
    static func expectRefusedRP(_ what: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("\(what): the rewritten RP ID was accepted")
        } catch let error as AccountError {
            #expect(error.code == .relyingPartyMismatch, "\(what): \(error)")
        } catch {
            Issue.record("\(what): \(error)")
        }
    }

    @Test func aRewrittenRPIDStopsBeforeAnyAuthenticatorAndNoFinishIsCalled() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let proxy = try await RelayProxy.start()
        // The server is reached only through the relay here, so that is the origin it accepts.
        let server = try await AccountServerProcess.start(
            dataDir: root + "/server", extraArguments: ["--origin", proxy.url])
        defer { server.terminate() }
        proxy.forward(to: server.url)

        // Device A registers through the relay while it still passes everything on.
        let passkeyA = root + "/passkey-a"
        let registration = try await Self.session(root + "/a", proxy.url).register(
            authenticator: Self.software(passkeyA))
        let recoveryFile = root + "/recovery-key"
        try registration.recoveryKey.revealedText().write(toFile: recoveryFile, atomically: true, encoding: .utf8)

        proxy.rewriteRPID(to: "github.com")
        let finishesBefore = Self.finishRoutes.map { proxy.count($0) }

        let key = VirtualSecurityKey()
        let newSoftware = CountingAuthenticator(Self.software(root + "/passkey-new"))
        let existingSoftware = CountingAuthenticator(Self.software(passkeyA))
        await Self.expectRefusedRP("register, software passkey") {
            _ = try await Self.session(root + "/r1", proxy.url).register(authenticator: newSoftware)
        }
        await Self.expectRefusedRP("register, security key") {
            _ = try await Self.session(root + "/r2", proxy.url).register(authenticator: Self.fido(key))
        }
        await Self.expectRefusedRP("login, software passkey") {
            _ = try await Self.session(root + "/l1", proxy.url).login(authenticator: existingSoftware)
        }
        await Self.expectRefusedRP("login, security key") {
            _ = try await Self.session(root + "/l2", proxy.url).login(authenticator: Self.fido(key))
        }
        await Self.expectRefusedRP("unlock") {
            _ = try await AccountSession(dataFolder: root + "/a", server: nil) { _ in existingSoftware }.unlock()
        }
        await Self.expectRefusedRP("passkeys add, software passkey") {
            _ = try await Self.session(root + "/a", proxy.url).addPasskey(newSoftware, keys: registration.keys)
        }
        await Self.expectRefusedRP("passkeys add, security key") {
            _ = try await Self.session(root + "/a", proxy.url).addPasskey(Self.fido(key), keys: registration.keys)
        }
        let logoutsBefore = proxy.count("/v1/account/logout")
        await Self.expectRefusedRP("recover") {
            _ = try await Self.session(root + "/c", proxy.url).recover(
                recoveryKey: registration.recoveryKey, newAuthenticator: newSoftware)
        }
        // The recovery session the device will not keep is closed at once.
        #expect(proxy.count("/v1/account/logout") == logoutsBefore + 1)

        // The commands, as a user runs them.
        let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": Self.passphrase]
        let commands: [(String, [String], String?)] = [
            (
                "register",
                ["register", "--server", proxy.url, "--data-dir", root + "/r3", "--software-passkey", root + "/cli-r"],
                root + "/cli-r"
            ),
            (
                "login", ["login", "--server", proxy.url, "--data-dir", root + "/l3", "--software-passkey", passkeyA],
                nil
            ),
            (
                "passkeys add", ["passkeys", "add", "--data-dir", root + "/a", "--software-passkey", root + "/cli-p"],
                root + "/cli-p"
            ),
            (
                "recover",
                [
                    "recover", "--server", proxy.url, "--data-dir", root + "/c3", "--recovery-key-file", recoveryFile,
                    "--software-passkey", root + "/cli-c",
                ],
                root + "/cli-c"
            ),
        ]
        for (name, arguments, newPasskeyFile) in commands {
            let result = try await Executables.run("sotto", arguments, environment: env)
            #expect(result.status == 1, "\(name): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("SOTTO-ACCOUNT-RP-MISMATCH"), "\(name): \(result.stderr)")
            #expect(result.stderr.contains("nothing was signed"), "\(name): \(result.stderr)")
            if let newPasskeyFile { #expect(!FileManager.default.fileExists(atPath: newPasskeyFile), "\(name)") }
        }

        #expect(newSoftware.callCount == 0)
        #expect(existingSoftware.callCount == 0)
        #expect(key.commandsReceived.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root + "/passkey-new"))
        #expect(Self.finishRoutes.map { proxy.count($0) } == finishesBefore, "\(proxy.counts)")
        // The relay did serve the begin calls it rewrote.
        #expect(proxy.count("/v1/accounts/register/begin") >= 4)
        #expect(proxy.count("/v1/accounts/login/begin") >= 4)

        // Passed through again, the same passkey still logs in.
        proxy.rewriteRPID(to: nil)
        let login = try await Self.session(root + "/l4", proxy.url).login(authenticator: Self.software(passkeyA))
        #expect(login.state.rpID == "localhost")
        await proxy.stop()
    }

    @Test func theServerRefusesAClientDataOriginItIsNotReachedAt() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let proxy = try await RelayProxy.start()
        proxy.forward(to: server.url)

        // Reached directly, the server accepts the origin the client names: its own address.
        let passkey = root + "/passkey"
        _ = try await Self.session(root + "/a", server.url).register(authenticator: Self.software(passkey))
        _ = try await Self.session(root + "/b", "http://localhost:\(URL(string: server.url)!.port!)").login(
            authenticator: Self.software(passkey))

        // Through a relay (same RP ID, another origin) both ceremonies fail at the server.
        for (name, ceremony) in [
            (
                "register",
                {
                    _ = try await Self.session(root + "/c", proxy.url).register(
                        authenticator: Self.software(root + "/other"))
                }
            ),
            (
                "login",
                { _ = try await Self.session(root + "/d", proxy.url).login(authenticator: Self.software(passkey)) }
            ),
        ] as [(String, () async throws -> Void)] {
            do {
                try await ceremony()
                Issue.record("\(name) through a relay was accepted")
            } catch let error as AccountAPIError {
                #expect(error.code == "SOTTO-AUTH-VERIFY", "\(name): \(error)")
                #expect(error.serverMessage.contains("SOTTO-WEBAUTHN-ORIGIN"), "\(name): \(error)")
            }
        }
        #expect(proxy.count("/v1/accounts/register/finish") == 1)
        #expect(proxy.count("/v1/accounts/login/finish") == 1)
        await proxy.stop()
    }
}
