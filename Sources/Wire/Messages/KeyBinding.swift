import CSodium

/// How a report binds the server's channel keys, its configuration and the client's nonce:
/// report_data = SHA-512("sotto/attest/v2" ‖ key id ‖ X25519 key ‖ SHA-256(ML-KEM key) ‖
/// not-after (8 bytes, big-endian) ‖ configuration digest (32 bytes) ‖ nonce). 64 bytes, the
/// size of SEV-SNP REPORT_DATA and TDX REPORTDATA.
public enum KeyBinding {
    static let label = Array("sotto/attest/v2".utf8)

    /// The 64 bytes the report's REPORT_DATA must equal.
    /// - Throws: `CryptoError` when a field has the wrong length.
    public static func reportData(
        keys: ServerKeyAnnouncement, configuration: ServerConfiguration, nonce: [UInt8]
    ) throws -> [UInt8] {
        guard keys.keyID.bytes.count == ServerKeyAnnouncement.keyIDByteCount else {
            throw CryptoError(.invalidLength, "key id must be \(ServerKeyAnnouncement.keyIDByteCount) bytes")
        }
        guard keys.x25519.bytes.count == X25519.keyByteCount else {
            throw CryptoError.keyLength("X25519 public", expected: X25519.keyByteCount, got: keys.x25519.bytes.count)
        }
        guard nonce.count == AttestationRequest.nonceByteCount else {
            throw CryptoError(.invalidLength, "attestation nonce must be \(AttestationRequest.nonceByteCount) bytes")
        }
        var notAfter = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { notAfter[i] = UInt8(truncatingIfNeeded: keys.notAfter >> (56 - 8 * UInt64(i))) }
        let mlkemDigest = HashFunction.sha256.hash(keys.mlkem768.bytes)
        return HashFunction.sha512.hash(
            label, keys.keyID.bytes, keys.x25519.bytes, mlkemDigest, notAfter, configuration.digest, nonce)
    }
}
