import ArgumentParser
import Core
import Foundation

/// Options every `sotto` command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The Sotto server, e.g. https://sotto.example (default: `server` in config.toml).")
    var server: String?

    @Option(help: "This device's folder (default: the XDG data and state folders).", completion: .directory)
    var dataDir: String?

    @Flag(help: "Trust the development attestation root (simulated attestation; never for real use).")
    var dev = false

    func validate() throws {
        // Refused here too, so the message comes before any passphrase or security key prompt.
        if let server {
            do {
                try CleartextPolicy.check(server)
            } catch {
                throw ValidationError("--server: \(error)")
            }
        }
    }

    func folders() throws -> DeviceFolders {
        do {
            return try DeviceFolders(dataDirectory: dataDir, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The device these options name; `account` gives its passphrase file.
    func device(_ account: AccountOptions? = nil) throws -> Device {
        var device = Device(
            folders: try folders(), server: server, development: dev, passphraseFile: account?.passphraseFile,
            environment: ProcessInfo.processInfo.environment)
        device.busyRetry.notice = { printError("sotto: \($0)") }
        return device
    }

    /// The shipped attestation policy tightened by the user's policy.toml.
    func attestationPolicy() throws -> VerificationPolicy {
        try usage { try device().attestationPolicy() }
    }

    /// A client wired to the real network, audit log and trust settings.
    func makeClient() throws -> InferenceClient {
        try usage { try device().inferenceClient() }
    }
}

/// Runs `body`, reporting what it throws as a problem with the command line or its files.
func usage<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ValidationError {
        throw error
    } catch {
        throw ValidationError("\(error)")
    }
}

/// Printed wherever simulated attestation is in use.
let simulatedLabel = "simulated attestation (development)"
