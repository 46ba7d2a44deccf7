import Core
import Foundation
import ServerTesting
import TestSupport
import Testing

/// `sotto logout` and `sotto logout --everywhere` with three devices of one account on the real
/// server: a plain logout ends only its own device's session; `--everywhere` ends them all.
@Suite(.serialized) struct LogoutEverywhereTests {
    @Test func logoutEverywhereRevokesEveryDevicesSessionPlainLogoutOnlyItsOwn() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-logout-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let passkey = root + "/passkey"
        let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": "correct horse battery staple"]
        func sotto(_ arguments: [String]) async throws -> Executables.Result {
            try await Executables.run("sotto", arguments, environment: env)
        }
        /// The session token device `name` holds, from its account file.
        func token(_ name: String) throws -> String {
            let state = try #require(try AccountStateFile(dataFolder: root + "/" + name).load())
            return try #require(state.session?.token)
        }
        /// The status the server answers `GET /v1/account` with for `token`.
        func status(_ token: String) async throws -> Int {
            try await LoopbackHTTP.send(.GET, server.url + "/v1/account", bearer: token).status
        }

        let register = try await sotto([
            "register", "--server", server.url, "--data-dir", root + "/a", "--software-passkey", passkey,
            "--recovery-key-out", root + "/recovery-key",
        ])
        #expect(register.status == 0, "\(register.stdout)\(register.stderr)")
        for device in ["b", "c"] {
            let login = try await sotto([
                "login", "--server", server.url, "--data-dir", root + "/" + device, "--software-passkey", passkey,
            ])
            #expect(login.status == 0, "\(login.stdout)\(login.stderr)")
        }
        let (a, b, c) = (try token("a"), try token("b"), try token("c"))
        for token in [a, b, c] { #expect(try await status(token) == 200) }

        // A plain logout ends C's session only.
        let plain = try await sotto(["logout", "--data-dir", root + "/c"])
        #expect(plain.status == 0, "\(plain.stdout)\(plain.stderr)")
        #expect(try await status(c) == 401)
        #expect(try await status(a) == 200)
        #expect(try await status(b) == 200)
        let stillB = try await sotto(["passkeys", "list", "--data-dir", root + "/b"])
        #expect(stillB.status == 0, "\(stillB.stdout)\(stillB.stderr)")

        // --everywhere on A ends B's session too, and A forgets the account.
        let everywhere = try await sotto(["logout", "--everywhere", "--data-dir", root + "/a"])
        #expect(everywhere.status == 0, "\(everywhere.stdout)\(everywhere.stderr)")
        #expect(everywhere.stdout.contains("every device must log in again"))
        #expect(!FileManager.default.fileExists(atPath: root + "/a/account.json"))
        #expect(try await status(a) == 401)
        #expect(try await status(b) == 401)
        let refusedB = try await sotto(["passkeys", "list", "--data-dir", root + "/b"])
        #expect(refusedB.status == 1)
        #expect(refusedB.stderr.contains("SOTTO-AUTH-SESSION"), "\(refusedB.stderr)")

        // The account itself lives on: B logs in again.
        let again = try await sotto([
            "login", "--server", server.url, "--data-dir", root + "/b", "--software-passkey", passkey,
        ])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(try await status(try token("b")) == 200)
    }
}
