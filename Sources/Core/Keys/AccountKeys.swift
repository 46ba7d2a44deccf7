import Wire

/// An unlocked account: its id and its 32-byte root key, from which every record key
/// derives. Exists only in memory; on disk and on the server there are only wrapped copies.
public struct AccountKeys: Sendable {
    /// The account the root key belongs to.
    public let accountID: String
    let rootKey: SecureBytes

    /// A new account root key: 32 bytes from the CSPRNG.
    public static func generate(accountID: String) throws -> AccountKeys {
        guard !accountID.isEmpty else { throw KeyError(.invalidIdentifier, "the account id is empty") }
        return AccountKeys(accountID: accountID, rootKey: SecureBytes.random(count: KeyHierarchy.keyByteCount))
    }

    private init(accountID: String, rootKey: SecureBytes) {
        self.accountID = accountID
        self.rootKey = rootKey
    }

    /// Seals the root key under `kek` with a fresh random nonce.
    public func wrap(under kek: KeyEncryptionKey) throws -> WrappedRootKey {
        let nonce = SecureRandom.bytes(AEAD.xChaCha20Poly1305.nonceByteCount)
        let ad = try WrappedRootKey.associatedData(
            accountID: accountID, version: WrappedRootKey.currentVersion, source: kek.source, keyID: kek.id)
        let ciphertext = try AEAD.xChaCha20Poly1305.seal(key: kek.key, nonce: nonce, plaintext: rootKey, ad: ad)
        return WrappedRootKey(source: kek.source, keyID: kek.id, nonce: nonce, ciphertext: ciphertext)
    }

    /// Opens `wrapped` with `kek` for `accountID`.
    /// - Throws: `KeyError` `.wrongKey` when `kek` is not the wrapping key (another passkey,
    ///   or the recovery key where a passkey's copy was meant); `.wrappedKeyCorrupt` when the
    ///   copy was altered or belongs to another account.
    public static func unwrap(
        _ wrapped: WrappedRootKey, with kek: KeyEncryptionKey, accountID: String
    ) throws
        -> AccountKeys
    {
        guard wrapped.source == kek.source, ConstantTime.equals(wrapped.keyID, kek.id) else {
            throw KeyError(
                .wrongKey,
                "this \(kek.source) is not the one the account key was wrapped under (it was wrapped under a \(wrapped.source)); use a passkey registered to this account"
            )
        }
        let ad = try WrappedRootKey.associatedData(
            accountID: accountID, version: wrapped.version, source: wrapped.source, keyID: wrapped.keyID)
        let rootKey: SecureBytes
        do {
            rootKey = try AEAD.xChaCha20Poly1305.openSecret(
                key: kek.key, nonce: wrapped.nonce, ciphertext: wrapped.ciphertext, ad: ad)
        } catch {
            throw KeyError(
                .wrappedKeyCorrupt,
                "the wrapped account key does not authenticate: it was altered or belongs to another account")
        }
        guard rootKey.count == KeyHierarchy.keyByteCount else {
            throw KeyError(.secretLength, "the unwrapped account key is not 32 bytes")
        }
        return AccountKeys(accountID: accountID, rootKey: rootKey)
    }

    /// The key of one record: HKDF-SHA-256(salt empty, IKM root key, info "sotto/record/v1" ‖
    /// len ‖ kind ‖ len ‖ record id), lengths as two big-endian bytes.
    public func recordKey(kind: String, recordID: String) throws -> SecureBytes {
        guard !kind.isEmpty, !recordID.isEmpty else {
            throw KeyError(.invalidIdentifier, "a record key needs a kind and a record id")
        }
        let info =
            try KeyHierarchy.recordKeyLabel + KeyHierarchy.lengthPrefixed(Array(kind.utf8))
            + KeyHierarchy.lengthPrefixed(Array(recordID.utf8))
        return try HKDF.deriveKey(
            .sha256, ikm: rootKey, salt: [UInt8](), info: info, length: KeyHierarchy.keyByteCount)
    }

    /// Whether both hold the same root key (constant time).
    public func hasSameRootKey(as other: AccountKeys) -> Bool { rootKey == other.rootKey }
}

extension AccountKeys: CustomStringConvertible, CustomReflectable {
    /// The account id only.
    public var description: String { "AccountKeys(account \(accountID), root key redacted)" }
    public var customMirror: Mirror { Mirror(self, children: ["accountID": accountID]) }
}
