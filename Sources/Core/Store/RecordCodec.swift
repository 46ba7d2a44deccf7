import Foundation
import Wire

/// Turns payloads into envelopes and back: JSON (sorted keys named as the Swift
/// properties, dates in whole milliseconds since 1970), padded and sealed by `RecordEnvelope`.
public struct RecordCodec: Sendable {
    public let account: AccountID
    public let keys: any RecordKeyProvider

    public init(account: AccountID, keys: any RecordKeyProvider) {
        self.account = account
        self.keys = keys
    }

    /// Seals `payload` as record `id` at `version`.
    public func seal(_ payload: RecordPayload, id: RecordID, version: UInt64) throws -> RecordEnvelope {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        var json: [UInt8]
        switch payload {
        case .conversation(let r): json = Array(try encoder.encode(r))
        case .message(let r): json = Array(try encoder.encode(r))
        case .folder(let r): json = Array(try encoder.encode(r))
        case .profile(let r): json = Array(try encoder.encode(r))
        }
        defer { ConstantTime.wipe(&json) }
        let context = RecordContext(account: account, recordID: id, kind: payload.kind, version: version)
        let keyID = keys.currentKeyID
        let key = try keys.key(id: keyID, kind: payload.kind, recordID: id)
        return try RecordEnvelope.seal(json, context: context, key: key, keyID: keyID)
    }

    /// Opens `envelope` as record `id` of `kind` at `version`.
    /// - Throws: `RecordError`: `.unknownKey`, `.authenticationFailed`, `.badPadding`, or
    ///   `.invalidPayload` when the plaintext is not JSON of that kind.
    public func open(
        _ envelope: RecordEnvelope, id: RecordID, kind: RecordKind, version: UInt64
    ) throws
        -> RecordPayload
    {
        let context = RecordContext(account: account, recordID: id, kind: kind, version: version)
        let key = try keys.key(id: envelope.keyID, kind: kind, recordID: id)
        var json = try envelope.open(context: context, key: key)
        defer { ConstantTime.wipe(&json) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        let data = Data(json)
        do {
            switch kind {
            case .conversation: return .conversation(try decoder.decode(ConversationRecord.self, from: data))
            case .message: return .message(try decoder.decode(MessageRecord.self, from: data))
            case .folder: return .folder(try decoder.decode(FolderRecord.self, from: data))
            case .profile: return .profile(try decoder.decode(ProfileRecord.self, from: data))
            case .index: throw RecordError(.invalidPayload, "index record \(id) is not a history payload")
            }
        } catch {
            // The decoder's own description may quote the plaintext, so it is not passed on.
            throw RecordError(.invalidPayload, "\(kind) record \(id) decrypted but is not a valid \(kind)")
        }
    }

    /// Seals the deletion of record `id` at the tombstone's `version` (`RecordDeletion`).
    public func sealDeletion(id: RecordID, kind: RecordKind, version: UInt64) throws -> RecordEnvelope {
        let keyID = keys.currentKeyID
        return try RecordDeletion.seal(
            context: RecordContext(account: account, recordID: id, kind: kind, version: version),
            key: try keys.key(id: keyID, kind: kind, recordID: id), keyID: keyID)
    }

    /// Checks a tombstone's seal.
    /// - Throws: `RecordError` when it is not this account's deletion of that record at that version.
    public func verifyDeletion(_ seal: RecordEnvelope, id: RecordID, kind: RecordKind, version: UInt64) throws {
        try RecordDeletion.verify(
            seal, context: RecordContext(account: account, recordID: id, kind: kind, version: version),
            key: try keys.key(id: seal.keyID, kind: kind, recordID: id))
    }

    /// Seals one bucket of the authenticated index as record `id` at `version`.
    public func seal(_ bucket: IndexBucket, id: RecordID, version: UInt64) throws -> RecordEnvelope {
        let keyID = keys.currentKeyID
        return try RecordEnvelope.seal(
            bucket.encoded(), context: RecordContext(account: account, recordID: id, kind: .index, version: version),
            key: try keys.key(id: keyID, kind: .index, recordID: id), keyID: keyID)
    }

    /// Opens one bucket of the authenticated index.
    /// - Throws: `RecordError` as `open`, `.invalidPayload` when it is not an index bucket.
    public func openIndex(_ envelope: RecordEnvelope, id: RecordID, version: UInt64) throws -> IndexBucket {
        let context = RecordContext(account: account, recordID: id, kind: .index, version: version)
        let plaintext = try envelope.open(
            context: context, key: try keys.key(id: envelope.keyID, kind: .index, recordID: id))
        return try IndexBucket(decoding: plaintext, id: id)
    }
}
