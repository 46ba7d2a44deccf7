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
            development AMD-style authority in the data folder signs the reports (with \
            --platform tdx, a development Intel-style authority signs TDX quotes and their \
            collateral), and clients trust it only with their own --dev. Never use --dev for real \
            conversations.

            Accounts and sync keep their data in the database --store names (SQLite in the \
            data folder by default); passkeys are registered for --rp-id.
            """
    )

    @Flag(help: "Simulated attestation for development (see above).")
    var dev = false

    @Option(help: "With --dev, the TEE platform to simulate: sev-snp or tdx.")
    var platform: AttestationPlatform = .sevSNP

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var accountOptions: AccountOptions
    @OptionGroup var rateLimitOptions: RateLimitOptions
    @OptionGroup var connectionOptions: ConnectionOptions

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = ListenAddress.default.description

    @Option(help: "A signed release manifest (JSON), required outside --dev.", completion: .file())
    var manifest: String?

    @Flag(
        help: ArgumentHelp(
            "Stop when the process that started this server ends (local mode's child).", visibility: .hidden))
    var exitWithParent = false

    @Option(
        help: ArgumentHelp(
            "Stop once no process holds a lock on this lease file (local mode's windows).", visibility: .hidden))
    var exitWhenUnused: String?

    @Flag(
        help: ArgumentHelp(
            "Read local mode's 32-byte secret from standard input and prove holding it at \(LocalServerProof.path).",
            visibility: .hidden))
    var localSecretOnStdin = false

    @Option(help: "Hours between channel key rotations.")
    var keyRotationHours = 24

    @Option(
        help: ArgumentHelp(
            "Hand clients AMD's revocation list (CRL, DER or PEM) from this file with the evidence.",
            valueName: "file"),
        completion: .file())
    var amdCRL: String?

    @Flag(help: "Hand clients AMD's revocation list, fetched from AMD KDS and cached in the data folder.")
    var amdCRLFromKDS = false

    @Option(
        help: ArgumentHelp(
            "On a TDX guest, hand clients Intel's collateral (dcap-qvl's JSON) from this file, read for every answer.",
            valueName: "file"),
        completion: .file())
    var tdxCollateral: String?

    @Option(
        help: ArgumentHelp(
            "On a TDX guest, hand clients Intel's collateral fetched from this PCCS (https://host:port), cached.",
            valueName: "url"))
    var tdxCollateralFromPCCS: String?

    @Option(
        help: ArgumentHelp(
            "The product a new development authority claims (milan, genoa, turin).", visibility: .hidden))
    var devProduct: String?

    @Option(
        name: .customLong("dev-tdx-tcb-status"),
        help: ArgumentHelp(
            "The TCB status simulated TDX collateral gives the platform (tests).", visibility: .hidden))
    var devTDXTCBStatus = "UpToDate"

    @Option(
        name: .customLong("dev-tdx-advisory"),
        help: ArgumentHelp("An advisory id simulated TDX collateral names (tests).", visibility: .hidden))
    var devTDXAdvisory: [String] = []

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
        if localSecretOnStdin && !dev {
            throw ValidationError("--local-secret-on-stdin is for local mode's development server (--dev)")
        }
        if amdCRL != nil && amdCRLFromKDS {
            throw ValidationError("pass either --amd-crl FILE or --amd-crl-from-kds, not both")
        }
        if let devProduct, SEVSNPProduct(policyName: devProduct) == nil {
            throw ValidationError("--dev-product must be milan, genoa or turin")
        }
        if tdxCollateral != nil && tdxCollateralFromPCCS != nil {
            throw ValidationError("--tdx-collateral and --tdx-collateral-from-pccs are alternatives; choose one")
        }
        if dev && (tdxCollateral != nil || tdxCollateralFromPCCS != nil) {
            throw ValidationError("--tdx-collateral is for a TDX guest; with --dev the development authority issues it")
        }
        if !dev && platform != .sevSNP {
            throw ValidationError("--platform chooses the simulated platform with --dev; a TEE names its own")
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
        let localProof = try localSecretOnStdin ? LocalProofEndpoint(secret: Self.readSecretFromStandardInput()) : nil
        // Before anything else: a server that would send prompts out of the guest never starts.
        if !dev, let upstream = model.upstream { try ServingCheck.checkUpstream(upstream) }
        let backend: any InferenceBackend
        var provider: any AttestationProvider
        let signedManifest: SignedReleaseManifest
        let configuration: ServerConfiguration
        if dev {
            backend = try model.makeBackend()
            let folder = DevelopmentAuthority.folder(inDataDirectory: try data.folder())
            let authority: DevelopmentAuthority
            do {
                // An authority an older version made that clients now refuse (e.g. Milan) is
                // renewed, unless a product was asked for on purpose.
                authority = try await DevelopmentAuthority.loadOrCreate(
                    in: folder,
                    product: devProduct.flatMap(SEVSNPProduct.init(policyName:)) ?? DevelopmentAuthority.defaultProduct,
                    renewingOutdated: devProduct == nil)
                if let aside = authority.replacedFolder {
                    logger.notice(
                        "development authority renewed: the old one is refused by today's clients",
                        metadata: ["set aside in": "\(aside.path)", "product": "\(authority.product.name)"])
                }
                let measurement = try model.measure()
                configuration = model.configuration(
                    modelName: backend.modelName, modelSHA256: model.model == nil ? nil : measurement.modelSHA256)
                let tdxMeasurement: TDXMeasurement?
                if platform == .tdx {
                    let tdx = DevelopmentTDXProvider(
                        authority: try DevelopmentTDXAuthority.loadOrCreate(
                            in: DevelopmentTDXAuthority.folder(inDevelopmentFolder: folder)),
                        measurement: measurement, tcbStatus: devTDXTCBStatus, advisoryIDs: devTDXAdvisory)
                    provider = tdx
                    tdxMeasurement = tdx.measurement
                } else {
                    provider = DevelopmentSEVSNPProvider(authority: authority, measurement: measurement)
                    tdxMeasurement = nil
                }
                let releaseKey = try DevelopmentReleaseKey.loadOrCreate(in: folder)
                signedManifest = try releaseKey.signManifest(
                    for: measurement, configuration: configuration, version: serverVersion, tdx: tdxMeasurement)
                logger.notice(
                    "SIMULATED ATTESTATION (development)",
                    metadata: [
                        "platform": "\(platform.rawValue)",
                        "authority": "\(folder.path)", "created": "\(authority.wasCreated)",
                        "measurement": "\(measurement.hex.prefix(16))",
                    ])
            } catch {
                throw ValidationError("\(error)")
            }
        } else {
            guard let data = FileManager.default.contents(atPath: manifest ?? "") else {
                throw ValidationError("cannot read the manifest file \(manifest ?? "")")
            }
            let claimed: ReleaseManifest
            do {
                signedManifest = try JSONDecoder().decode(SignedReleaseManifest.self, from: data)
                claimed = try signedManifest.unverifiedManifest()
            } catch {
                throw ValidationError(
                    "\(manifest ?? "") is not a signed release manifest (see `sotto-server manifest`)")
            }
            // The model file is checked before it is loaded: a substituted model never runs.
            var modelSHA256: [UInt8]?
            if let path = model.model {
                let digest = try LaunchMeasurement.sha256(fileAt: URL(fileURLWithPath: path), role: "model file")
                try ServingCheck.checkModel(sha256: digest, manifest: claimed)
                modelSHA256 = digest
            }
            backend = try model.makeBackend()
            configuration = model.configuration(modelName: backend.modelName, modelSHA256: modelSHA256)
            try ServingCheck.checkManifest(claimed, allows: configuration, now: Date())
            provider = try ConfigFSTSMProvider()
            if provider.platform == .tdx {
                if let tdxCollateral {
                    provider = try TDXCollateralAttachingProvider(
                        provider, collateralFile: URL(fileURLWithPath: tdxCollateral))
                } else if let tdxCollateralFromPCCS {
                    let cache = try self.data.folder().appendingPathComponent("tdx-collateral", isDirectory: true)
                    provider = try TDXCollateralAttachingProvider(
                        provider, source: TDXCollateralSource(.pccs(baseURL: tdxCollateralFromPCCS, cacheFolder: cache))
                    )
                } else {
                    throw ValidationError(
                        "this is a TDX guest: clients judge its quote with Intel's collateral, so pass "
                            + "--tdx-collateral FILE (dcap-qvl's JSON for this platform's FMSPC, kept current) or "
                            + "--tdx-collateral-from-pccs URL")
                }
            } else if tdxCollateral != nil || tdxCollateralFromPCCS != nil {
                throw ValidationError("--tdx-collateral is for a TDX guest; this TEE is \(provider.platform.rawValue)")
            }
        }
        logger.notice(
            "serving configuration",
            metadata: ["digest": "\(configuration.digestHex)", "covers": "\(configuration.summary)"])
        if let amdCRL {
            let source = AMDRevocationListSource(.file(URL(fileURLWithPath: amdCRL)))
            do {
                _ = try await source.current(for: .genoa)
            } catch {
                throw ValidationError("--amd-crl: \(error)")
            }
            provider = RevocationListAttachingProvider(provider, source: source)
        } else if amdCRLFromKDS {
            let cache = try data.folder().appendingPathComponent("amd-crl", isDirectory: true)
            provider = RevocationListAttachingProvider(
                provider, source: AMDRevocationListSource(.kds(cacheFolder: cache)))
        }
        let rotation = UInt64(keyRotationHours) * 3600
        let gateway = Gateway(
            keys: ChannelKeyRing(rotationSeconds: rotation, clock: { UInt64(Date().timeIntervalSince1970) }),
            provider: provider, backend: backend, manifest: signedManifest, configuration: configuration,
            logger: logger)
        let store: (any ServerStore)? = try await StoreOpener.open(
            url: accountOptions.store, dataFolder: try data.folder(), logger: logger)
        let origins = accountOptions.originAllowList()
        let endpoints = store.map { accountOptions.endpoints(store: $0, origins: origins, logger: logger) }
        // Before the connection cap is derived from it.
        ServerLimits.raiseDescriptorLimit()
        let label =
            provider.isSimulated
            ? "simulated attestation (development)\(provider.platform == .tdx ? ", Intel TDX" : "")"
            : provider.platform.rawValue
        let app = ServerApplication.make(
            gateway: gateway, accounts: endpoints, localProof: localProof, address: address, logger: logger,
            rateLimiter: ClientRateLimiter(limits: try rateLimitOptions.limits()), limits: connectionOptions.limits
        ) {
            port in
            origins.serverListens(host: address.host, port: port)
            // One line on stdout once bound: scripts and the TUI read the URL from it.
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            // Written straight to the file descriptor: unbuffered even when stdout is a pipe.
            let line = "sotto-server listening on http://\(host):\(port) (\(label), model \(backend.modelName))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        if exitWithParent { Self.stopWhenOrphaned() }
        if let exitWhenUnused { Self.stopWhenUnused(leasePath: exitWhenUnused) }
        do {
            try await app.runService()
        } catch {
            try? await store?.close()
            throw error
        }
        try await store?.close()
    }

    /// Local mode's secret, which the `sotto` that started this server writes to its standard
    /// input (never an argument, which every user can read in /proc).
    static func readSecretFromStandardInput() throws -> SecureBytes {
        var bytes = [UInt8](repeating: 0, count: LocalServerProof.secretByteCount)
        defer { ConstantTime.wipe(&bytes) }
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(0, $0.baseAddress! + total, $0.count - total) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw ValidationError(
                    "--local-secret-on-stdin: standard input ended before \(LocalServerProof.secretByteCount) bytes")
            }
            total += count
        }
        return SecureBytes(copying: bytes)
    }

    /// Sends this process SIGTERM (the graceful shutdown) once no window of local mode uses it:
    /// each holds a shared lock on the lease file while it does (the kernel releases it when a
    /// window dies), so an exclusive lock that can be taken means nobody is left. Checked each
    /// second on a thread of its own.
    static func stopWhenUnused(leasePath: String) {
        Thread.detachNewThread {
            sleep(2)
            while true {
                let fd = open(leasePath, O_RDONLY | O_CLOEXEC)
                let unused = fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0
                if fd >= 0 { close(fd) }
                if unused { break }
                sleep(1)
            }
            kill(getpid(), SIGTERM)
        }
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

extension AttestationPlatform: ExpressibleByArgument {}
