import Core
import Foundation
import Synchronization
import Wire

/// The access screens' service over a `Device`: creates, joins, recovers or unlocks its
/// account with the passkey (a security key asks through the screen's PIN and touch prompts),
/// then opens the history and the encrypted chat for the main screen (`CoreChatService`).
public final class CoreAccessService: AccessService {
    private let device: Device
    private let prompts: AccessPrompts
    /// The chat the main screen got, closed when the app ends.
    private let opened = Mutex<ChatSession?>(nil)

    /// - Parameter prompts: the security key's questions, answered on the access screens.
    public init(device: Device, prompts: AccessPrompts) {
        self.device = device
        self.prompts = prompts
    }

    public func situation() async -> AccessSituation {
        let state = try? device.accountState()
        let given = device.passphraseSource != nil
        let passkey: AccessSituation.Passkey
        if let state {
            passkey =
                state.passkey.kind == .securityKey
                ? .securityKey(pluggedInSecurityKeys().first?.product ?? "")
                : .softwarePasskey(passphraseGiven: given)
        } else if let key = pluggedInSecurityKeys().first {
            passkey = .securityKey(key.product)
        } else {
            passkey = .softwarePasskey(passphraseGiven: given)
        }
        return AccessSituation(
            hasAccount: state != nil, passkey: passkey,
            softwarePasskeyPath: SoftwareAuthenticator.defaultPath(in: device.folders),
            server: Self.hostLabel(state?.server ?? device.serverOption ?? ""), simulated: device.development)
    }

    public func register(passphrase: SecureBytes?) async throws -> AccessRegistration {
        try await refusalsExplained {
            let registration = try await session().register(
                authenticator: try newAuthenticator(passphrase: passphrase))
            var text = Array(registration.recoveryKey.revealedText().utf8)
            defer { ConstantTime.wipe(&text) }
            // The account exists from here on: whatever happens next, its recovery key is shown.
            let grant: Result<AccessGrant, AccessProblem>
            do {
                // Kept even if the screen moved on: the key screen that follows hands it over.
                grant = .success(keep(try openChat(keys: registration.keys, state: registration.state, online: true)))
            } catch {
                grant = .failure(AccessProblem(.other, "\(error)"))
            }
            return AccessRegistration(recoveryKey: SecureBytes(copying: text), grant: grant)
        }
    }

    public func login(softwarePasskeyPath: String?, passphrase: SecureBytes?) async throws -> AccessGrant {
        try await refusalsExplained {
            let authenticator: any Authenticator
            if let softwarePasskeyPath {
                let path =
                    softwarePasskeyPath.hasPrefix("/")
                    ? softwarePasskeyPath : FileManager.default.currentDirectoryPath + "/" + softwarePasskeyPath
                authenticator = SoftwareAuthenticator(path: path, passphrase: try passphrase ?? givenPassphrase())
            } else {
                authenticator = try securityKey()
            }
            let unlocked = try await session().login(authenticator: authenticator)
            return try await keptUnlessAbandoned(
                try openChat(keys: unlocked.keys, state: unlocked.state, online: unlocked.online, unlocked: unlocked))
        }
    }

    public func recover(recoveryKey: SecureBytes, passphrase: SecureBytes?) async throws -> AccessGrant {
        try await refusalsExplained {
            let key = try RecoveryKey(parsing: recoveryKey.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
            let unlocked = try await session().recover(
                recoveryKey: key, newAuthenticator: try newAuthenticator(passphrase: passphrase))
            return try await keptUnlessAbandoned(
                try openChat(keys: unlocked.keys, state: unlocked.state, online: unlocked.online, unlocked: unlocked))
        }
    }

    public func unlock(passphrase: SecureBytes?) async throws -> AccessGrant {
        try await refusalsExplained {
            let unlocked = try await session(passphrase: passphrase).unlock()
            return try await keptUnlessAbandoned(
                try openChat(keys: unlocked.keys, state: unlocked.state, online: unlocked.online, unlocked: unlocked))
        }
    }

    /// Ends the chat the main screen used, giving a sync under way a few seconds to finish.
    public func close() async {
        let chat = opened.withLock { $0 }
        await chat?.close(waitingUpTo: .seconds(5))
    }

    // MARK: - Parts

    /// The device's session; an unlock uses `passphrase`, else the given one.
    private func session(passphrase: SecureBytes? = nil) throws -> AccountSession {
        let device = self.device
        return try device.accountSession(
            passphrase: { try passphrase ?? Self.givenPassphrase(device) }, securityKey: securityKey)
    }

    /// The passkey a new account or a recovery enrols: the security key when one is plugged
    /// in, else a new software passkey at the device's default place.
    private func newAuthenticator(passphrase: SecureBytes?) throws -> any Authenticator {
        if !pluggedInSecurityKeys().isEmpty { return try securityKey() }
        guard passphrase != nil || device.passphraseSource != nil else {
            // The screen offered the security key it saw, and it is gone.
            throw AccessProblem(
                .other,
                "the security key is no longer plugged in: plug it back in, or go back and choose again for a software passkey"
            )
        }
        return SoftwareAuthenticator(
            path: SoftwareAuthenticator.defaultPath(in: device.folders), passphrase: try passphrase ?? givenPassphrase()
        )
    }

    private func securityKey() throws -> any Authenticator {
        try makeSecurityKeyAuthenticator(pinSource: prompts.pinSource, touchPrompt: prompts.touchPrompt)
    }

    private func givenPassphrase() throws -> SecureBytes { try Self.givenPassphrase(device) }

    /// The passphrase the device was given; none given asks the screen for it.
    private static func givenPassphrase(_ device: Device) throws -> SecureBytes {
        guard let given = try device.givenPassphrase() else {
            throw AccessProblem(.wrongPassphrase, "the software passkey needs its passphrase")
        }
        return given
    }

    /// Opens the history and the chat on it: the main screen's service.
    private func openChat(
        keys: AccountKeys, state: AccountState, online: Bool, unlocked: Unlocked? = nil
    ) throws -> (grant: AccessGrant, chat: ChatSession) {
        let opened = try device.openChat(
            keys: keys, state: state, online: online, previousKeys: unlocked?.previousKeys ?? [],
            rootChanged: unlocked?.rootChanged ?? false)
        let service = CoreChatService(
            session: opened.chat, client: opened.client, serverLabel: Self.hostLabel(state.server),
            softwareLabel: state.passkey.kind == .softwarePasskey ? PasskeyKind.softwarePasskey.label : nil,
            exportDirectory: device.folders.data + "/exports",
            auditLog: FileAuditLog(path: device.folders.auditLogPath),
            maxTokens: try device.answerTokenLimit())
        var banners: [String] = []
        if !online {
            banners.append(
                "Server unreachable: this is the history on this device; answers and sync wait for the server")
        }
        if opened.corruptRecords > 0 {
            banners.append("\(opened.corruptRecords) unreadable records skipped (kept in the cache)")
        }
        return (
            AccessGrant(service: service, banner: banners.isEmpty ? nil : banners.joined(separator: " · ")),
            opened.chat
        )
    }

    /// The grant of a login, recovery or unlock, unless the screen abandoned the ceremony
    /// meanwhile (Esc): then its chat is closed here, and the one the screen uses stays open.
    private func keptUnlessAbandoned(_ opened: (grant: AccessGrant, chat: ChatSession)) async throws -> AccessGrant {
        guard Task.isCancelled else { return keep(opened) }
        await opened.chat.close()
        throw CancellationError()
    }

    /// Makes `opened` the chat that `close()` ends.
    private func keep(_ opened: (grant: AccessGrant, chat: ChatSession)) -> AccessGrant {
        self.opened.withLock { $0 = opened.chat }
        return opened.grant
    }

    /// Runs a ceremony, turning a wrong passphrase into the refusal the screen asks again for.
    private func refusalsExplained<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PasskeyError where error.code == .wrongPassphrase {
            throw AccessProblem(.wrongPassphrase, error.message)
        } catch let problem as AccessProblem {
            throw problem
        } catch {
            throw AccessProblem(.other, "\(error)")
        }
    }

    static func hostLabel(_ url: String) -> String {
        url.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
    }
}
