import Wire

/// A key-encryption key (KEK): what one passkey or the recovery key turns into, to wrap and
/// unwrap the account root key. Its `id` is a public fingerprint derived alongside it, so the
/// client can tell which wrapped copy is its own and a wrong key is named as such.
public struct KeyEncryptionKey: Sendable {
    /// Where a KEK comes from.
    public enum Source: UInt8, Sendable, Hashable, CustomStringConvertible {
        case passkey = 1
        case recoveryKey = 2

        public var description: String {
            switch self {
            case .passkey: "passkey"
            case .recoveryKey: "recovery key"
            }
        }
    }

    /// Length of `id`.
    public static let idByteCount = 16

    /// What the KEK was derived from.
    public let source: Source
    /// A public fingerprint of the KEK (HKDF of the same secret with another label).
    public let id: [UInt8]
    let key: SecureBytes

    /// The KEK of a passkey, from its 32-byte PRF output for `KeyHierarchy.rootPRFInput`:
    /// HKDF-SHA-256(salt empty, IKM PRF output, info "sotto/kek/v1").
    /// - Throws: `KeyError.secretLength` when the output is not 32 bytes.
    public init(prfOutput: SecureBytes) throws {
        guard prfOutput.count == KeyHierarchy.keyByteCount else {
            throw KeyError(.secretLength, "a PRF output is 32 bytes, this one is \(prfOutput.count)")
        }
        try self.init(
            source: .passkey, secret: prfOutput, info: KeyHierarchy.passkeyKEKInfo,
            idInfo: KeyHierarchy.passkeyKEKIDInfo)
    }

    /// The KEK of a recovery key: HKDF-SHA-256(salt empty, IKM recovery key,
    /// info "sotto/recovery-kek/v1").
    public init(recoveryKey: RecoveryKey) throws {
        try self.init(
            source: .recoveryKey, secret: recoveryKey.secret, info: KeyHierarchy.recoveryKEKInfo,
            idInfo: KeyHierarchy.recoveryKEKIDInfo)
    }

    private init(source: Source, secret: SecureBytes, info: [UInt8], idInfo: [UInt8]) throws {
        self.source = source
        key = try HKDF.deriveKey(.sha256, ikm: secret, salt: [UInt8](), info: info, length: KeyHierarchy.keyByteCount)
        id = try HKDF.deriveKey(.sha256, ikm: secret, salt: [UInt8](), info: idInfo, length: Self.idByteCount)
            .unsafeCopyToArray()
    }
}

extension KeyEncryptionKey: CustomStringConvertible, CustomReflectable {
    /// The source and the public id; never the key.
    public var description: String { "KEK(\(source), id \(Hex.encode(id)))" }
    public var customMirror: Mirror { Mirror(self, children: ["source": source, "id": Hex.encode(id)]) }
}
