import Crypto

/// The encrypted chat channel's fixed choices (docs/PROTOCOL.md, "Chat channel").
///
/// One HTTP request per turn. The client runs `Noise_NKpsk0_25519_ChaChaPoly_BLAKE2b` to the
/// attested X25519 key, with psk = the ML-KEM-768 shared secret it encapsulated to the
/// attested ML-KEM key (hybrid: breaking the channel needs both X25519 and ML-KEM broken).
/// Request: magic ‖ key id ‖ ML-KEM ciphertext ‖ Noise message 1 ‖ secretstream chunks.
/// Response: Noise message 2 ‖ Noise transport frames, one event each, ending with `end`.
public enum ChatChannel {
    public static let noiseProtocolName = "Noise_NKpsk0_25519_ChaChaPoly_BLAKE2b"
    public static let magic: [UInt8] = Array("STC1".utf8)
    static let prologueLabel = Array("sotto/chat/v1".utf8)
    public static let mlkemCiphertextByteCount = 1088
    public static let mlkemPublicKeyByteCount = 1184
    /// Plaintext bytes per request stream chunk.
    public static let chunkByteCount = 64 * 1024
    /// A request's timestamp may differ from the server's clock by this much.
    public static let maxClockSkewMilliseconds: UInt64 = 5 * 60 * 1000
    /// Bytes before Noise message 1 in a request.
    static let headerByteCount = magic.count + ServerKeyAnnouncement.keyIDByteCount + mlkemCiphertextByteCount
    /// Noise message 2 (the response's first frame): the responder's ephemeral key and the
    /// tag of its empty payload.
    public static let responseHandshakeByteCount = 32 + CipherState.tagByteCount
    /// Noise message 1 payload: timestamp (8) ‖ stream key (32) ‖ stream header (24).
    static let firstPayloadByteCount = 8 + SecretStream.keyByteCount + SecretStream.headerByteCount

    static let noiseProtocol: NoiseProtocol = {
        // A constant of this file; parsing it cannot fail.
        try! NoiseProtocol(name: noiseProtocolName)
    }()

    static func prologue(keyID: [UInt8], mlkemCiphertext: some ByteView) -> [UInt8] {
        var p = prologueLabel + keyID
        mlkemCiphertext.withUnsafeBytes { p += $0 }
        return p
    }

    static func appendFrame16(_ out: inout [UInt8], _ frame: [UInt8]) {
        precondition(frame.count <= noiseMaxMessageLength)
        out += [UInt8(frame.count >> 8), UInt8(frame.count & 0xff)]
        out += frame
    }

    static func appendFrame32(_ out: inout [UInt8], _ frame: [UInt8]) {
        appendUInt32(&out, UInt32(frame.count))
        out += frame
    }
}

/// A server key the client has verified through attestation: what it may encrypt to.
public struct AttestedChannelKey: Sendable, Hashable {
    public let keyID: [UInt8]
    public let x25519: [UInt8]
    public let mlkem768: [UInt8]
    /// Seconds since 1970.
    public let notAfter: UInt64

    public init(_ announcement: ServerKeyAnnouncement) {
        keyID = announcement.keyID.bytes
        x25519 = announcement.x25519.bytes
        mlkem768 = announcement.mlkem768.bytes
        notAfter = announcement.notAfter
    }
}

/// The server's side of a channel key: private halves live only in the TEE's memory.
public final class ChannelKeyPair: Sendable {
    public let announcement: ServerKeyAnnouncement
    let x25519: X25519.KeyPair
    let mlkem: MLKEM768.PrivateKey

    /// Fresh random keys valid until `notAfter` (seconds since 1970).
    public static func generate(notAfter: UInt64) throws -> ChannelKeyPair {
        let x = X25519.KeyPair.generate()
        let kem = try MLKEM768.PrivateKey.generate()
        let announcement = ServerKeyAnnouncement(
            keyID: SecureRandom.bytes(ServerKeyAnnouncement.keyIDByteCount), x25519: x.publicKey,
            mlkem768: Array(kem.publicKey.rawRepresentation), notAfter: notAfter)
        return ChannelKeyPair(announcement: announcement, x25519: x, mlkem: kem)
    }

    init(announcement: ServerKeyAnnouncement, x25519: X25519.KeyPair, mlkem: MLKEM768.PrivateKey) {
        self.announcement = announcement
        self.x25519 = x25519
        self.mlkem = mlkem
    }
}
