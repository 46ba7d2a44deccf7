import ArgumentParser
import Foundation
import Logging
import Server
import Wire

/// `sotto-server serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve attestation, the encrypted chat, and passkey accounts with encrypted sync.",
        discussion: """
            In a confidential VM the evidence comes from the TEE (Linux configfs-tsm) and the \
            signed release manifest from --manifest. With --dev, attestation is SIMULATED: a \
            development AMD-style authority in the data folder signs the reports, and clients \
            trust it only with their own --dev. Never use --dev for real conversations.

            Accounts and sync keep their data in the database --store names (SQLite in the \
            data folder by default); passkeys are registered for --rp-id.
            """
    )

    @Flag(help: "Simulated attestation for development (see above).")
    var dev = false

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var accountOptions: AccountOptions

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = ListenAddress.default.description

    @Option(help: "A signed release manifest (JSON), required outside --dev.", completion: .file())
    var manifest: String?

    @Flag(
        help: ArgumentHelp(
            "Stop when the process that started this server ends (local mode's child).", visibility: .hidden))
    var exitWithParent = false

    @Option(help: "Hours between channel key rotations.")
    var keyRotationHours = 24

    func validate() throws {
        do {
            _ = try ListenAddress(parsing: listen)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        // Clients refuse keys that live longer than a week (rotation plus one hour of grace).
        guard keyRotationHours >= 1 && keyRotationHours <= 24 * 6 else {
            throw ValidationError("--key-rotation-hours must be between 1 and 144")
        }
        if !dev && manifest == nil {
            throw ValidationError("outside --dev, pass the signed release manifest with --manifest FILE")
        }
    }

    func run() async throws {
        var logger = Logger(label: "sotto-server")
        logger.logLevel =
            ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let address = try ListenAddress(parsing: listen)
        let backend = try model.makeBackend()
        let provider: any AttestationProvider
        let signedManifest: SignedReleaseManifest
        if dev {
            let folder = DevelopmentAuthority.folder(inDataDirectory: try data.folder())
            let authority: DevelopmentAuthority
            do {
                authority = try await DevelopmentAuthority.loadOrCreate(in: folder)
                let measurement = try model.measure()
                provider = DevelopmentSEVSNPProvider(authority: authority, measurement: measurement)
                let releaseKey = try DevelopmentReleaseKey.loadOrCreate(in: folder)
                signedManifest = try releaseKey.signManifest(for: measurement, version: serverVersion)
                logger.notice(
                    "SIMULATED ATTESTATION (development)",
                    metadata: [
                        "authority": "\(folder.path)", "created": "\(authority.wasCreated)",
                        "measurement": "\(measurement.hex.prefix(16))",
                    ])
            } catch {
                throw ValidationError("\(error)")
            }
        } else {
            provider = try ConfigFSTSMProvider()
            guard let data = FileManager.default.contents(atPath: manifest ?? "") else {
                throw ValidationError("cannot read the manifest file \(manifest ?? "")")
            }
            do {
                signedManifest = try JSONDecoder().decode(SignedReleaseManifest.self, from: data)
            } catch {
                throw ValidationError(
                    "\(manifest ?? "") is not a signed release manifest (see `sotto-server manifest`)")
            }
        }
        let rotation = UInt64(keyRotationHours) * 3600
        let gateway = Gateway(
            keys: ChannelKeyRing(rotationSeconds: rotation, clock: { UInt64(Date().timeIntervalSince1970) }),
            provider: provider, backend: backend, manifest: signedManifest, logger: logger)
        let store: (any ServerStore)? = try await StoreOpener.open(
            url: accountOptions.store, dataFolder: try data.folder(), logger: logger)
        let origins = accountOptions.originAllowList()
        let endpoints = store.map { accountOptions.endpoints(store: $0, origins: origins, logger: logger) }
        let label = provider.isSimulated ? "simulated attestation (development)" : provider.platform.rawValue
        let app = ServerApplication.make(gateway: gateway, accounts: endpoints, address: address, logger: logger) {
            port in
            origins.serverListens(host: address.host, port: port)
            // One line on stdout once bound: scripts and the TUI read the URL from it.
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            // Written straight to the file descriptor: unbuffered even when stdout is a pipe.
            let line = "sotto-server listening on http://\(host):\(port) (\(label), model \(backend.modelName))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        if exitWithParent { Self.stopWhenOrphaned() }
        do {
            try await app.runService()
        } catch {
            try? await store?.close()
            throw error
        }
        try await store?.close()
    }

    /// Sends this process SIGTERM (the graceful shutdown) once its parent is gone, so local
    /// mode's server does not outlive a `sotto` killed with its terminal. Checked each second
    /// on a thread of its own.
    static func stopWhenOrphaned() {
        let parent = getppid()
        Thread.detachNewThread {
            while getppid() == parent { sleep(1) }
            kill(getpid(), SIGTERM)
        }
    }
}
