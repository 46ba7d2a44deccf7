import Foundation
import TestSupport
import Testing

/// `sotto keys rotate` and the hint of `sotto recovery-key rotate`, as a user runs them, against
/// the real server: a passkey not presented is removed only when confirmed (`--yes` in a
/// script), a refused run continues when run again, the history still reads on both devices,
/// and the old recovery key stops working.
@Suite(.serialized) struct KeysRotateCommandLineTests {
    @Test func keysRotateKeepsTheHistoryAndRetiresTheOldRecoveryKey() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = try await AccountServerProcess.start(dataDir: root + "/server")
        defer { server.terminate() }
        let env = ["HOME": root, "PATH": "/usr/bin:/bin", "SOTTO_PASSPHRASE": "correct horse battery staple"]
        func sotto(_ arguments: [String]) async throws -> Executables.Result {
            try await Executables.run("sotto", arguments, environment: env)
        }

        let register = try await sotto([
            "register", "--server", server.url, "--data-dir", root + "/a", "--software-passkey", root + "/pk-a",
            "--recovery-key-out", root + "/recovery-old",
        ])
        #expect(register.status == 0, "\(register.stderr)")
        for name in ["b", "c"] {
            let add = try await sotto([
                "passkeys", "add", "--data-dir", root + "/a", "--software-passkey", root + "/pk-" + name,
            ])
            #expect(add.status == 0, "\(add.stderr)")
        }
        let ask = try await sotto(["ask", "--dev", "--data-dir", root + "/a", "a question about trains"])
        #expect(ask.status == 0, "\(ask.stderr)")
        #expect(try await sotto(["sync", "--data-dir", root + "/a"]).status == 0)

        let help = try await sotto(["keys", "rotate", "--help"])
        #expect(help.stdout.contains("--software-passkey"))
        #expect(help.stdout.contains("continues where it stopped"))

        // Passkey c is not presented: a script without --yes removes nothing and says how.
        let unconfirmed = try await sotto([
            "keys", "rotate", "--data-dir", root + "/a", "--software-passkey", root + "/pk-b",
            "--recovery-key-out", root + "/recovery-new",
        ])
        #expect(unconfirmed.status != 0)
        #expect(unconfirmed.stderr.contains("--yes"), "\(unconfirmed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/recovery-new"))
        let stillThree = try await sotto(["passkeys", "list", "--data-dir", root + "/a"])
        #expect(stillThree.stdout.split(separator: "\n").count == 3, "\(stillThree.stdout)")

        let rotate = try await sotto([
            "keys", "rotate", "--data-dir", root + "/a", "--software-passkey", root + "/pk-b", "--yes",
            "--recovery-key-out", root + "/recovery-new",
        ])
        #expect(rotate.status == 0, "\(rotate.stdout)\(rotate.stderr)")
        #expect(rotate.stdout.contains("root key of account"), "\(rotate.stdout)")
        #expect(rotate.stdout.contains("Removed 1 passkey"))
        #expect(FileManager.default.fileExists(atPath: root + "/recovery-new"))
        #expect(!FileManager.default.fileExists(atPath: root + "/a/key-rotation.json"))

        let history = try await sotto(["history", "--data-dir", root + "/a"])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("trains"))
        let loginB = try await sotto([
            "login", "--server", server.url, "--data-dir", root + "/b", "--software-passkey", root + "/pk-b",
        ])
        #expect(loginB.status == 0, "\(loginB.stderr)")
        let syncB = try await sotto(["sync", "--data-dir", root + "/b"])
        #expect(syncB.status == 0, "\(syncB.stdout)\(syncB.stderr)")
        #expect(try await sotto(["history", "--data-dir", root + "/b"]).stdout.contains("trains"))
        let loginC = try await sotto([
            "login", "--server", server.url, "--data-dir", root + "/c", "--software-passkey", root + "/pk-c",
        ])
        #expect(loginC.status == 1)

        let oldRecovery = try await sotto([
            "recover", "--server", server.url, "--data-dir", root + "/d", "--recovery-key-file", root + "/recovery-old",
            "--software-passkey", root + "/pk-d",
        ])
        #expect(oldRecovery.status == 1)
        #expect(oldRecovery.stderr.contains("SOTTO-ACCOUNT-RECOVERY-REJECTED"), "\(oldRecovery.stderr)")

        // Replacing the recovery key alone says what it does not do, and offers the rotation.
        let recoveryOnly = try await sotto([
            "recovery-key", "rotate", "--data-dir", root + "/a", "--recovery-key-out", root + "/recovery-third",
        ])
        #expect(recoveryOnly.status == 0, "\(recoveryOnly.stderr)")
        #expect(recoveryOnly.stderr.contains("sotto keys rotate"), "\(recoveryOnly.stderr)")
    }
}
