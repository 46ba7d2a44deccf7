import Wire

/// The record keys of an unlocked account: each record's key derives from the root key
/// (`AccountKeys.recordKey`), and the key id every envelope carries is a public fingerprint
/// of the root (HKDF info "sotto/record-key-id/v1", 16 bytes), so a record sealed under
/// another account's root is recognised as such before any decryption is tried.
public struct AccountRecordKeys: RecordKeyProvider {
    let keys: AccountKeys
    public let currentKeyID: RecordKeyID

    public init(_ keys: AccountKeys) throws {
        self.keys = keys
        let id = try keys.rootFingerprint(info: KeyHierarchy.recordKeyIDInfo, length: RecordKeyID.byteCount)
        currentKeyID = try RecordKeyID(bytes: id)
    }

    public func key(id keyID: RecordKeyID, kind: RecordKind, recordID: RecordID) throws -> SecureBytes {
        guard keyID == currentKeyID else {
            throw RecordError(
                .unknownKey,
                "record \(recordID) is sealed under key \(keyID), not this account's (\(currentKeyID)); it belongs to another account or a newer key"
            )
        }
        return try keys.recordKey(kind: kind.description, recordID: recordID.description)
    }
}

extension AccountKeys {
    /// A public value derived from the root key (HKDF-SHA-256, empty salt, `info`).
    func rootFingerprint(info: [UInt8], length: Int) throws -> [UInt8] {
        try HKDF.deriveKey(.sha256, ikm: rootKey, salt: [UInt8](), info: info, length: length).withUnsafeBytes {
            Array($0)
        }
    }
}
