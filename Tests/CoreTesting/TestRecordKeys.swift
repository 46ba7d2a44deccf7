import Core
import Wire

/// Record keys derived with HKDF-SHA-256 from a random root, one key id; a stand-in for the
/// key hierarchy in tests.
public struct TestRecordKeys: RecordKeyProvider {
    /// The root every record key derives from.
    public let root: SecureBytes
    public let currentKeyID: RecordKeyID

    /// Keys under a fresh random root and key id.
    public init() {
        self.init(root: .random(count: 32), keyID: try! RecordKeyID(bytes: SecureRandom.bytes(RecordKeyID.byteCount)))
    }

    public init(root: SecureBytes, keyID: RecordKeyID) {
        self.root = root
        currentKeyID = keyID
    }

    public func key(id keyID: RecordKeyID, kind: RecordKind, recordID: RecordID) throws -> SecureBytes {
        guard keyID == currentKeyID else {
            throw RecordError(.unknownKey, "no key with id \(keyID) is held; sign in again to fetch it")
        }
        return try HKDF.deriveKey(
            .sha256, ikm: root, salt: Array("sotto/test/record-key".utf8), info: [kind.rawValue] + recordID.bytes,
            length: AEAD.keyByteCount)
    }
}
