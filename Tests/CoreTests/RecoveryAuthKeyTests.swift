import Core
import Testing
import Wire

/// The recovery key's Ed25519 key pair: derived deterministically, bound to the key, and
/// signing exactly the message docs/PROTOCOL.md §5.4 names.
@Suite struct RecoveryAuthKeyTests {
    /// 56 zeros: the valid encoding of the all-zero key (every check character is zero too).
    static let zeroKey = String(repeating: "0000-", count: 13) + "0000"
    // Computed independently (another library's HKDF-SHA-256 and Ed25519) from the same inputs.
    static let zeroPublicKey = "d379981ced52c8d3a40b32bb2cd2918d423c049f2f9ae68674817219d838c881"
    static let zeroSignature =
        "e92f5430386c3ca4f776358a7a1b0ae9f582c2bc868ab6429762541caa04c2cb"
        + "4bb689d621a7c18412f0ffe73c2f5786006735b0dfc09ed0774983c768b22f02"

    @Test func aFixedRecoveryKeyGivesTheKnownKeyPairAndSignature() throws {
        let key = try RecoveryAuthKey(recoveryKey: try RecoveryKey(parsing: Self.zeroKey))
        #expect(Hex.encode(key.publicKey) == Self.zeroPublicKey)
        let signature = key.signRecovery(accountID: try AccountID("acct"), challenge: [UInt8](repeating: 7, count: 32))
        #expect(Hex.encode(signature) == Self.zeroSignature)
        // The same key read again derives the same pair.
        let again = try RecoveryAuthKey(recoveryKey: try RecoveryKey(parsing: Self.zeroKey.lowercased()))
        #expect(again.publicKey == key.publicKey)
    }

    @Test func anotherRecoveryKeyGivesAnotherPublicKey() throws {
        let zero = try RecoveryAuthKey(recoveryKey: try RecoveryKey(parsing: Self.zeroKey))
        let random = RecoveryKey.generate()
        let other = try RecoveryAuthKey(recoveryKey: random)
        #expect(other.publicKey != zero.publicKey)
        #expect(
            try RecoveryAuthKey(recoveryKey: try RecoveryKey(parsing: random.revealedText())).publicKey
                == other.publicKey)
    }

    @Test func theSignatureVerifiesOnlyForItsAccountAndChallenge() throws {
        let key = try RecoveryAuthKey(recoveryKey: RecoveryKey.generate())
        let account = try AccountID("0123456789abcdef0123456789abcdef")
        let challenge = SecureRandom.bytes(32)
        let signature = key.signRecovery(accountID: account, challenge: challenge)
        try Ed25519.verify(
            signature: signature,
            message: RecoveryBeginResponse.signedMessage(accountID: account, challenge: challenge),
            publicKey: key.publicKey)
        #expect(throws: CryptoError.self) {
            try Ed25519.verify(
                signature: signature,
                message: RecoveryBeginResponse.signedMessage(accountID: try AccountID("other"), challenge: challenge),
                publicKey: key.publicKey)
        }
        #expect(!"\(key)".contains(Hex.encode(signature)))
    }
}
