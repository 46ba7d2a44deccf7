import Foundation
import Wire

/// The development release key: an Ed25519 key whose 32-byte seed lives in
/// `<data-dir>/dev-attestation/release.key` (mode 0600), made on the first `serve --dev`.
///
/// It signs the release manifest that names a development server's measurement, standing in
/// for the offline key that signs real releases. Clients trust it only with `--dev`.
public struct DevelopmentReleaseKey: Sendable {
    /// The seed file's name inside the development folder.
    public static let fileName = "release.key"

    private let signingKey: Ed25519.SigningKey
    /// True when this call created the key, false when it loaded an existing one.
    public let wasCreated: Bool

    /// The public key (32 bytes) a client adds to its trusted release signers in `--dev`.
    public var publicKey: [UInt8] { signingKey.publicKey }

    /// Loads the key from `folder`, or creates it there when the file does not exist.
    /// - Throws: `DevelopmentAttestationError` `.corrupt` when the file is not a 32-byte seed
    ///   (it is left untouched), `.unreadable`, or `.writeFailed`.
    public static func loadOrCreate(in folder: URL) throws(DevelopmentAttestationError) -> DevelopmentReleaseKey {
        if DevelopmentFolder.exists(fileName, in: folder) {
            return try load(from: folder, created: false)
        }
        try DevelopmentFolder.ensureExists(folder)
        let seed = SecureBytes.random(count: Ed25519.seedByteCount)
        let outcome: Result<Bool, DevelopmentAttestationError> = seed.withUnsafeBytes { buffer in
            Result { () throws(DevelopmentAttestationError) in
                try DevelopmentFolder.writeNew(buffer, as: fileName, in: folder, mode: DevelopmentFolder.secretMode)
            }
        }
        let created = try outcome.get()
        try DevelopmentFolder.writeReadme(in: folder)
        // Lost a race with another server starting on the same folder: use the key it wrote.
        return try load(from: folder, created: created)
    }

    /// Loads an existing key.
    /// - Throws: `DevelopmentAttestationError` `.corrupt`, `.unreadable` or `.incomplete`.
    public static func load(from folder: URL) throws(DevelopmentAttestationError) -> DevelopmentReleaseKey {
        guard DevelopmentFolder.exists(fileName, in: folder) else {
            throw DevelopmentAttestationError(
                .incomplete, "\(folder.path) holds no \(fileName); `sotto-server serve --dev` creates one",
                file: fileName)
        }
        return try load(from: folder, created: false)
    }

    private static func load(from folder: URL, created: Bool) throws(DevelopmentAttestationError) -> Self {
        var data = try DevelopmentFolder.read(fileName, in: folder)
        defer { data.resetBytes(in: 0..<data.count) }
        guard data.count == Ed25519.seedByteCount,
            let key = try? Ed25519.SigningKey(seed: SecureBytes(copying: Array(data)))
        else {
            throw DevelopmentAttestationError(
                .corrupt,
                "\(fileName) in \(folder.path) is not a \(Ed25519.seedByteCount)-byte Ed25519 seed "
                    + "(it has \(data.count) bytes). It was left untouched: restore it, or delete it to create a "
                    + "new release key (clients must then trust the new key)",
                file: fileName)
        }
        return DevelopmentReleaseKey(signingKey: key, wasCreated: created)
    }

    private init(signingKey: Ed25519.SigningKey, wasCreated: Bool) {
        self.signingKey = signingKey
        self.wasCreated = wasCreated
    }

    /// How long a manifest the development key signs stays valid unless told otherwise.
    public static let developmentLifetime: TimeInterval = 365 * 24 * 3600

    /// Builds and signs the release manifest for a server build.
    /// - Parameters:
    ///   - measurement: the 48-byte launch measurement the release runs with.
    ///   - version: the release's version string.
    ///   - modelSHA256: SHA-256 of the model file (32 zero bytes for a server without one).
    ///   - configurations: the server configurations the release may serve with.
    ///   - securityVersion: the release's security version (clients refuse a lower one later).
    ///   - issuedAt: when the manifest is issued.
    ///   - expiresAt: when clients start refusing it (default: `developmentLifetime` later).
    /// - Throws: `ManifestError` `.malformed` when a digest has the wrong length.
    public func signManifest(
        measurement: [UInt8], version: String, modelSHA256: [UInt8], configurations: [ServerConfiguration],
        securityVersion: UInt64 = 1, issuedAt: Date = Date(), expiresAt: Date? = nil, tdx: TDXMeasurement? = nil
    ) throws -> SignedReleaseManifest {
        guard measurement.count == LaunchMeasurement.byteCount else {
            throw ManifestError(
                .malformed, "a release manifest names a 48-byte measurement; this one has \(measurement.count) bytes")
        }
        guard modelSHA256.count == 32 else {
            throw ManifestError(
                .malformed, "a release manifest names a 32-byte model SHA-256; this one has \(modelSHA256.count)")
        }
        let expiry = expiresAt ?? issuedAt.addingTimeInterval(Self.developmentLifetime)
        var manifest = ReleaseManifest(
            version: version, measurement: Hex.encode(measurement), modelSHA256: Hex.encode(modelSHA256),
            issuedAt: UInt64(max(0, issuedAt.timeIntervalSince1970)), securityVersion: securityVersion,
            expiresAt: UInt64(max(0, expiry.timeIntervalSince1970)), configurations: configurations.map(\.digestHex))
        manifest.tdx = tdx
        return try SignedReleaseManifest.sign(manifest, with: signingKey)
    }

    /// Signs `manifest` as it is.
    public func sign(_ manifest: ReleaseManifest) throws -> SignedReleaseManifest {
        try SignedReleaseManifest.sign(manifest, with: signingKey)
    }

    /// Builds and signs the release manifest for a measured server running `configuration`;
    /// the model digest is the one the measurement covers.
    public func signManifest(
        for measurement: LaunchMeasurement, configuration: ServerConfiguration, version: String,
        securityVersion: UInt64 = 1, issuedAt: Date = Date(), expiresAt: Date? = nil, tdx: TDXMeasurement? = nil
    ) throws -> SignedReleaseManifest {
        try signManifest(
            measurement: measurement.bytes, version: version, modelSHA256: measurement.modelSHA256,
            configurations: [configuration], securityVersion: securityVersion, issuedAt: issuedAt,
            expiresAt: expiresAt, tdx: tdx)
    }
}
