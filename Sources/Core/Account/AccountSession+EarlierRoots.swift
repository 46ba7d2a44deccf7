import Foundation
import Wire

/// The account's earlier root keys on this device: after a root key rotation the records in
/// the cache stay sealed under the old root until their new versions are pulled, so the device
/// keeps the old root (wrapped under its own passkey's KEK, like the current one) until its
/// cache holds nothing sealed under it (docs/RECORDS.md, "Root key rotation").
extension AccountSession {
    /// What a device's earlier wrapped copies open to.
    struct EarlierRoots {
        /// The roots, other than the current one.
        var keys: [AccountKeys] = []
        /// Their wrapped copies, as the state keeps them (nil: none).
        var stored: [PreviousRootKey]?
        /// The copy the device held until now opens to another root than the current one.
        var rootChanged = false
    }

    /// The roots `passkey`'s kept copies (its earlier roots and its cached current copy) open to
    /// under `prf`, apart from `current`. A copy that does not open is dropped: it was wrapped
    /// for another passkey, and this device could never have used it. The new root of a
    /// rotation this device left unfinished (`key-rotation.json`) is held too, so the records
    /// already sealed under it open before the rotation is run again; it is not kept in the
    /// state, since the rotation's own file keeps it.
    func earlierRoots(of passkey: DevicePasskey, prf: SecureBytes, current: AccountKeys) -> EarlierRoots {
        guard let kek = try? KeyEncryptionKey(prfOutput: prf), let currentID = try? AccountRecordKeys.keyID(of: current)
        else { return EarlierRoots() }
        let folder = (file.path as NSString).deletingLastPathComponent
        let unfinished = (try? KeyRotationProgressFile(dataFolder: folder).load())
            .flatMap { $0.credentialID == passkey.credentialID ? $0.wrappedRootKey : nil }
        var out = EarlierRoots()
        var seen: Set<RecordKeyID> = [currentID]
        var stored: [PreviousRootKey] = []
        let candidates =
            (passkey.wrappedRootKey.map { [$0] } ?? []) + (passkey.previousRootKeys ?? []).map(\.wrappedRootKey)
        for (index, copy) in candidates.enumerated() {
            guard let wrapped = try? WrappedRootKey(serialized: copy.bytes),
                let root = try? AccountKeys.unwrap(wrapped, with: kek, accountID: current.accountID),
                let id = try? AccountRecordKeys.keyID(of: root)
            else { continue }
            if index == 0 && passkey.wrappedRootKey != nil && id != currentID { out.rootChanged = true }
            guard seen.insert(id).inserted else { continue }
            out.keys.append(root)
            stored.append(PreviousRootKey(keyID: id.description, wrappedRootKey: copy))
        }
        out.stored = stored.isEmpty ? nil : stored
        if let unfinished, let wrapped = try? WrappedRootKey(serialized: unfinished.bytes),
            let root = try? AccountKeys.unwrap(wrapped, with: kek, accountID: current.accountID),
            let id = try? AccountRecordKeys.keyID(of: root), !seen.contains(id)
        {
            out.keys.append(root)
        }
        return out
    }

}

extension AccountStateFile {
    /// Forgets the earlier roots the cache no longer holds any record under.
    /// - Parameter held: the key ids of the envelopes in the cache (`LocalCache.keyIDs()`).
    /// - Returns: how many were forgotten.
    @discardableResult
    public func forgetEarlierRoots(notIn held: Set<RecordKeyID>) throws -> Int {
        guard var state = try load(), let earlier = state.passkey.previousRootKeys else { return 0 }
        let kept = earlier.filter { root in held.contains { $0.description == root.keyID } }
        guard kept.count != earlier.count else { return 0 }
        state.passkey.previousRootKeys = kept.isEmpty ? nil : kept
        try save(state)
        return earlier.count - kept.count
    }
}
