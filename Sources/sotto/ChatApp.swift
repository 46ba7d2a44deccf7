import ArgumentParser
import Core
import Foundation
import TUI
import Wire

/// `sotto` with no subcommand: the full-screen chat. With no server configured it runs in
/// local mode: a development server (simulated attestation, embedded model) started as a
/// child on loopback, trusted through the development root only, stopped on exit.
enum ChatApp {
    static func run(global: GlobalOptions, account: AccountOptions, theme: String?) async throws {
        let environment = ProcessInfo.processInfo.environment
        let device = try global.device()
        let xdg = try XDGDirectories(environment: environment)
        var global = global
        var local: LocalServer?
        if let configured = try? device.serverURL(), !isLocal(configured, environment) {
            global.server = configured
        } else {
            guard let executable = LocalServer.findExecutable(environment: environment) else {
                throw ValidationError(
                    "no server configured and no sotto-server beside sotto for local mode; pass --server URL")
            }
            let model = environment["SOTTO_MODEL"] ?? xdg.data + "/models/SmolLM2-135M-Instruct-Q4_1.gguf"
            FileHandle.standardOutput.write(
                Data("Starting the local development server (SIMULATED attestation, embedded model)…\n".utf8))
            let server = try await LocalServer.start(
                LocalServer.Options(
                    executable: executable, modelPath: model, dataDirectory: xdg.data + "/local-server",
                    logPath: xdg.state + "/local-server.log", port: localPort(environment),
                    secretPath: xdg.data + "/local-server.secret", environment: environment))
            local = server
            do {
                if try server.pinDevelopmentTrust(in: DevelopmentTrustStore(path: device.folders.developmentTrustPath))
                {
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
        }
        do {
            try await openChat(device: global.device(account), xdg: xdg, theme: theme)
        } catch {
            local?.stop()
            throw error
        }
        local?.stop()
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

    /// The full screen: onboarding or unlock, then the chat on the history they open.
    private static func openChat(
        device: Device, xdg: XDGDirectories, theme: String?
    ) async throws {
        let prompts = AccessPrompts()
        let access = CoreAccessService(device: device, prompts: prompts)
        do {
            try await TUIApplication.run(
                access: access, prompts: prompts, environment: ProcessInfo.processInfo.environment,
                userThemeDirectory: xdg.config + "/themes", themeName: theme)
        } catch let error as TerminalError {
            await access.close()
            throw ValidationError(error.description)
        }
        await access.close()
    }
}
