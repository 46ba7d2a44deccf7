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
        let xdg = try XDGDirectories(environment: environment)
        var global = global
        let local = try await LocalMode.attach(&global) { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
        if local == nil, let configured = try? global.device().serverURL() { global.server = configured }
        do {
            try await openChat(device: global.device(account), xdg: xdg, theme: theme)
        } catch {
            local?.stop()
            throw error
        }
        local?.stop()
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
