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

    /// A client wired to the real network, audit log and trust settings.
    func makeClient() throws -> InferenceClient {
        let folders = try folders()
        return InferenceClient(
            serverURL: try serverURL(), trust: .production,
            developmentStore: dev ? DevelopmentTrustStore(path: folders.developmentTrustPath) : nil,
            auditLog: FileAuditLog(path: folders.auditLogPath))
    }
}

/// Printed wherever simulated attestation is in use.
let simulatedLabel = "simulated attestation (development)"

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
