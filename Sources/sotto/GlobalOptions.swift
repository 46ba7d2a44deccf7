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

    /// The server to talk to: `--server`, else the one this device's account is on, else the
    /// configuration file.
    func serverURL() throws -> String {
        if let server { return server }
        let folders = try folders()
        if let state = try? AccountStateFile(dataFolder: folders.data).load() { return state.server }
        let configuration: ClientConfiguration
        do {
            configuration = try ClientConfiguration.load(path: folders.configurationPath)
        } catch {
            throw ValidationError("\(error)")
        }
        guard let server = configuration.server else {
            throw ValidationError(
                "no server given: pass --server URL or set server = \"https://…\" in \(folders.configurationPath)")
        }
        return server
    }

    /// The shipped attestation policy tightened by the user's policy.toml.
    func attestationPolicy() throws -> VerificationPolicy {
        let path = AttestationPolicyFile.path(inConfigFolder: try folders().config)
        do {
            return try AttestationPolicyFile.apply(path: path, to: .shipped)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// A client wired to the real network, audit log and trust settings.
    func makeClient() throws -> InferenceClient {
        let folders = try folders()
        var trust = TrustSettings.production
        trust.policy = try attestationPolicy()
        return InferenceClient(
            serverURL: try serverURL(), trust: trust,
            developmentStore: dev ? DevelopmentTrustStore(path: folders.developmentTrustPath) : nil,
            securityVersions: SecurityVersionStore(path: folders.securityVersionsPath),
            auditLog: FileAuditLog(path: folders.auditLogPath), busyRetry: Self.busyRetry())
    }

    /// Tries a busy server again, saying so; `SOTTO_BUSY_WAIT` (seconds) shortens each wait.
    private static func busyRetry() -> BusyRetry {
        var retry = BusyRetry(notice: { printError("sotto: \($0)") })
        if let text = ProcessInfo.processInfo.environment["SOTTO_BUSY_WAIT"], let seconds = Int(text), seconds >= 1 {
            retry.longestWait = min(retry.longestWait, seconds)
        }
        return retry
    }
}

/// Printed wherever simulated attestation is in use.
let simulatedLabel = "simulated attestation (development)"
