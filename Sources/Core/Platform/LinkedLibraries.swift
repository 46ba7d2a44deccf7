import CCurl
import CFido2
import Wire

/// Versions of the C libraries the client links, for `sotto --version` and bug reports.
public enum LinkedLibraries {
    /// One line per library: name and version as the library reports it at run time.
    public static func versions() -> [(name: String, version: String)] {
        fido_init(0)
        let curl = curl_version_info(sotto_curl_version_now()).pointee
        return [
            ("libsodium", Sodium.version),
            ("libcurl", String(cString: curl.version)),
            ("libcurl TLS", curl.ssl_version.map { String(cString: $0) } ?? "none"),
            ("libfido2", "linked (the library reports no version)"),
        ]
    }
}
