import CSodium

/// Process-wide libsodium initialisation. Every entry point of the crypto layer calls
/// `Sodium.ensureInitialized()` first; the work happens once.
public enum Sodium {
    private static let initialized: Bool = {
        // sodium_init returns 0 on success, 1 if already initialised, -1 on failure.
        sodium_init() >= 0
    }()

    /// Initialises libsodium once; traps if the library cannot start (no entropy source).
    @inline(__always)
    public static func ensureInitialized() {
        precondition(initialized, "libsodium failed to initialise (no secure random source)")
    }

    /// The linked libsodium version, for diagnostics.
    public static var version: String {
        ensureInitialized()
        return String(cString: sodium_version_string())
    }
}
