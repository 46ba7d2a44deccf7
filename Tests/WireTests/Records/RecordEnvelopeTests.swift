import Testing
import Wire

@Suite("Record envelope")
struct RecordEnvelopeTests {
    let key = SecureBytes.random(count: 32)
    let keyID = try! RecordKeyID(bytes: SecureRandom.bytes(16))
    let context = RecordContext(
        account: try! AccountID("acct-1"), recordID: .random(), kind: .conversation, version: 7)

    func expectCode(_ code: RecordErrorCode, _ body: () throws -> Void) {
        let error = #expect(throws: RecordError.self) { try body() }
        #expect(error?.code == code)
    }

    @Test("sealed records open in their context, padded to their bucket", arguments: [0, 1, 255, 256, 1000, 70_000])
    func roundTrip(count: Int) throws {
        let plaintext = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let envelope = try RecordEnvelope.seal(plaintext, context: context, key: key, keyID: keyID)
        #expect(envelope.bytes.count == 41 + (try RecordPadding.bucket(for: count)) + 16)
        #expect(envelope.formatVersion == 1)
        #expect(envelope.keyID == keyID)
        #expect(try envelope.open(context: context, key: key) == plaintext)
        // The shape parses without a key, as the server does.
        #expect(try RecordEnvelope(bytes: envelope.bytes) == envelope)
        // Fresh nonces: sealing twice never gives the same bytes.
        #expect(try RecordEnvelope.seal(plaintext, context: context, key: key, keyID: keyID) != envelope)
    }

    /// Builds an envelope by hand from the layout in docs/RECORDS.md, so the format is checked
    /// against its description rather than against itself.
    @Test func documentedLayoutOpens() throws {
        let account = Array(context.account.rawValue.utf8)
        var ad = Array("sotto/record/v1".utf8) + [1] + keyID.bytes
        ad += [UInt8(account.count >> 8), UInt8(account.count & 0xff)] + account
        ad += context.recordID.bytes + [RecordKind.conversation.rawValue] + [0, 0, 0, 0, 0, 0, 0, 7]
        let message = Array("{\"title\":\"hello\"}".utf8)
        let padded = message + [0x80] + [UInt8](repeating: 0, count: 256 - message.count - 1)
        let nonce = SecureRandom.bytes(24)
        let sealed = try AEAD.xChaCha20Poly1305.seal(key: key, nonce: nonce, plaintext: padded, ad: ad)
        let envelope = try RecordEnvelope(bytes: [1] + keyID.bytes + nonce + sealed)
        #expect(try envelope.open(context: context, key: key) == message)
    }

    @Test func anotherContextOrKeyFailsAuthentication() throws {
        let envelope = try RecordEnvelope.seal(Array("secret title".utf8), context: context, key: key, keyID: keyID)
        var other = context
        other.account = try AccountID("acct-2")
        expectCode(.authenticationFailed) { _ = try envelope.open(context: other, key: key) }
        other = context
        other.recordID = .random()
        expectCode(.authenticationFailed) { _ = try envelope.open(context: other, key: key) }
        for kind in RecordKind.allCases where kind != context.kind {
            other = context
            other.kind = kind
            expectCode(.authenticationFailed) { _ = try envelope.open(context: other, key: key) }
        }
        for version in [0, 6, 8, UInt64.max] {
            other = context
            other.version = version
            expectCode(.authenticationFailed) { _ = try envelope.open(context: other, key: key) }
        }
        // The account is length-prefixed: moving a byte between account and id cannot match.
        other = context
        other.account = try AccountID("acct-")
        expectCode(.authenticationFailed) { _ = try envelope.open(context: other, key: key) }
        expectCode(.authenticationFailed) { _ = try envelope.open(context: context, key: .random(count: 32)) }
    }

    @Test func everyAlteredByteIsCaught() throws {
        let envelope = try RecordEnvelope.seal(Array("secret".utf8), context: context, key: key, keyID: keyID)
        #expect(envelope.bytes.count == 41 + 256 + 16)
        for index in envelope.bytes.indices {
            var bytes = envelope.bytes
            bytes[index] ^= 0x01
            if index == 0 {
                // The format version is checked before any key is used.
                expectCode(.unsupportedVersion) { _ = try RecordEnvelope(bytes: bytes) }
            } else {
                // Key id (bound in the associated data), nonce, ciphertext and tag.
                let altered = try RecordEnvelope(bytes: bytes)
                expectCode(.authenticationFailed) { _ = try altered.open(context: context, key: key) }
            }
        }
    }

    @Test func truncatedOrResizedEnvelopesAreMalformed() throws {
        let envelope = try RecordEnvelope.seal([1, 2, 3], context: context, key: key, keyID: keyID)
        expectCode(.malformed) { _ = try RecordEnvelope(bytes: []) }
        for count in [1, 41, 41 + 16, envelope.bytes.count - 1] {
            expectCode(.malformed) { _ = try RecordEnvelope(bytes: Array(envelope.bytes.prefix(count))) }
        }
        expectCode(.malformed) { _ = try RecordEnvelope(bytes: envelope.bytes + [0]) }
    }

    @Test func invalidPaddingInsideAValidTagIsReported() throws {
        // Sealed by hand without the 0x80 marker: authentic, but not a padded plaintext.
        let ad = try manualAssociatedData()
        let nonce = SecureRandom.bytes(24)
        let sealed = try AEAD.xChaCha20Poly1305.seal(
            key: key, nonce: nonce, plaintext: [UInt8](repeating: 0, count: 256), ad: ad)
        let envelope = try RecordEnvelope(bytes: [1] + keyID.bytes + nonce + sealed)
        expectCode(.badPadding) { _ = try envelope.open(context: context, key: key) }
    }

    func manualAssociatedData() throws -> [UInt8] {
        let account = Array(context.account.rawValue.utf8)
        return Array("sotto/record/v1".utf8) + [1] + keyID.bytes + [0, UInt8(account.count)] + account
            + context.recordID.bytes + [context.kind.rawValue] + [0, 0, 0, 0, 0, 0, 0, UInt8(context.version)]
    }

    @Test func identifiersHaveOneTextForm() throws {
        let id = RecordID.random()
        #expect(try RecordID(id.description) == id)
        #expect(id.description.count == 32)
        let badIDs = ["", "abc", String(repeating: "g", count: 32), String(repeating: "0", count: 34)]
        for text in badIDs { expectCode(.invalidIdentifier) { _ = try RecordID(text) } }
        expectCode(.invalidIdentifier) { _ = try AccountID("") }
        expectCode(.invalidIdentifier) { _ = try AccountID(String(repeating: "a", count: 256)) }
        expectCode(.invalidIdentifier) { _ = try RecordKeyID(bytes: [1, 2, 3]) }
    }
}
