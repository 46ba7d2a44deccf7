import Crypto

/// The client's half of one chat turn: seals the request, then decrypts the streamed answer.
public final class ClientChatSession {
    private enum State {
        case awaitingHandshake(HandshakeState)
        case streaming(CipherState)
        case ended
        case failed
    }

    private var state: State
    private var buffer: [UInt8] = []
    // Reused for each frame's plaintext; events are copied out as strings.
    private var scratch: [UInt8] = []

    private init(handshake: HandshakeState) {
        state = .awaitingHandshake(handshake)
    }

    /// Encrypts `request` (the JSON of a `ChatRequest`) to an attested key.
    /// - Parameters:
    ///   - nowMilliseconds: the client's clock, sent so the server can refuse replays.
    /// - Returns: the HTTP request body and the session that reads the response.
    /// - Throws: `ChannelError.keyExpired` past the key's not-after; crypto errors.
    public static func seal(
        request: some ByteView, to key: AttestedChannelKey, nowMilliseconds: UInt64
    ) throws
        -> (body: [UInt8], session: ClientChatSession)
    {
        guard nowMilliseconds / 1000 < key.notAfter else {
            throw ChannelError(.keyExpired, "the server's attested key has expired; verify the server again")
        }
        let kemKey = try MLKEM768.PublicKey(rawRepresentation: key.mlkem768)
        let encapsulation = try kemKey.encapsulate()
        let psk = encapsulation.sharedSecret.withUnsafeBytes { SecureBytes(copying: $0) }
        let ciphertext = Array(encapsulation.encapsulated)
        let handshake = try HandshakeState(
            protocol: ChatChannel.noiseProtocol, role: .initiator,
            prologue: ChatChannel.prologue(keyID: key.keyID, mlkemCiphertext: ciphertext),
            remoteStaticKey: key.x25519, psks: [psk])

        let streamKey = SecureBytes.random(count: SecretStream.keyByteCount)
        let writer = try SecretStream.Writer(key: streamKey)
        var firstPayload = [UInt8]()
        firstPayload.reserveCapacity(ChatChannel.firstPayloadByteCount)
        for i in 0..<8 { firstPayload.append(UInt8(truncatingIfNeeded: nowMilliseconds >> (56 - 8 * UInt64(i)))) }
        streamKey.withUnsafeBytes { firstPayload += $0 }
        firstPayload += writer.header
        defer { ConstantTime.wipe(&firstPayload) }

        var body = ChatChannel.magic + key.keyID + ciphertext
        ChatChannel.appendFrame16(&body, try handshake.writeMessage(payload: firstPayload))
        // Every chunk is bound to this handshake through its associated data.
        let binding = handshake.handshakeHash
        try request.withUnsafeBytes { raw in
            var offset = 0
            repeat {
                let end = min(offset + ChatChannel.chunkByteCount, raw.count)
                let chunk = try writer.push(
                    UnsafeRawBufferPointer(rebasing: raw[offset..<end]), ad: binding, final: end == raw.count)
                ChatChannel.appendFrame32(&body, chunk)
                offset = end
            } while offset < raw.count
        }
        return (body, ClientChatSession(handshake: handshake))
    }

    /// Feeds response bytes as they arrive; returns the events completed so far.
    /// - Throws: `ChannelError` for a response that is not for this request, altered,
    ///   reordered or replayed, or that continues after `end`.
    public func receive(_ bytes: some ByteView) throws -> [ChatEvent] {
        if case .failed = state {
            throw ChannelError(.decryptFailed, "this answer already failed to decrypt; it cannot be read further")
        }
        bytes.withUnsafeBytes { buffer += $0 }
        var events = [ChatEvent]()
        var consumed = 0
        defer { buffer.removeFirst(consumed) }
        while buffer.count - consumed >= 2 {
            let length = Int(buffer[consumed]) << 8 | Int(buffer[consumed + 1])
            // A length no answer can have is refused at once, before waiting for that many
            // bytes: otherwise random or forged bytes would end as "cut off" rather than as
            // what they are.
            try checkFrameLength(length)
            guard buffer.count - consumed - 2 >= length else { break }
            let start = consumed + 2
            consumed = start + length
            switch state {
            case .awaitingHandshake(let handshake):
                do {
                    _ = try handshake.readMessage(buffer[start..<consumed])
                } catch {
                    state = .failed
                    throw ChannelError(.decryptFailed, "the response is not an answer to this request; refusing it")
                }
                state = .streaming(try handshake.split().receive)
            case .streaming(let cipher):
                let event: ChatEvent
                do {
                    event = try open(buffer[start..<consumed], with: cipher)
                } catch let error as ChannelError {
                    state = .failed
                    throw error
                }
                events.append(event)
                if case .end = event { state = .ended }
            case .ended:
                throw ChannelError(.trailingData, "the server sent data after the end of its answer")
            case .failed:
                throw ChannelError(.decryptFailed, "this answer already failed to decrypt; it cannot be read further")
            }
        }
        if case .ended = state, buffer.count > consumed {
            throw ChannelError(.trailingData, "the server sent data after the end of its answer")
        }
        return events
    }

    /// Refuses a frame whose announced length is impossible where it stands: Noise message 2
    /// has one size, and a transport frame holds an event padded to `ChatEventCodec`'s quantum
    /// (or the largest frame) plus its tag.
    private func checkFrameLength(_ length: Int) throws {
        switch state {
        case .awaitingHandshake where length != ChatChannel.responseHandshakeByteCount:
            state = .failed
            throw ChannelError(.decryptFailed, "the response is not an answer to this request; refusing it")
        case .streaming
        where length < CipherState.tagByteCount + ChatEventCodec.paddingQuantum
            || ((length - CipherState.tagByteCount) % ChatEventCodec.paddingQuantum != 0
                && length != noiseMaxMessageLength):
            state = .failed
            throw ChannelError(.decryptFailed, "a response frame has an impossible size; the answer was altered")
        default:
            break
        }
    }

    /// Decrypts one frame into the session's scratch buffer and decodes its event.
    private func open(_ frame: ArraySlice<UInt8>, with cipher: CipherState) throws -> ChatEvent {
        guard frame.count >= CipherState.tagByteCount, frame.count <= noiseMaxMessageLength else {
            throw ChannelError(.decryptFailed, "a response frame has an impossible size")
        }
        let plaintextCount = frame.count - CipherState.tagByteCount
        if scratch.count < plaintextCount { scratch = [UInt8](repeating: 0, count: plaintextCount) }
        do {
            try frame.withUnsafeBytes { c in
                try scratch.withUnsafeMutableBytes { out in
                    _ = try cipher.decrypt(
                        ad: UnsafeRawBufferPointer(start: nil, count: 0), ciphertext: c,
                        into: UnsafeMutableRawBufferPointer(rebasing: out[0..<plaintextCount]))
                }
            }
        } catch {
            throw ChannelError(.decryptFailed, "a response frame was altered, reordered or replayed")
        }
        return try ChatEventCodec.decode(scratch[0..<plaintextCount])
    }

    /// True once the `end` event arrived.
    public var isFinished: Bool {
        if case .ended = state { return true }
        return false
    }

    /// Call when the response body is complete.
    /// - Throws: `ChannelError.truncated` if the answer stopped before its `end` event.
    public func finish() throws {
        guard isFinished, buffer.isEmpty else {
            throw ChannelError(.truncated, "the answer was cut off before it ended; the connection may have dropped")
        }
    }
}
