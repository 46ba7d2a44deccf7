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

    func validate() throws {
        if dev == (releaseKey != nil) {
            throw ValidationError("sign with exactly one key: --dev or --release-key FILE")
        }
    }

    func run() async throws {
        let measurement = try model.measure()
        let signed: SignedReleaseManifest
        if dev {
            let folder = DevelopmentAuthority.folder(inDataDirectory: try data.folder())
            signed = try DevelopmentReleaseKey.loadOrCreate(in: folder).signManifest(for: measurement, version: version)
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
            let manifest = ReleaseManifest(
                version: version, measurement: measurement.hex, modelSHA256: Hex.encode(measurement.modelSHA256),
                issuedAt: UInt64(Date().timeIntervalSince1970))
            signed = try SignedReleaseManifest.sign(manifest, with: key)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(signed), as: UTF8.self))
    }
}
