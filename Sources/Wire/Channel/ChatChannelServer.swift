import Crypto

/// The server's half of one chat turn: opens the request, then seals each event.
///
/// Sendable so the task streaming the answer can own it; it is handed over, never shared:
/// one turn's frames are sealed in order by one task.
public final class ServerChatSession: @unchecked Sendable {
    private let handshake: HandshakeState
    private var sender: CipherState?

    init(handshake: HandshakeState) {
        self.handshake = handshake
    }

    /// Decrypts a request body.
    /// - Parameters:
    ///   - keys: looks up the channel key a request names (current or not yet expired).
    ///   - maxRequestBytes: requests above this are refused before any decryption.
    /// - Returns: the request plaintext (a `ChatRequest` JSON) and the session for the answer.
    /// - Throws: `ChannelError` with a code the HTTP layer maps to a status.
    public static func open(
        body: some ByteView, keys: (_ keyID: [UInt8]) -> ChannelKeyPair?, replayGuard: ReplayGuard,
        nowMilliseconds: UInt64, maxRequestBytes: Int = 16 * 1024 * 1024
    ) throws -> (request: [UInt8], session: ServerChatSession) {
        try body.withUnsafeBytes { raw in
            guard raw.count <= maxRequestBytes else {
                throw ChannelError(.requestTooLarge, "the request exceeds \(maxRequestBytes) bytes")
            }
            var reader = FrameReader(raw)
            guard try reader.take(ChatChannel.magic.count).elementsEqual(ChatChannel.magic) else {
                throw ChannelError(.malformedRequest, "not a Sotto chat request (bad magic)")
            }
            let keyID = Array(try reader.take(ServerKeyAnnouncement.keyIDByteCount))
            guard let key = keys(keyID) else {
                throw ChannelError(.unknownKey, "the request names a key this server does not hold; verify it again")
            }
            guard nowMilliseconds / 1000 < key.announcement.notAfter else {
                throw ChannelError(.keyExpired, "the request uses an expired key; verify the server again")
            }
            let ciphertext = try reader.take(ChatChannel.mlkemCiphertextByteCount)
            let psk: SecureBytes
            do {
                // ML-KEM decapsulation never fails on a well-sized ciphertext (implicit
                // rejection): a forged one just yields a PSK the handshake then refuses.
                let shared = try key.mlkem.decapsulate(Array(ciphertext))
                psk = shared.withUnsafeBytes { SecureBytes(copying: $0) }
            } catch {
                throw ChannelError(.malformedRequest, "the request's ML-KEM ciphertext is malformed")
            }
            let handshake = try HandshakeState(
                protocol: ChatChannel.noiseProtocol, role: .responder,
                prologue: ChatChannel.prologue(keyID: keyID, mlkemCiphertext: ciphertext),
                staticKey: key.x25519, psks: [psk])
            let message1 = try reader.frame16()
            var first: [UInt8]
            do {
                first = try handshake.readMessage(message1)
            } catch {
                throw ChannelError(.decryptFailed, "the request was not encrypted to this server's attested key")
            }
            defer { ConstantTime.wipe(&first) }
            guard first.count == ChatChannel.firstPayloadByteCount else {
                throw ChannelError(.malformedRequest, "the request's first message has the wrong size")
            }
            let timestamp = first[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let ephemeralKey = handshake.remoteEphemeralKey ?? []
            // A replay is refused before its chunks cost any work, but the request is remembered
            // only once it opened whole: a damaged copy must not block the genuine one.
            try replayGuard.check(
                timestampMilliseconds: timestamp, ephemeralKey: ephemeralKey, nowMilliseconds: nowMilliseconds)
            let streamKey = SecureBytes(copying: first[8..<(8 + SecretStream.keyByteCount)])
            let streamReader = try SecretStream.Reader(
                key: streamKey, header: first[(8 + SecretStream.keyByteCount)...])
            let binding = handshake.handshakeHash
            var request = [UInt8]()
            while !streamReader.isFinished {
                guard reader.remaining > 0 else {
                    throw ChannelError(.truncated, "the request ended before its last chunk")
                }
                let chunk = try reader.frame32()
                do {
                    request += try streamReader.pull(chunk, ad: binding)
                } catch {
                    throw ChannelError(.decryptFailed, "a request chunk was altered, reordered or replayed")
                }
            }
            guard reader.remaining == 0 else {
                throw ChannelError(.trailingData, "the request continues after its last chunk")
            }
            try replayGuard.record(
                timestampMilliseconds: timestamp, ephemeralKey: ephemeralKey, nowMilliseconds: nowMilliseconds)
            return (request, ServerChatSession(handshake: handshake))
        }
    }

    /// The first bytes of the response: Noise message 2, which gives the answer forward
    /// secrecy (it adds the ee DH). Call once, before any `seal`.
    public func start() throws -> [UInt8] {
        precondition(sender == nil, "start() called twice")
        var out = [UInt8]()
        ChatChannel.appendFrame16(&out, try handshake.writeMessage())
        sender = try handshake.split().send
        return out
    }

    /// One encrypted, length-prefixed event frame.
    public func seal(_ event: ChatEvent) throws -> [UInt8] {
        guard let sender else { preconditionFailure("seal() before start()") }
        let plaintext = try ChatEventCodec.encode(event)
        let sealedCount = plaintext.count + CipherState.tagByteCount
        // Length prefix and ciphertext in one buffer, encrypted in place: once per token.
        var out = [UInt8](repeating: 0, count: 2 + sealedCount)
        out[0] = UInt8(sealedCount >> 8)
        out[1] = UInt8(sealedCount & 0xff)
        try plaintext.withUnsafeBytes { p in
            try out.withUnsafeMutableBytes { o in
                _ = try sender.encrypt(
                    ad: UnsafeRawBufferPointer(start: nil, count: 0), plaintext: p,
                    into: UnsafeMutableRawBufferPointer(rebasing: o[2...]))
            }
        }
        return out
    }
}

/// Bounds-checked reading of the request's fixed fields and length-prefixed frames.
struct FrameReader {
    let raw: UnsafeRawBufferPointer
    var offset = 0

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    var remaining: Int { raw.count - offset }

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, remaining >= n else { throw ChannelError(.malformedRequest, "the request is truncated") }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + n)])
    }

    mutating func frame16() throws -> UnsafeRawBufferPointer {
        let header = try take(2)
        return try take(Int(header[0]) << 8 | Int(header[1]))
    }

    mutating func frame32() throws -> UnsafeRawBufferPointer {
        let header = try take(4)
        let length = Int(readUInt32(header, at: 0))
        guard length <= ChatChannel.chunkByteCount + SecretStream.overheadByteCount else {
            throw ChannelError(.malformedRequest, "a request chunk is larger than the protocol allows")
        }
        return try take(length)
    }
}
