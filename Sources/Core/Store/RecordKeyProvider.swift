import Wire

/// Supplies the keys records are sealed under; the key hierarchy implements it.
public protocol RecordKeyProvider: Sendable {
    /// The key id new records are sealed under.
    var currentKeyID: RecordKeyID { get }
    /// The 32-byte key for one record.
    /// - Throws: `RecordError` `.unknownKey` when `keyID` is not one this provider holds.
    func key(id keyID: RecordKeyID, kind: RecordKind, recordID: RecordID) throws -> SecureBytes
}
