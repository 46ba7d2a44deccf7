import ArgumentParser
import Foundation
import Server
import Wire

/// `sotto-server manifest`.
struct ManifestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Print the signed release manifest for this build and model.",
        discussion: """
            Measures this executable with the given model settings (the development \
            measurement of docs/PROTOCOL.md), and signs the manifest with the development \
            release key (--dev) or the Ed25519 release key in --release-key (32-byte seed, raw \
            or hex). Prints the signed manifest as JSON, as `serve --manifest` reads it.

            The manifest allows the configuration these model settings describe (backend, \
            upstream, model name, model file digest; docs/PROTOCOL.md) and any digest given \
            with --configuration. Clients refuse it after --expires-in-days, and refuse a \
            lower --security-version than one they accepted from the same server: raise it \
            with every release that fixes a vulnerability.
            """
    )

    @Flag(help: "Sign with the development release key in the data folder.")
    var dev = false

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions

    @Option(help: "File holding the release key's 32-byte Ed25519 seed (raw or hex).", completion: .file())
    var releaseKey: String?

    @Option(help: "The version to name in the manifest.")
    var version = serverVersion

    @Option(help: "The release's security version; clients refuse a lower one than they have accepted.")
    var securityVersion: UInt64 = 1

    @Option(help: "Days until clients refuse the manifest.")
    var expiresInDays = 90

    @Option(help: "Another configuration digest (64 hex digits) the manifest allows; repeatable.")
    var configuration: [String] = []

    func validate() throws {
        if dev == (releaseKey != nil) {
            throw ValidationError("sign with exactly one key: --dev or --release-key FILE")
        }
        guard expiresInDays >= 1 && expiresInDays <= 3660 else {
            throw ValidationError("--expires-in-days must be between 1 and 3660")
        }
        for digest in configuration where (try? Hex.decode(digest))?.count != 32 {
            throw ValidationError("--configuration takes a SHA-256 digest as 64 hex digits, got \(digest)")
        }
    }

    func run() async throws {
        let measurement = try model.measure()
        let configurations =
            [try model.configuration(measurement: measurement).digestHex] + configuration.map { $0.lowercased() }
        let now = Date()
        let manifest = ReleaseManifest(
            version: version, measurement: measurement.hex, modelSHA256: Hex.encode(measurement.modelSHA256),
            issuedAt: UInt64(now.timeIntervalSince1970), securityVersion: securityVersion,
            expiresAt: UInt64(now.timeIntervalSince1970) + UInt64(expiresInDays) * 24 * 3600,
            configurations: configurations)
        let signed: SignedReleaseManifest
        if dev {
            let folder = DevelopmentAuthority.folder(inDataDirectory: try data.folder())
            signed = try DevelopmentReleaseKey.loadOrCreate(in: folder).sign(manifest)
        } else {
            guard let path = releaseKey, let raw = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the release key file \(releaseKey ?? "")")
            }
            let text = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let seed: [UInt8] = raw.count == 32 ? Array(raw) : ((try? Hex.decode(text)) ?? [])
            guard seed.count == 32 else {
                throw ValidationError("\(path) must hold a 32-byte Ed25519 seed, raw or as 64 hex digits")
            }
            let key = try Ed25519.SigningKey(seed: SecureBytes(copying: seed))
            signed = try SignedReleaseManifest.sign(manifest, with: key)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(signed), as: UTF8.self))
    }
}
