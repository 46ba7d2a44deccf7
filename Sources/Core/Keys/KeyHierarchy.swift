import Wire

/// The fixed labels of the key hierarchy (docs/SECURITY.md, "Key hierarchy"):
///
///     passkey PRF("sotto/root/v1") ─HKDF "sotto/kek/v1"──────────┐
///     recovery key ─────────────────HKDF "sotto/recovery-kek/v1"─┴▶ KEK ─wraps─▶ root key
///     root key ─HKDF "sotto/record/v1" ‖ kind ‖ record id─▶ record key
///     root key ─HKDF "sotto/record-key-id/v1"─▶ record key id (public, names the root)
///
/// Every label carries a version: changing a derivation means a new label, never a new
/// meaning for an old one.
public enum KeyHierarchy {
    /// The WebAuthn PRF input whose output unlocks the account (the authenticator applies
    /// the PRF salt transform to it).
    public static let rootPRFInput: [UInt8] = Array("sotto/root/v1".utf8)
    /// The PRF inputs to ask an authenticator for.
    public static var prfInputs: PRFInputs { PRFInputs(first: rootPRFInput) }

    /// Length of every key in the hierarchy.
    public static let keyByteCount = 32

    static let passkeyKEKInfo: [UInt8] = Array("sotto/kek/v1".utf8)
    static let passkeyKEKIDInfo: [UInt8] = Array("sotto/kek-id/v1".utf8)
    static let recoveryKEKInfo: [UInt8] = Array("sotto/recovery-kek/v1".utf8)
    static let recoveryKEKIDInfo: [UInt8] = Array("sotto/recovery-kek-id/v1".utf8)
    static let wrappedRootKeyLabel: [UInt8] = Array("sotto/wrapped-root-key/v1".utf8)
    static let recordKeyLabel: [UInt8] = Array("sotto/record/v1".utf8)
    static let recordKeyIDInfo: [UInt8] = Array("sotto/record-key-id/v1".utf8)

    /// `bytes` preceded by its length as two big-endian bytes, so concatenated fields cannot
    /// be re-split differently.
    static func lengthPrefixed(_ bytes: [UInt8]) throws -> [UInt8] {
        guard bytes.count <= Int(UInt16.max) else {
            throw KeyError(.invalidIdentifier, "an identifier is at most 65535 bytes")
        }
        return [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xff)] + bytes
    }
}
