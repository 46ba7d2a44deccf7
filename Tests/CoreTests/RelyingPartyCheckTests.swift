import CoreTesting
import Foundation
import Testing
import Wire

@testable import Core

/// The RP IDs a server may ask passkeys for, and the origin the client names: what a browser
/// would allow a page of that server, nothing more.
@Suite struct RelyingPartyCheckTests {
    static func accepts(_ rpID: String, _ url: String, configured: String? = nil) -> Bool {
        (try? RelyingPartyCheck.validate(rpID: rpID, serverURL: url, configuredParent: configured)) != nil
    }

    @Test func aLoopbackServerMayOnlyUseLocalhost() {
        for url in [
            "http://127.0.0.1:8080", "http://127.1.2.3", "http://[::1]:9", "http://localhost:8080",
            "http://a.localhost",
        ] {
            #expect(Self.accepts("localhost", url), "\(url)")
            for rpID in ["github.com", "anything.example", "127.0.0.1", "a.localhost"] {
                #expect(!Self.accepts(rpID, url), "\(rpID) for \(url)")
                #expect(!Self.accepts(rpID, url, configured: rpID), "\(rpID) for \(url), even configured")
            }
        }
    }

    @Test func aNameThatStartsWith127IsNotLoopback() {
        #expect(!Self.accepts("github.com", "https://127.evil.example"))
        #expect(!Self.accepts("localhost", "https://127.evil.example"))
        #expect(!Self.accepts("github.com", "http://127.0.0.1.evil.example:8080"))
        #expect(Self.accepts("127.evil.example", "https://127.evil.example"))
    }

    @Test func elsewhereTheRPIDIsTheHost() {
        #expect(Self.accepts("sotto.example", "https://sotto.example"))
        #expect(Self.accepts("sotto.example", "https://sotto.example:8443/"))
        #expect(Self.accepts("chat.sotto.example", "https://Chat.Sotto.Example"))
        for (rpID, url) in [
            ("bank.example", "https://sotto.example"), ("example", "https://notexample"),
            ("sotto.example", "https://sotto.example.evil.test"), ("sotto.example", "https://evilsotto.example"),
            ("github.com", "https://sotto.example"), ("localhost", "https://sotto.example"),
            ("Sotto.Example", "https://sotto.example"), ("sotto.example.", "https://sotto.example"),
            ("", "https://sotto.example"),
        ] {
            #expect(!Self.accepts(rpID, url), "\(rpID) for \(url)")
        }
    }

    @Test func aParentDomainOnlyWhenTheUserConfiguredItForThatServer() throws {
        #expect(!Self.accepts("sotto.example", "https://api.sotto.example"))
        #expect(!Self.accepts("sotto.example", "https://api.sotto.example", configured: "other.example"))
        #expect(Self.accepts("sotto.example", "https://api.sotto.example", configured: "sotto.example"))
        #expect(Self.accepts("sotto.example", "https://a.b.sotto.example:8443", configured: "sotto.example"))
        // An IP literal has no parent domain.
        #expect(!Self.accepts("0.0.5", "https://10.0.0.5", configured: "0.0.5"))
        // The configuration names the parent for its own server only.
        let configuration = ClientConfiguration(server: "https://api.sotto.example/", rpID: "sotto.example")
        #expect(configuration.configuredRPID(for: "https://api.sotto.example") == "sotto.example")
        #expect(configuration.configuredRPID(for: "https://other.sotto.example") == nil)
        let error = try #require(throws: AccountError.self) {
            try RelyingPartyCheck.validate(
                rpID: "sotto.example", serverURL: "https://api.sotto.example", configuredParent: nil)
        }
        #expect(error.code == .relyingPartyMismatch)
        #expect(error.message.contains("rp_id = \"sotto.example\""))
    }

    @Test func neverAPublicSuffixEvenConfigured() {
        for (rpID, url) in [
            ("com", "https://sotto.com"), ("co.uk", "https://sotto.co.uk"), ("github.io", "https://me.github.io"),
            ("herokuapp.com", "https://sotto.herokuapp.com"), ("intranet", "https://intranet"),
            ("com", "https://com"), ("co.uk", "https://co.uk"),
        ] {
            #expect(!Self.accepts(rpID, url, configured: rpID), "\(rpID) for \(url)")
        }
        #expect(Self.accepts("sotto.co.uk", "https://chat.sotto.co.uk", configured: "sotto.co.uk"))
        #expect(Self.accepts("me.github.io", "https://me.github.io"))
    }

    @Test func configurationReadsRPIDBesideItsServer() throws {
        let folder = try PasskeyTestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/config.toml"
        try "server = \"https://api.sotto.example\"\nrp_id = \"sotto.example\"\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ClientConfiguration.load(path: path)
        #expect(configuration.rpID == "sotto.example")
        for text in [
            "rp_id = \"sotto.example\"\n", "server = \"https://a.sotto.example\"\nrp_id = \"Sotto.Example\"\n",
        ] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: ConfigurationFileError.self, "\(text)") { try ClientConfiguration.load(path: path) }
        }
    }

    @Test func clientDataNamesTheServersRealOrigin() throws {
        let challenge = SecureRandom.bytes(32)
        for (url, origin) in [
            ("http://127.0.0.1:8443/", "http://127.0.0.1:8443"), ("https://sotto.example:443", "https://sotto.example"),
            ("https://api.sotto.example:8443", "https://api.sotto.example:8443"), ("http://[::1]:7", "http://[::1]:7"),
        ] {
            let json = CeremonyData.clientDataJSON(
                type: .create, challenge: challenge, origin: try AccountSession.origin(of: url))
            let parsed = try CollectedClientData(bytes: json)
            #expect(parsed.type == "webauthn.create")
            #expect(parsed.challenge == challenge)
            #expect(parsed.origin == origin)
            #expect(!parsed.crossOrigin)
            #expect(String(decoding: json, as: UTF8.self).hasPrefix("{\"type\":\"webauthn.create\",\"challenge\":"))
        }
    }
}
