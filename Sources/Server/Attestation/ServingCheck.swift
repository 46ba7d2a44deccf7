import Foundation
import Wire

/// What `sotto-server serve` checks before it serves under a release manifest, so a server
/// that clients would refuse (or that would send prompts out of the guest) does not start.
/// The manifest's signature is the clients' to check: the server cannot know their keys.
public enum ServingCheck {
    /// The upstream must stay inside this guest (outside development mode).
    /// - Throws: `ServingError` `.upstream`.
    public static func checkUpstream(_ url: String) throws(ServingError) {
        let location = try UpstreamLocation(url: url)
        guard location.isInsideGuest else {
            throw ServingError(
                .upstream,
                "the upstream \(url) is not inside this guest, so decrypted prompts would leave the TEE; use a loopback address (http://127.0.0.1:PORT or http://[::1]:PORT) or a Unix socket (http+unix://%2Fpath%2Fto.sock)"
            )
        }
    }

    /// The model file must be the one the manifest names.
    /// - Throws: `ServingError` `.modelDigest`.
    public static func checkModel(sha256: [UInt8], manifest: ReleaseManifest) throws(ServingError) {
        guard Hex.encode(sha256) == manifest.modelSHA256.lowercased() else {
            throw ServingError(
                .modelDigest,
                "the model file's SHA-256 is \(Hex.encode(sha256)), but release \(manifest.version)'s manifest names \(manifest.modelSHA256); serve the model the release was signed for"
            )
        }
    }

    /// The manifest must allow this configuration and still be current.
    /// - Throws: `ServingError` `.configuration` or `.manifestExpired`.
    public static func checkManifest(
        _ manifest: ReleaseManifest, allows configuration: ServerConfiguration, now: Date
    ) throws(ServingError) {
        guard UInt64(max(0, now.timeIntervalSince1970)) < manifest.expiresAt else {
            throw ServingError(
                .manifestExpired,
                "release \(manifest.version)'s manifest expired at \(manifest.expiresAt) (seconds since 1970); clients refuse it: sign a current one with `sotto-server manifest`"
            )
        }
        guard manifest.allows(configuration) else {
            throw ServingError(
                .configuration,
                "this configuration (\(configuration.summary); digest \(configuration.digestHex)) is not one release \(manifest.version)'s manifest allows; clients would refuse it"
            )
        }
    }
}

/// Why the server will not serve.
public typealias ServingError = CodedError<ServingErrorCode>

/// Stable identifiers of `ServingError`.
public enum ServingErrorCode: String, StableErrorCode {
    /// The upstream is not a loopback address or a Unix socket, or not a URL.
    case upstream = "SOTTO-SERVE-UPSTREAM"
    /// The model file is not the one the manifest names.
    case modelDigest = "SOTTO-SERVE-MODEL-DIGEST"
    /// The manifest does not allow the server's configuration.
    case configuration = "SOTTO-SERVE-CONFIGURATION"
    /// The manifest has expired.
    case manifestExpired = "SOTTO-SERVE-MANIFEST-EXPIRED"
}
