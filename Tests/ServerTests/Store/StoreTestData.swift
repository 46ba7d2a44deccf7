import Foundation
import Server
import Wire

/// Accounts, passkeys and records with fresh random ids, so no two tests share a row.
enum StoreTestData {
    /// A whole second, which every store keeps exactly.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func bytes(_ count: Int) -> [UInt8] { SecureRandom.bytes(count) }

    static func accountID() -> AccountID { try! AccountID("account-" + Hex.encode(bytes(16))) }

    static func account(_ id: AccountID = accountID()) -> StoredAccount {
        StoredAccount(id: id, userHandle: bytes(16), createdAt: now)
    }

    static func credential(of account: AccountID, created: Date = now, name: String = "key") -> StoredCredential {
        StoredCredential(
            id: bytes(32), accountID: account, publicKey: bytes(77), signCount: 0, kind: "security-key", name: name,
            wrappedRootKey: bytes(72), createdAt: created, lastUsedAt: nil)
    }

    static func recovery(of account: AccountID) -> StoredRecovery {
        StoredRecovery(
            accountID: account, keyID: bytes(16), wrappedRootKey: bytes(72), authPublicKey: bytes(32), updatedAt: now)
    }

    static func session(of account: AccountID, credential: [UInt8]?, expires: Date) -> StoredSession {
        StoredSession(
            tokenHash: bytes(32), accountID: account, credentialID: credential, createdAt: now, expiresAt: expires)
    }

    static func challenge(for account: AccountID?, expires: Date) -> StoredChallenge {
        StoredChallenge(
            id: Hex.encode(bytes(16)), purpose: .login, challenge: bytes(32), accountID: account, userHandle: nil,
            expiresAt: expires)
    }

    /// A new account with one passkey and its recovery enrollment, created in `store`.
    static func createAccount(in store: any ServerStore) async throws -> (StoredAccount, StoredCredential) {
        let account = account()
        let credential = credential(of: account.id)
        try await store.createAccount(account, credential: credential, recovery: recovery(of: account.id))
        return (account, credential)
    }

    /// A record at `version` with random envelope bytes (the store never opens them).
    static func record(
        _ id: RecordID = .random(), kind: RecordKind = .conversation, version: UInt64 = 1, size: Int? = 300
    ) -> SyncRecord {
        SyncRecord(id: id, kind: kind, version: version, envelope: size.map(bytes))
    }

    /// The same record one version on, with new bytes under the same key id (the envelope's
    /// header, which a root key rotation changes) (nil size: its tombstone).
    static func next(_ record: SyncRecord, size: Int? = 300) -> SyncRecord {
        SyncRecord(
            id: record.id, kind: record.kind, version: record.version + 1,
            envelope: size.map { sameKey(as: record.envelope?.bytes, bytes($0)) })
    }

    /// `bytes` with the key id of `envelope` in its header (bytes 1 to 16), when there is one.
    static func sameKey(as envelope: [UInt8]?, _ bytes: [UInt8]) -> [UInt8] {
        guard let envelope, envelope.count > RecordKeyID.byteCount, bytes.count > RecordKeyID.byteCount else {
            return bytes
        }
        return Array(envelope.prefix(1 + RecordKeyID.byteCount)) + bytes.dropFirst(1 + RecordKeyID.byteCount)
    }
}
