import ArgumentParser
import Core
import Foundation
import TUI
import Wire

/// `sotto` with no subcommand: the full-screen chat. With no server configured it runs in
/// local mode: a development server (simulated attestation, embedded model) started as a
/// child on loopback, trusted through the development root only, stopped on exit.
enum ChatApp {
    static func say(_ text: String) { Onboarding.say(text) }

    static func run(global: GlobalOptions, account: AccountOptions, theme: String?) async throws {
        let environment = ProcessInfo.processInfo.environment
        let folders = try global.folders()
        let xdg = try XDGDirectories(environment: environment)
        var global = global
        var local: LocalServer?
        let configured =
            global.server
            ?? (try? AccountStateFile(dataFolder: folders.data).load())??.server
            ?? (try? ClientConfiguration.load(path: folders.configurationPath))?.server
        if let configured, !isLocal(configured, environment) {
            global.server = configured
        } else {
            guard let executable = LocalServer.findExecutable(environment: environment) else {
                throw ValidationError(
                    "no server configured and no sotto-server beside sotto for local mode; pass --server URL")
            }
            let model = environment["SOTTO_MODEL"] ?? xdg.data + "/models/SmolLM2-135M-Instruct-Q4_1.gguf"
            say("Starting the local development server (SIMULATED attestation, embedded model)…")
            let server = try await LocalServer.start(
                LocalServer.Options(
                    executable: executable, modelPath: model, dataDirectory: xdg.data + "/local-server",
                    logPath: xdg.state + "/local-server.log", port: localPort(environment)))
            local = server
            global.server = server.url
            global.dev = true
        }
        do {
            try await openChat(global: global, account: account, folders: folders, xdg: xdg, theme: theme)
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

    private static func openChat(
        global: GlobalOptions, account: AccountOptions, folders: DeviceFolders, xdg: XDGDirectories, theme: String?
    ) async throws {
        let session = try account.session(global)
        if try session.state() == nil {
            try await Onboarding.run(session: session, global: global, account: account)
        }
        var opened: UnlockedHistory?
        for attempt in 1...3 where opened == nil {
            do {
                opened = try await UnlockedHistory.open(global, account)
            } catch let error as PasskeyError where error.code == .wrongPassphrase && attempt < 3 {
                say("That passphrase does not open the software passkey; try again.")
            }
        }
        guard let opened else { throw ExitCode(1) }
        let client = try global.makeClient()
        let chat = ChatSession(history: opened.history, sender: client, sync: opened.sync)
        await chat.scheduleSync()
        let kind = opened.unlocked.state.passkey.kind
        let server = (global.server ?? "").replacingOccurrences(of: "https://", with: "")
            .replacingOccurrences(of: "http://", with: "")
        let service = CoreChatService(
            session: chat, client: client, serverLabel: server,
            softwareLabel: kind == .softwarePasskey ? PasskeyKind.softwarePasskey.label : nil,
            exportDirectory: folders.data + "/exports", auditLog: FileAuditLog(path: folders.auditLogPath))
        do {
            try await TUIApplication.run(
                service: service, environment: ProcessInfo.processInfo.environment,
                userThemeDirectory: xdg.config + "/themes", themeName: theme,
                banner: opened.unlocked.online
                    ? nil
                    : "Server unreachable: this is the history on this device; answers and sync wait for the server")
        } catch let error as TerminalError {
            await chat.close()
            throw ValidationError(error.description)
        }
        await chat.close()
    }
}

/// First run on a device, before the full screen opens: create an account (security key, or
/// a software passkey with a passphrase), log in with an existing passkey, or recover.
enum Onboarding {
    static func run(session: AccountSession, global: GlobalOptions, account: AccountOptions) async throws {
        say(
            """

            Welcome to Sotto. This device has no account yet.
              1) Create an account (your passkey unlocks it; nobody else can read your history)
              2) I already have an account: log in with one of its passkeys
              3) I have my recovery key
            """)
        let choice = ask("Choose 1, 2 or 3 [1]: ") ?? "1"
        switch choice.trimmingCharacters(in: .whitespaces) {
        case "", "1":
            let authenticator = try account.authenticator(softwarePasskey: nil, creating: true, global)
            say("Creating the account… (\(authenticator.kind.label))")
            let registration = try await session.register(authenticator: authenticator)
            say(
                """

                Your recovery key — write it down now and keep it away from this computer.
                It is shown only this once; it restores your history if you lose your passkey.

                    \(registration.recoveryKey.revealedText())

                """)
            _ = ask("Press Enter once you have written it down. ")
            say("\u{1B}[2J\u{1B}[H", terminator: "")
        case "2":
            let path = ask("Software passkey file (empty: security key or this device's default): ")
            let authenticator = try account.authenticator(
                softwarePasskey: path.flatMap { $0.isEmpty ? nil : $0 }, creating: false, global)
            _ = try await session.login(authenticator: authenticator)
        case "3":
            guard let text = ask("Recovery key: "), let key = try? RecoveryKey(parsing: text) else {
                throw ValidationError("that is not a recovery key (RecoveryKey.problem says which character is wrong)")
            }
            let authenticator = try account.authenticator(softwarePasskey: nil, creating: true, global)
            _ = try await session.recover(recoveryKey: key, newAuthenticator: authenticator)
        default:
            throw ValidationError("choose 1, 2 or 3")
        }
    }

    /// Writes straight to the terminal, in order with the prompts (no stdio buffer between).
    static func say(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    static func ask(_ prompt: String) -> String? {
        FileHandle.standardOutput.write(Data(prompt.utf8))
        return readLine()
    }
}
