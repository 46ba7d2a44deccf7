import ArgumentParser
import Core
import Foundation
import Wire

/// Local mode: with no server configured (or the device's account on local mode's own), a
/// development server (simulated attestation, embedded model) on loopback, started as a child
/// or shared with the window or command that started it, trusted through the development root
/// only. The full screen and the commands (`ask`, `sync`, …) take the same way in.
enum LocalMode {
    /// Points `global` at the local server, starting it when none runs; nil (and `global`
    /// unchanged) when a server other than local mode's is configured. Call `stop()` on the
    /// result when done: the server stays while another window or command uses it.
    /// - Parameter notice: where to say that the local server starts (stdout for the full
    ///   screen, stderr for a command whose stdout is an answer).
    static func attach(_ global: inout GlobalOptions, notice: (String) -> Void) async throws -> LocalServer? {
        let environment = ProcessInfo.processInfo.environment
        let device = try global.device()
        if let configured = try? device.serverURL(), !isLocal(configured, environment) { return nil }
        let xdg = try XDGDirectories(environment: environment)
        guard let executable = LocalServer.findExecutable(environment: environment) else {
            throw ValidationError(
                "no server configured and no sotto-server beside sotto for local mode; pass --server URL")
        }
        let model = environment["SOTTO_MODEL"] ?? xdg.data + "/models/SmolLM2-135M-Instruct-Q4_1.gguf"
        notice("Starting the local development server (SIMULATED attestation, embedded model)…")
        let server = try await LocalServer.start(
            LocalServer.Options(
                executable: executable, modelPath: model, dataDirectory: xdg.data + "/local-server",
                logPath: xdg.state + "/local-server.log", port: localPort(environment),
                secretPath: xdg.data + "/local-server.secret", environment: environment))
        do {
            if try server.pinDevelopmentTrust(in: DevelopmentTrustStore(path: device.folders.developmentTrustPath)) {
                FileHandle.standardError.write(
                    Data(
                        ("The local server's development authority was renewed (the old one is refused by this "
                            + "version); this device now trusts the new one.\n").utf8))
            }
        } catch {
            server.stop()
            throw error
        }
        global.server = server.url
        global.dev = true
        return server
    }

    /// The local server's port: `SOTTO_LOCAL_PORT`, else the default.
    static func localPort(_ environment: [String: String]) -> Int {
        environment["SOTTO_LOCAL_PORT"].flatMap(Int.init).flatMap { (1...65535).contains($0) ? $0 : nil }
            ?? LocalServer.defaultPort
    }

    /// The local mode's own server, which a device's account remembers like any other.
    static func isLocal(_ url: String, _ environment: [String: String]) -> Bool {
        url == "http://127.0.0.1:\(localPort(environment))"
    }
}
