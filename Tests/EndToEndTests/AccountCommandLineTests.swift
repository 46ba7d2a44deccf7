import Foundation
import TestSupport
import Testing

/// The account commands as a user runs them, against the real server: register on device A
/// with a software passkey file, log in on device B with the same file, recover on device C
/// from the recovery key file, remove A's passkey, log out.
@Suite(.serialized) struct AccountCommandLineTests {
    @Test func registerLoginRecoverRemoveLogout() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-acct-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let passkey = root + "/passkey-a"
        let recoveryFile = root + "/recovery-key"
        let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": "correct horse battery staple"]
        func sotto(_ arguments: [String], passphrase: String? = nil) async throws -> Executables.Result {
            var environment = env
            if let passphrase { environment["SOTTO_PASSPHRASE"] = passphrase }
            return try await Executables.run("sotto", arguments, environment: environment)
        }

        let register = try await sotto([
            "register", "--server", server.url, "--data-dir", root + "/a", "--software-passkey", passkey,
            "--recovery-key-out", recoveryFile,
        ])
        #expect(register.status == 0, "\(register.stdout)\(register.stderr)")
        #expect(register.stdout.contains("Registered account"))
        #expect(register.stdout.contains("software passkey"))
        let mode = try FileManager.default.attributesOfItem(atPath: recoveryFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let recoveryText = try String(contentsOfFile: recoveryFile, encoding: .utf8)
        #expect(recoveryText.filter { $0 != "-" && !$0.isWhitespace }.count == 56)
        #expect(!register.stdout.contains(recoveryText.trimmingCharacters(in: .whitespacesAndNewlines)))

        let again = try await sotto([
            "register", "--server", server.url, "--data-dir", root + "/a", "--software-passkey", root + "/other",
        ])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds account"))

        let whoamiA = try await sotto(["whoami", "--data-dir", root + "/a"])
        #expect(whoamiA.status == 0, "\(whoamiA.stderr)")
        let account = try #require(
            whoamiA.stdout.split(separator: "\n").first { $0.hasPrefix("account") }?.split(separator: " ").last)

        let login = try await sotto([
            "login", "--server", server.url, "--data-dir", root + "/b", "--software-passkey", passkey,
        ])
        #expect(login.status == 0, "\(login.stdout)\(login.stderr)")
        let whoamiB = try await sotto(["whoami", "--data-dir", root + "/b"])
        #expect(whoamiB.status == 0, "\(whoamiB.stderr)")
        #expect(whoamiB.stdout.contains("account   \(account)"))
        #expect(whoamiB.stdout.contains("server    \(server.url)"))
        #expect(whoamiB.stdout.contains("software passkey, credential"))
        #expect(whoamiB.stdout.contains("session   until"))

        let wrong = try await sotto(
            ["login", "--server", server.url, "--data-dir", root + "/wrong", "--software-passkey", passkey],
            passphrase: "not the passphrase")
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("SOTTO-PASSKEY-WRONG-PASSPHRASE"))
        #expect(wrong.stderr.contains("right passphrase"))
        #expect(!FileManager.default.fileExists(atPath: root + "/wrong/account.json"))

        let recover = try await sotto([
            "recover", "--server", server.url, "--data-dir", root + "/c", "--recovery-key-file", recoveryFile,
            "--software-passkey", root + "/passkey-c",
        ])
        #expect(recover.status == 0, "\(recover.stdout)\(recover.stderr)")
        #expect(recover.stdout.contains("Recovered account \(account)"))

        let list = try await sotto(["passkeys", "list", "--data-dir", root + "/c"])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let other = try #require(lines.first { !$0.contains("(this device)") })
        let removedID = String(try #require(other.split(separator: " ").first))

        // A base64url id may begin with "-": after "--" it is never taken for an option.
        let remove = try await sotto(["passkeys", "remove", "--data-dir", root + "/c", "--", removedID])
        #expect(remove.status == 0, "\(remove.stdout)\(remove.stderr)")
        let refused = try await sotto([
            "login", "--server", server.url, "--data-dir", root + "/d", "--software-passkey", passkey,
        ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not registered"), "\(refused.stderr)")

        let logout = try await sotto(["logout", "--data-dir", root + "/c"])
        #expect(logout.status == 0, "\(logout.stderr)")
        let gone = try await sotto(["whoami", "--data-dir", root + "/c"])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("SOTTO-ACCOUNT-NOT-REGISTERED"))
        #expect(FileManager.default.fileExists(atPath: root + "/passkey-c"))
    }

    @Test func registerWithoutAServerSaysSo() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-acct-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try await Executables.run(
            "sotto", ["register", "--data-dir", root + "/a"],
            environment: ["HOME": root, "XDG_CONFIG_HOME": root, "SOTTO_PASSPHRASE": "x"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no server given"))
        #expect(!FileManager.default.fileExists(atPath: root + "/a/passkey/software-passkey"))
    }
}
