import Wire

/// The account root key sealed under one KEK, as the server stores it (one per passkey and
/// one for the recovery key). Public: it reveals nothing without the KEK.
///
/// Serialised: version (1) ‖ KEK source (1) ‖ KEK id (16) ‖ nonce (24) ‖ XChaCha20-Poly1305
/// ciphertext of the root key with its tag (48) = 90 bytes. The AAD is
/// "sotto/wrapped-root-key/v1" ‖ len ‖ account id ‖ version ‖ source ‖ KEK id, so a copy
/// moved to another account, KEK or version does not open.
public struct WrappedRootKey: Sendable, Hashable {
    /// The format version this build writes.
    public static let currentVersion: UInt8 = 1
    /// Length of the serialised form.
    public static let byteCount = 2 + KeyEncryptionKey.idByteCount + 24 + KeyHierarchy.keyByteCount + AEAD.tagByteCount

    /// The format version.
    public let version: UInt8
    /// What kind of KEK wraps it.
    public let source: KeyEncryptionKey.Source
    /// The wrapping KEK's public id.
    public let keyID: [UInt8]
    let nonce: [UInt8]
    let ciphertext: [UInt8]

    init(source: KeyEncryptionKey.Source, keyID: [UInt8], nonce: [UInt8], ciphertext: [UInt8]) {
        self.version = Self.currentVersion
        self.source = source
        self.keyID = keyID
        self.nonce = nonce
        self.ciphertext = ciphertext
    }

    /// Reads the serialised form.
    /// - Throws: `KeyError` `.wrappedKeyVersion` or `.wrappedKeyCorrupt`.
    public init(serialized bytes: [UInt8]) throws {
        guard let first = bytes.first else {
            throw KeyError(.wrappedKeyCorrupt, "the wrapped root key is empty")
        }
        guard first == Self.currentVersion else {
            throw KeyError(
                .wrappedKeyVersion,
                "the wrapped root key has version \(first); this Sotto reads version 1. Update Sotto.")
        }
        guard bytes.count == Self.byteCount, let source = KeyEncryptionKey.Source(rawValue: bytes[1]) else {
            throw KeyError(
                .wrappedKeyCorrupt,
                "the wrapped root key is malformed (\(bytes.count) bytes, \(Self.byteCount) expected)")
        }
        let idEnd = 2 + KeyEncryptionKey.idByteCount
        self.init(
            source: source, keyID: Array(bytes[2..<idEnd]), nonce: Array(bytes[idEnd..<idEnd + 24]),
            ciphertext: Array(bytes[(idEnd + 24)...]))
    }

    /// The serialised form.
    public var serialized: [UInt8] { [version, source.rawValue] + keyID + nonce + ciphertext }

    static func associatedData(
        accountID: String, version: UInt8, source: KeyEncryptionKey.Source, keyID: [UInt8]
    ) throws -> [UInt8] {
        guard !accountID.isEmpty else { throw KeyError(.invalidIdentifier, "the account id is empty") }
        return try KeyHierarchy.wrappedRootKeyLabel + KeyHierarchy.lengthPrefixed(Array(accountID.utf8))
            + [version, source.rawValue] + keyID
    }
}

extension WrappedRootKey: CustomStringConvertible {
    /// Version, source and KEK id.
    public var description: String { "WrappedRootKey(v\(version), \(source), KEK id \(Hex.encode(keyID)))" }
}
