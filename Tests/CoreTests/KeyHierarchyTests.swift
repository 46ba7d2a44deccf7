import Core
import Foundation
import Testing
import Wire

/// PRF → KEK → root key → record keys, and the recovery key's KEK beside the passkeys'.
@Suite struct KeyHierarchyTests {
    static func prfOutput(_ fill: UInt8) -> SecureBytes { SecureBytes(copying: [UInt8](repeating: fill, count: 32)) }

    @Test func thePRFInputIsFixedAndVersioned() {
        #expect(KeyHierarchy.rootPRFInput == Array("sotto/root/v1".utf8))
        #expect(KeyHierarchy.prfInputs == PRFInputs(first: Array("sotto/root/v1".utf8)))
    }

    @Test func wrapAndUnwrapRoundTrip() throws {
        let account = try AccountKeys.generate(accountID: "acct-1")
        let kek = try KeyEncryptionKey(prfOutput: Self.prfOutput(1))
        let wrapped = try account.wrap(under: kek)
        #expect(wrapped.serialized.count == WrappedRootKey.byteCount)
        #expect(wrapped.serialized.count == 90)
        #expect(wrapped.keyID == kek.id)
        #expect(wrapped.source == .passkey)
        let reread = try WrappedRootKey(serialized: wrapped.serialized)
        #expect(reread == wrapped)
        let unlocked = try AccountKeys.unwrap(reread, with: kek, accountID: "acct-1")
        #expect(unlocked.hasSameRootKey(as: account))
        #expect(try unlocked.recordKey(kind: "chat", recordID: "r1") == account.recordKey(kind: "chat", recordID: "r1"))
        // Each wrapping uses a fresh nonce.
        #expect(try account.wrap(under: kek).serialized != wrapped.serialized)
    }

    /// Records sealed on one device open on another that unwrapped the same root; another
    /// account's root is told apart by the key id before any decryption.
    @Test func recordKeysFollowTheRootAndTheKeyIDNamesIt() throws {
        let account = try AccountKeys.generate(accountID: "acct-1")
        let kek = try KeyEncryptionKey(prfOutput: Self.prfOutput(3))
        let elsewhere = try AccountKeys.unwrap(try account.wrap(under: kek), with: kek, accountID: "acct-1")
        let here = try AccountRecordKeys(account)
        let there = try AccountRecordKeys(elsewhere)
        #expect(here.currentKeyID == there.currentKeyID)
        let id = RecordID.random()
        #expect(
            try here.key(id: here.currentKeyID, kind: .message, recordID: id)
                == there.key(id: there.currentKeyID, kind: .message, recordID: id))
        #expect(
            try here.key(id: here.currentKeyID, kind: .message, recordID: id)
                != here.key(id: here.currentKeyID, kind: .conversation, recordID: id))

        let context = RecordContext(account: try AccountID("acct-1"), recordID: id, kind: .message, version: 1)
        let sealed = try RecordEnvelope.seal(
            Array("canary".utf8), context: context, key: here.key(id: here.currentKeyID, kind: .message, recordID: id),
            keyID: here.currentKeyID)
        #expect(
            try sealed.open(context: context, key: there.key(id: sealed.keyID, kind: .message, recordID: id))
                == Array("canary".utf8))

        let other = try AccountRecordKeys(try AccountKeys.generate(accountID: "acct-1"))
        #expect(other.currentKeyID != here.currentKeyID)
        #expect(throws: RecordError.self) { _ = try other.key(id: sealed.keyID, kind: .message, recordID: id) }
    }

    @Test func earlierRootsOpenTheirOwnEnvelopesAndNewOnesAreSealedUnderTheCurrentRoot() throws {
        let old = try AccountKeys.generate(accountID: "acct-1")
        let new = try AccountKeys.generate(accountID: "acct-1")
        let before = try AccountRecordKeys(old)
        let after = try AccountRecordKeys(new, previous: [old, new])
        #expect(after.currentKeyID == (try AccountRecordKeys.keyID(of: new)))
        #expect(after.previousKeyIDs == [before.currentKeyID])
        let id = RecordID.random()
        #expect(
            try after.key(id: before.currentKeyID, kind: .folder, recordID: id)
                == before.key(id: before.currentKeyID, kind: .folder, recordID: id))
        // The old root alone knows nothing of the new key id, and cannot derive its keys.
        let refused = #expect(throws: RecordError.self) {
            _ = try before.key(id: after.currentKeyID, kind: .folder, recordID: id)
        }
        #expect(refused?.code == .unknownKey)
        #expect(
            try after.key(id: after.currentKeyID, kind: .folder, recordID: id)
                != before.key(id: before.currentKeyID, kind: .folder, recordID: id))
        // Another account's root is never taken as an earlier one.
        let foreign = try AccountKeys.generate(accountID: "acct-2")
        #expect(throws: KeyError.self) { _ = try AccountRecordKeys(new, previous: [foreign]) }
    }

    @Test func theKEKIsAFixedFunctionOfThePRFOutput() throws {
        let a = try KeyEncryptionKey(prfOutput: Self.prfOutput(7))
        let b = try KeyEncryptionKey(prfOutput: Self.prfOutput(7))
        #expect(a.id == b.id)
        #expect(a.id.count == KeyEncryptionKey.idByteCount)
        let account = try AccountKeys.generate(accountID: "acct")
        _ = try AccountKeys.unwrap(try account.wrap(under: a), with: b, accountID: "acct")
        let short = #expect(throws: KeyError.self) {
            try KeyEncryptionKey(prfOutput: SecureBytes(zeroed: 16))
        }
        #expect(short?.code == .secretLength)
    }

    @Test func aWrongKEKIsItsOwnError() throws {
        let account = try AccountKeys.generate(accountID: "acct-1")
        let wrapped = try account.wrap(under: KeyEncryptionKey(prfOutput: Self.prfOutput(1)))
        let otherPasskey = #expect(throws: KeyError.self) {
            try AccountKeys.unwrap(wrapped, with: KeyEncryptionKey(prfOutput: Self.prfOutput(2)), accountID: "acct-1")
        }
        #expect(otherPasskey?.code == .wrongKey)
        let recovery = #expect(throws: KeyError.self) {
            try AccountKeys.unwrap(
                wrapped, with: KeyEncryptionKey(recoveryKey: RecoveryKey.generate()), accountID: "acct-1")
        }
        #expect(recovery?.code == .wrongKey)
    }

    @Test func aCopyForAnotherAccountOrAlteredDoesNotOpen() throws {
        let kek = try KeyEncryptionKey(prfOutput: Self.prfOutput(1))
        let wrapped = try AccountKeys.generate(accountID: "acct-1").wrap(under: kek)
        let moved = #expect(throws: KeyError.self) { try AccountKeys.unwrap(wrapped, with: kek, accountID: "acct-2") }
        #expect(moved?.code == .wrappedKeyCorrupt)
        let bytes = wrapped.serialized
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x01
            let error = #expect(throws: KeyError.self) {
                try AccountKeys.unwrap(WrappedRootKey(serialized: damaged), with: kek, accountID: "acct-1")
            }
            let expected: KeyErrorCode =
                switch index {
                case 0: .wrappedKeyVersion
                case 1: .wrappedKeyCorrupt  // an unknown source byte
                case 2..<18: .wrongKey  // the id no longer names this KEK
                default: .wrappedKeyCorrupt
                }
            #expect(error?.code == expected, "byte \(index)")
        }
        for length in 0..<bytes.count {
            #expect(throws: KeyError.self) { try WrappedRootKey(serialized: Array(bytes.prefix(length))) }
        }
    }

    @Test func theRecoveryKeyWrapsTheSameRootKey() throws {
        let account = try AccountKeys.generate(accountID: "acct-1")
        let passkeyCopy = try account.wrap(under: KeyEncryptionKey(prfOutput: Self.prfOutput(3)))
        let recoveryKey = RecoveryKey.generate()
        let recoveryCopy = try account.wrap(under: KeyEncryptionKey(recoveryKey: recoveryKey))
        #expect(recoveryCopy.source == .recoveryKey)
        // Typed back in from what the user wrote down, in lower case with spaces.
        let typed = try RecoveryKey(
            parsing: recoveryKey.revealedText().lowercased().replacingOccurrences(of: "-", with: " "))
        let viaRecovery = try AccountKeys.unwrap(
            recoveryCopy, with: KeyEncryptionKey(recoveryKey: typed), accountID: "acct-1")
        let viaPasskey = try AccountKeys.unwrap(
            passkeyCopy, with: KeyEncryptionKey(prfOutput: Self.prfOutput(3)), accountID: "acct-1")
        #expect(viaRecovery.hasSameRootKey(as: viaPasskey))
        // A passkey whose PRF output equals the recovery key's bytes still gets another KEK.
        #expect(
            try KeyEncryptionKey(prfOutput: SecureBytes(copying: [UInt8](repeating: 0, count: 32))).id
                != KeyEncryptionKey(recoveryKey: RecoveryKey(parsing: String(repeating: "0000", count: 14))).id)
    }

    @Test func recordKeysAreDistinctPerKindAndRecord() throws {
        let account = try AccountKeys.generate(accountID: "acct-1")
        let keys = try [
            account.recordKey(kind: "chat", recordID: "1"), account.recordKey(kind: "chat", recordID: "2"),
            account.recordKey(kind: "folder", recordID: "1"),
            // Without length prefixes these two would both be "ab" ‖ "c".
            account.recordKey(kind: "ab", recordID: "c"), account.recordKey(kind: "a", recordID: "bc"),
        ]
        for i in keys.indices {
            #expect(keys[i].count == 32)
            for j in keys.indices where j != i { #expect(keys[i] != keys[j], "\(i) vs \(j)") }
        }
        let other = try AccountKeys.generate(accountID: "acct-1")
        #expect(try other.recordKey(kind: "chat", recordID: "1") != keys[0])
        #expect(throws: KeyError.self) { try account.recordKey(kind: "", recordID: "1") }
        #expect(throws: KeyError.self) { try AccountKeys.generate(accountID: "") }
    }
}
