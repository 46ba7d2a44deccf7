import Crypto
import Foundation
import Wire
import _CryptoExtras

/// PIN/UV auth protocol 2 (CTAP 2.1 §6.5.7), the authenticator's half: a P-256 key agreement
/// key, the shared secret (HKDF-SHA-256 into an HMAC key and an AES key), AES-256-CBC with a
/// random IV in front, and full 32-byte HMAC-SHA-256 tags.
struct PINProtocolTwo {
    /// The two keys protocol 2 derives from one ECDH result.
    struct SharedSecret {
        let hmacKey: SymmetricKey
        let aesKey: SymmetricKey
    }

    private(set) var keyAgreementKey = P256.KeyAgreement.PrivateKey()

    /// A fresh key agreement key, as after a wrong PIN or a power cycle.
    mutating func regenerate() { keyAgreementKey = P256.KeyAgreement.PrivateKey() }

    /// The key agreement public key as getKeyAgreement returns it (COSE, alg ECDH-ES+HKDF-256).
    var publicKey: CBORValue {
        let point = Array(keyAgreementKey.publicKey.x963Representation)
        return .map([
            CBORMapEntry(.int(1), .int(2)), CBORMapEntry(.int(3), .int(-25)), CBORMapEntry(.int(-1), .int(1)),
            CBORMapEntry(.int(-2), .bytes(Array(point[1...32]))), CBORMapEntry(.int(-3), .bytes(Array(point[33...64]))),
        ])
    }

    /// The secret shared with the platform whose COSE public key is `platformKey`; nil when the
    /// key is malformed or not on the curve.
    func sharedSecret(with platformKey: CBORValue) -> SharedSecret? {
        guard platformKey[1]?.intValue == 2, platformKey[-1]?.intValue == 1,
            let x = platformKey[-2]?.bytesValue, let y = platformKey[-3]?.bytesValue, x.count == 32, y.count == 32,
            let peer = try? P256.KeyAgreement.PublicKey(x963Representation: [4] + x + y),
            let z = try? keyAgreementKey.sharedSecretFromKeyAgreement(with: peer)
        else { return nil }
        let input = z.withUnsafeBytes { SymmetricKey(data: Array($0)) }
        func derive(_ info: String) -> SymmetricKey {
            Crypto.HKDF<SHA256>.deriveKey(
                inputKeyMaterial: input, salt: [UInt8](repeating: 0, count: 32), info: Array(info.utf8),
                outputByteCount: 32)
        }
        return SharedSecret(hmacKey: derive("CTAP2 HMAC key"), aesKey: derive("CTAP2 AES key"))
    }

    /// IV ‖ AES-256-CBC(`plaintext`), unpadded (`plaintext` is whole blocks).
    static func encrypt(_ plaintext: [UInt8], key: SymmetricKey) -> [UInt8] {
        let iv = AES._CBC.IV()
        let ciphertext = try! AES._CBC.encrypt(plaintext, using: key, iv: iv, noPadding: true)
        return Array(iv) + Array(ciphertext)
    }

    /// The plaintext of IV ‖ ciphertext; nil when it is not whole blocks after a full IV.
    static func decrypt(_ data: [UInt8], key: SymmetricKey) -> [UInt8]? {
        guard data.count >= 32, data.count % 16 == 0, let iv = try? AES._CBC.IV(ivBytes: data[0..<16]),
            let plaintext = try? AES._CBC.decrypt(data[16...], using: key, iv: iv, noPadding: true)
        else { return nil }
        return Array(plaintext)
    }

    /// HMAC-SHA-256 of `message` under `key`, all 32 bytes.
    static func authenticate(_ message: [UInt8], key: SymmetricKey) -> [UInt8] {
        Array(Crypto.HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    /// Whether `tag` is `message`'s protocol 2 tag under `key`.
    static func verify(_ tag: [UInt8], of message: [UInt8], key: SymmetricKey) -> Bool {
        tag.count == 32 && Crypto.HMAC<SHA256>.isValidAuthenticationCode(tag, authenticating: message, using: key)
    }
}
