import Foundation

/// What a release of the server is: its version, the TEE measurement it produces and the
/// model it serves. Signed by the release key; the client trusts a measurement only when a
/// manifest signed by a trusted release key names it.
public struct ReleaseManifest: Codable, Hashable, Sendable {
    public var version: String
    /// Expected launch measurement (SEV-SNP MEASUREMENT, 48 bytes), lower-case hex.
    public var measurement: String
    /// SHA-256 of the model file, lower-case hex.
    public var modelSHA256: String
    /// Seconds since 1970 when the manifest was issued.
    public var issuedAt: UInt64
    /// Floors this release raises above the client's shipped minimum TCB, keyed by product
    /// ("milan", "genoa", "turin"); components left out are zero. It can only raise: the client
    /// takes the higher of each component. Absent in manifests that raise nothing.
    public var minimumTCB: [String: SEVSNPReport.MinimumTCB]? = nil

    /// The measurements the release produces on Intel TDX; absent from releases that do not run
    /// on TDX, whose TDX evidence is then refused.
    public var tdx: TDXMeasurement? = nil

    /// Raised by every release that fixes a vulnerability; a client refuses a manifest whose
    /// security version is lower than one it has accepted from the same server (rollback).
    public var securityVersion: UInt64
    /// Seconds since 1970 from which the manifest is refused.
    public var expiresAt: UInt64
    /// The server configurations (`ServerConfiguration.digestHex`) this release may serve with.
    public var configurations: [String]

    public init(
        version: String, measurement: String, modelSHA256: String, issuedAt: UInt64,
        securityVersion: UInt64, expiresAt: UInt64, configurations: [String]
    ) {
        self.version = version
        self.measurement = measurement
        self.modelSHA256 = modelSHA256
        self.issuedAt = issuedAt
        self.securityVersion = securityVersion
        self.expiresAt = expiresAt
        self.configurations = configurations
    }

    enum CodingKeys: String, CodingKey {
        case version, measurement
        case modelSHA256 = "model_sha256"
        case issuedAt = "issued_at"
        case securityVersion = "security_version"
        case expiresAt = "expires_at"
        case configurations
        case minimumTCB = "minimum_tcb"
        case tdx
    }

    /// Whether the manifest names `configuration` among those it allows.
    public func allows(_ configuration: ServerConfiguration) -> Bool {
        let digest = configuration.digestHex
        return configurations.contains { $0.lowercased() == digest }
    }

    /// Refuses a manifest that has expired at `now`, or whose security version is lower than
    /// `minimumSecurityVersion` (the highest this device accepted from the server before).
    /// - Throws: `ManifestError` `.expired` or `.rollback`.
    public func checkCurrent(now: UInt64, minimumSecurityVersion: UInt64) throws(ManifestError) {
        guard now < expiresAt else {
            throw ManifestError(
                .expired,
                "release \(version)'s manifest expired at \(expiresAt) (seconds since 1970); the server must install a current release manifest"
            )
        }
        guard securityVersion >= minimumSecurityVersion else {
            throw ManifestError(
                .rollback,
                "release \(version) has security version \(securityVersion), lower than \(minimumSecurityVersion), which this device already accepted from this server: the server was rolled back to an older, possibly vulnerable release"
            )
        }
    }

    /// The exact bytes that are signed: JSON with sorted keys, no extra whitespace.
    public func canonicalBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}

/// What a release's trust domain measures to on Intel TDX: MRTD (the initial contents: firmware)
/// and RTMR0–3 (extended at boot: firmware configuration, kernel and command line, and the
/// application), each 48 bytes as lower-case hex. All five must equal the quote's.
public struct TDXMeasurement: Codable, Hashable, Sendable {
    public var mrtd: String
    /// RTMR0, RTMR1, RTMR2 and RTMR3, in that order.
    public var rtmrs: [String]

    public init(mrtd: [UInt8], rtmrs: [[UInt8]]) {
        self.mrtd = Hex.encode(mrtd)
        self.rtmrs = rtmrs.map { Hex.encode($0) }
    }
}

/// A manifest as transported: the signed bytes themselves (never re-serialised before
/// checking), the Ed25519 signature over `signingPrefix ‖ body`, and the signer's public key.
public struct SignedReleaseManifest: Codable, Hashable, Sendable {
    /// The domain separator signed before the body, so a release key's signature over
    /// anything else (or over an older manifest format) is never a valid manifest.
    public static let signingPrefix = Array("sotto/manifest/v2\0".utf8)

    public var body: Base64Bytes
    public var signature: Base64Bytes
    public var signer: Base64Bytes

    public init(body: [UInt8], signature: [UInt8], signer: [UInt8]) {
        self.body = Base64Bytes(body)
        self.signature = Base64Bytes(signature)
        self.signer = Base64Bytes(signer)
    }

    /// Signs `manifest` with `key`.
    public static func sign(_ manifest: ReleaseManifest, with key: Ed25519.SigningKey) throws -> SignedReleaseManifest {
        let body = try manifest.canonicalBytes()
        return SignedReleaseManifest(body: body, signature: key.sign(signingPrefix + body), signer: key.publicKey)
    }

    /// The manifest as its body claims, signature unchecked: for the server's own checks of
    /// the manifest it serves, never for a trust decision.
    /// - Throws: `ManifestError` `.malformed`.
    public func unverifiedManifest() throws(ManifestError) -> ReleaseManifest {
        do {
            return try JSONDecoder().decode(ReleaseManifest.self, from: Data(body.bytes))
        } catch {
            throw ManifestError(.malformed, "the signed release manifest is not a valid manifest")
        }
    }

    /// Checks the signature against the trusted release keys and decodes the manifest.
    /// - Throws: `ManifestError` when the signer is not trusted, the signature is bad, or
    ///   the body is not a manifest.
    public func verify(trustedSigners: [[UInt8]]) throws -> ReleaseManifest {
        guard trustedSigners.contains(where: { ConstantTime.equals($0, signer.bytes) }) else {
            throw ManifestError(.untrustedSigner, "the release manifest is signed by a key this client does not trust")
        }
        do {
            try Ed25519.verify(
                signature: signature.bytes, message: Self.signingPrefix + body.bytes, publicKey: signer.bytes)
        } catch {
            throw ManifestError(.badSignature, "the release manifest's signature does not verify")
        }
        return try unverifiedManifest()
    }
}

/// Why a release manifest was refused.
public typealias ManifestError = CodedError<ManifestErrorCode>

/// Stable identifiers of `ManifestError`.
public enum ManifestErrorCode: String, StableErrorCode {
    /// The release manifest is signed by a key this client does not trust.
    case untrustedSigner = "SOTTO-MANIFEST-SIGNER"
    /// The release manifest's signature does not verify.
    case badSignature = "SOTTO-MANIFEST-SIGNATURE"
    /// The release manifest is not the documented JSON.
    case malformed = "SOTTO-MANIFEST-MALFORMED"
    /// The release manifest is past its expiry date.
    case expired = "SOTTO-MANIFEST-EXPIRED"
    /// The release's security version is lower than one this device already accepted from the server.
    case rollback = "SOTTO-MANIFEST-ROLLBACK"
}
