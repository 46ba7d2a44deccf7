import ArgumentParser
import Core
import Foundation
import Wire

/// The account commands' option (a software passkey's passphrase file) and what they ask on
/// the terminal: the passphrase when it is not given, and which authenticator to use.
struct AccountOptions: ParsableArguments {
    @Option(
        help: "Read a software passkey's passphrase from this file (default: $SOTTO_PASSPHRASE, else ask).",
        completion: .file())
    var passphraseFile: String?

    /// The device `global` names and its session, asking on the terminal for what an unlock needs.
    func session(_ global: GlobalOptions) throws -> (device: Device, session: AccountSession) {
        let device = try global.device(self)
        return (
            device,
            try device.accountSession(passphrase: { try Self.passphrase(device) }, securityKey: terminalSecurityKey)
        )
    }

    /// The authenticator for a ceremony: the software passkey at `softwarePasskey` when given,
    /// else a security key, else the software passkey at the device's default place (created
    /// there when `creating`).
    func authenticator(softwarePasskey: String?, creating: Bool, _ device: Device) throws -> any Authenticator {
        if let softwarePasskey {
            return SoftwareAuthenticator(
                path: Self.absolute(softwarePasskey), passphrase: try Self.passphrase(device, confirm: creating))
        }
        if let securityKey = try? terminalSecurityKey() { return securityKey }
        let path = SoftwareAuthenticator.defaultPath(in: device.folders)
        guard creating || FileManager.default.fileExists(atPath: path) else {
            throw ValidationError(
                "no passkey found: plug in a security key, or pass --software-passkey FILE (no software passkey at \(path))"
            )
        }
        printError("sotto: no security key found; using the software passkey at \(path)")
        return SoftwareAuthenticator(path: path, passphrase: try Self.passphrase(device, confirm: creating))
    }

    /// The passphrase as the device was given it (file or `SOTTO_PASSPHRASE`), else typed on
    /// the terminal (twice for a new passkey, since a typo there would lock the passkey for good).
    static func passphrase(_ device: Device, confirm: Bool = false) throws -> SecureBytes {
        if let given = try device.givenPassphrase() { return given }
        let prompt = confirm ? "New software passkey passphrase: " : "Software passkey passphrase: "
        guard let typed = TerminalPassphrase.read(prompt: prompt) else {
            throw ValidationError(
                "a software passkey needs its passphrase: set \(PassphraseSource.environmentVariable) or pass --passphrase-file FILE"
            )
        }
        guard typed.count > 0 else { throw ValidationError("the passphrase is empty; an empty one is refused") }
        if confirm {
            guard let again = TerminalPassphrase.read(prompt: "The same passphrase again: "), again == typed else {
                throw ValidationError("the two passphrases differ; nothing was created")
            }
        }
        return typed
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// Runs an account command's body; errors are printed as "sotto: CODE: message" with a hint
/// where one helps, and end the process with status 1. A mistyped passphrase typed on the
/// terminal may be tried again twice (the body runs again from the start).
func runAccountCommand(retryingTypedPassphrase: Bool = false, _ body: () async throws -> Void) async throws {
    var attemptsLeft = retryingTypedPassphrase ? 3 : 1
    while true {
        attemptsLeft -= 1
        do {
            try await body()
            return
        } catch let error as PasskeyError where error.code == .wrongPassphrase && attemptsLeft > 0 {
            printError("sotto: that passphrase does not open the software passkey; try again")
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch let error as PasskeyError where error.code == .wrongPassphrase {
            printError("sotto: \(error)")
            printError("sotto: nothing was changed; run the command again with the right passphrase")
            throw ExitCode(1)
        } catch {
            printError("sotto: \(errorText(error))")
            throw ExitCode(1)
        }
    }
}

/// Shows a new recovery key once: on standard output with a note to write it down, or in a
/// new owner-only file.
enum RecoveryKeyOutput {
    /// Refuses an output file that exists before anything is changed on the server.
    static func check(_ path: String?) throws {
        guard let path else { return }
        if FileManager.default.fileExists(atPath: AccountOptions.absolute(path)) {
            throw ValidationError("\(path) already exists; choose a new file for the recovery key")
        }
    }

    static func show(_ key: RecoveryKey, to path: String?) {
        if let path {
            let absolute = AccountOptions.absolute(path)
            var bytes = Array((key.revealedText() + "\n").utf8)
            defer { ConstantTime.wipe(&bytes) }
            do throws(PrivateFile.Failure) {
                try PrivateFile.write(bytes, to: absolute, replaceExisting: false)
                print("The recovery key is in \(absolute) (readable only by you). Keep a copy away from this computer.")
                return
            } catch {
                printError("sotto: could not write \(absolute); showing the recovery key here instead")
            }
        }
        print(
            """

            Recovery key (shown once; write this down and keep it somewhere safe, away from this computer):

                \(key.revealedText())

            With it you can get back into the account if you lose every passkey. Anyone who has it can too.

            """)
    }
}

/// "2026-12-29 20:00 UTC" for seconds since 1970.
func formatTime(_ seconds: Int64) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
}
