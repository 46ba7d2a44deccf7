import Wire

/// The record keys of an unlocked account: each record's key derives from a root key
/// (`AccountKeys.recordKey`), and the key id every envelope carries is a public fingerprint
/// of the root (HKDF info "sotto/record-key-id/v1", 16 bytes), so a record sealed under
/// another account's root is recognised as such before any decryption is tried.
///
/// New records are sealed under the current root. After a root key rotation a device also
/// holds the roots it had before, for the records still sealed under them (until they are all
/// sealed again, docs/RECORDS.md "Root key rotation"); an envelope's key id picks the root.
public struct AccountRecordKeys: RecordKeyProvider {
    let keys: AccountKeys
    public let currentKeyID: RecordKeyID
    /// Earlier roots by their key ids.
    let previous: [RecordKeyID: AccountKeys]

    /// The record keys of `keys`, and of the `previous` roots for records not yet sealed again.
    /// - Throws: `KeyError` `.invalidIdentifier` when a previous root is another account's.
    public init(_ keys: AccountKeys, previous: [AccountKeys] = []) throws {
        self.keys = keys
        currentKeyID = try Self.keyID(of: keys)
        var earlier: [RecordKeyID: AccountKeys] = [:]
        for root in previous {
            guard root.accountID == keys.accountID else {
                throw KeyError(.invalidIdentifier, "a previous root key belongs to another account")
            }
            let id = try Self.keyID(of: root)
            if id != currentKeyID { earlier[id] = root }
        }
        self.previous = earlier
    }

    /// The key id of the records `keys` seals.
    public static func keyID(of keys: AccountKeys) throws -> RecordKeyID {
        try RecordKeyID(bytes: keys.rootFingerprint(info: KeyHierarchy.recordKeyIDInfo, length: RecordKeyID.byteCount))
    }

    /// The key ids of the earlier roots held.
    public var previousKeyIDs: Set<RecordKeyID> { Set(previous.keys) }

    public func key(id keyID: RecordKeyID, kind: RecordKind, recordID: RecordID) throws -> SecureBytes {
        let root: AccountKeys
        if keyID == currentKeyID {
            root = keys
        } else if let earlier = previous[keyID] {
            root = earlier
        } else {
            throw RecordError(
                .unknownKey,
                "record \(recordID) is sealed under key \(keyID), not this account's (\(currentKeyID)); it belongs to another account or a newer key"
            )
        }
        return try root.recordKey(kind: kind.description, recordID: recordID.description)
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
