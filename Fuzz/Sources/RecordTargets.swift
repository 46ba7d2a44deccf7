import Foundation
import Wire

@testable import Core

/// Sync pages and push bodies as the client and server read them: each re-encodes to an equal
/// value.
func fuzzSyncMessages(_ data: [UInt8]) {
    let json = Data(data)
    roundTrip(PullResponse.self, json)
    roundTrip(PushRequest.self, json)
    roundTrip(PushResponse.self, json)
    // Every record of a page is an envelope the client then parses.
    if let page = try? JSONDecoder().decode(PullResponse.self, from: json) {
        for record in page.records { _ = record.envelope.map { try? RecordEnvelope(bytes: $0.bytes) } }
    }
}

func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ json: Data) {
    guard let value = try? JSONDecoder().decode(type, from: json) else { return }
    guard let encoded = try? JSONEncoder().encode(value), (try? JSONDecoder().decode(type, from: encoded)) == value
    else { violated("\(type) re-encodes to an equal value") }
}

/// Record keys from a fixed root, one key id.
struct FixedRecordKeys: RecordKeyProvider {
    let currentKeyID = try! RecordKeyID(bytes: [UInt8](repeating: 0x42, count: RecordKeyID.byteCount))
    func key(id keyID: RecordKeyID, kind: RecordKind, recordID: RecordID) throws -> SecureBytes {
        guard keyID == currentKeyID else { throw RecordError(.unknownKey, "unknown key \(keyID)") }
        return try HKDF.deriveKey(
            .sha256, ikm: SecureBytes(copying: [UInt8](repeating: 5, count: 32)), salt: [],
            info: [kind.rawValue] + recordID.bytes, length: AEAD.keyByteCount)
    }
}

let recordCodec = RecordCodec(account: try! AccountID("fuzz-account"), keys: FixedRecordKeys())
let recordID = try! RecordID(bytes: [UInt8](repeating: 3, count: RecordID.byteCount))

/// Record envelopes: the input as an envelope (shape check, then opening, which must fail
/// cleanly); then as a payload sealed and opened as each kind. A payload that opens re-seals
/// and opens to an equal payload; padding round-trips.
func fuzzRecordEnvelope(_ data: [UInt8]) {
    if let envelope = try? RecordEnvelope(bytes: data) {
        _ = (envelope.keyID, envelope.paddedByteCount)
        for kind in RecordKind.allCases { _ = try? recordCodec.open(envelope, id: recordID, kind: kind, version: 1) }
    }
    _ = try? RecordPadding.unpad(data)
    guard let padded = try? RecordPadding.pad(data) else { return }
    guard (try? RecordPadding.unpad(padded)) == data else { violated("padding is removed exactly") }
    for kind in RecordKind.allCases {
        let context = RecordContext(account: recordCodec.account, recordID: recordID, kind: kind, version: 7)
        let keyID = recordCodec.keys.currentKeyID
        guard let key = try? recordCodec.keys.key(id: keyID, kind: kind, recordID: recordID),
            let envelope = try? RecordEnvelope.seal(data, context: context, key: key, keyID: keyID)
        else { violated("a record within the largest bucket seals") }
        guard let payload = try? recordCodec.open(envelope, id: recordID, kind: kind, version: 7) else { continue }
        guard let resealed = try? recordCodec.seal(payload, id: recordID, version: 8),
            (try? recordCodec.open(resealed, id: recordID, kind: kind, version: 8)) == payload
        else { violated("a \(kind) payload re-seals to an equal payload") }
    }
}

/// History exports: an export that reads re-exports to an equal export; its Markdown renders.
func fuzzHistoryExport(_ data: [UInt8]) {
    guard let export = try? HistoryExport(json: Data(data)) else { return }
    _ = export.markdown()
    guard let json = try? export.json(), (try? HistoryExport(json: json)) == export else {
        violated("an export re-exports to an equal export")
    }
}

/// The attestation policy file (TOML), applied to the shipped policy.
func fuzzPolicy(_ data: [UInt8]) {
    _ = try? AttestationPolicyFile.apply(
        toml: String(decoding: data, as: UTF8.self), path: "policy.toml", to: .shipped)
}
