import Foundation

@testable import Wire

/// Protocols the Noise code runs: the chat channel's, and a spread of patterns, ciphers and
/// hashes from the test vectors.
let noiseProtocols: [NoiseProtocol] = [
    "Noise_NKpsk0_25519_ChaChaPoly_BLAKE2b", "Noise_NN_25519_ChaChaPoly_SHA256", "Noise_NK_25519_AESGCM_BLAKE2s",
    "Noise_XX_25519_ChaChaPoly_SHA512", "Noise_IK_25519_AESGCM_SHA256", "Noise_KK_25519_ChaChaPoly_BLAKE2b",
].map { try! NoiseProtocol(name: $0) }

/// Fixed static keys so a seed that worked once keeps reaching the same code.
let responderStatic = try! X25519.KeyPair(privateKey: SecureBytes(copying: [UInt8](repeating: 7, count: 32)))
let initiatorStatic = try! X25519.KeyPair(privateKey: SecureBytes(copying: [UInt8](repeating: 9, count: 32)))

func handshake(_ noise: NoiseProtocol, _ role: NoiseRole) throws -> HandshakeState {
    let initiator = role == .initiator
    let pattern = noise.pattern
    return try HandshakeState(
        protocol: noise, role: role, prologue: Array("sotto-fuzz".utf8),
        staticKey: initiator ? initiatorStatic : responderStatic,
        remoteStaticKey: initiator ? responderStatic.publicKey : initiatorStatic.publicKey,
        psks: Array(repeating: SecureBytes(copying: [UInt8](repeating: 1, count: 32)), count: pattern.pskCount))
}

/// Handshake messages read by either side, in any supported protocol: first byte picks the
/// protocol and role, the rest are length-prefixed messages. Also the protocol-name parser.
func fuzzNoiseHandshake(_ data: [UInt8]) {
    _ = try? NoiseProtocol(name: String(decoding: data, as: UTF8.self))
    var choices = Choices(data)
    let pick = choices.byte()
    let noise = noiseProtocols[Int(pick & 0x7f) % noiseProtocols.count]
    guard let state = try? handshake(noise, pick & 0x80 == 0 ? .responder : .initiator) else { return }
    var rest = choices.rest
    while !state.isComplete {
        do {
            if state.isMyTurn {
                _ = try state.writeMessage(payload: [UInt8]([1, 2, 3]))
            } else {
                let length = Int(rest.popFirst() ?? 0) << 8 | Int(rest.popFirst() ?? 0)
                let message = Array(rest.prefix(length))
                rest = rest.dropFirst(length)
                _ = try state.readMessage(message)
            }
        } catch {
            return
        }
    }
    _ = try? state.split()
}

/// Transport frames: a real session, one frame sealed from the input and optionally altered at
/// an input-chosen bit. An unaltered frame opens to its plaintext; an altered one never opens.
func fuzzNoiseTransport(_ data: [UInt8]) {
    var choices = Choices(data)
    let flip = Int(choices.byte()) << 8 | Int(choices.byte())
    let plaintext = Array(choices.rest.prefix(noiseMaxMessageLength - CipherState.tagByteCount))
    let noise = noiseProtocols[1]
    guard let initiator = try? handshake(noise, .initiator), let responder = try? handshake(noise, .responder),
        let m1 = try? initiator.writeMessage(), (try? responder.readMessage(m1)) != nil,
        let m2 = try? responder.writeMessage(), (try? initiator.readMessage(m2)) != nil,
        let sending = try? initiator.split(), let receiving = try? responder.split()
    else { violated("an NN handshake between our own two sides completes") }
    guard var frame = try? sending.send.encrypt(plaintext, ad: [UInt8]([0xAD])) else {
        violated("a frame in bounds seals")
    }
    let altered = flip != 0 && (flip - 1) / 8 < frame.count
    if altered { frame[(flip - 1) / 8] ^= 1 << ((flip - 1) % 8) }
    let opened = try? receiving.receive.decrypt(frame, ad: [UInt8]([0xAD]))
    if altered {
        guard opened == nil else { violated("an altered transport frame never opens") }
    } else {
        guard opened == plaintext else { violated("a transport frame opens to what was sealed") }
    }
    _ = try? receiving.receive.decrypt(data, ad: [UInt8]())
}

/// The server's channel key, made once per process.
let channelKey = try! ChannelKeyPair.generate(notAfter: UInt64.max / 2)
let requestNow: UInt64 = 1_750_000_000_000

/// Chat requests. An input that starts with the request magic is fed to the server as a raw
/// body; any other is the request's plaintext, sealed by the client and opened by the server
/// (unaltered it opens to the same bytes; altered at an input-chosen bit it is refused), then
/// read as `ChatRequest` JSON, which re-encodes to an equal request.
func fuzzChatRequest(_ data: [UInt8]) {
    let keys: ([UInt8]) -> ChannelKeyPair? = { $0 == channelKey.announcement.keyID.bytes ? channelKey : nil }
    if data.starts(with: ChatChannel.magic) {
        _ = try? ServerChatSession.open(
            body: data, keys: keys, replayGuard: ReplayGuard(), nowMilliseconds: requestNow)
        return
    }
    if let request = try? JSONDecoder().decode(ChatRequest.self, from: Data(data)) {
        guard let encoded = try? JSONEncoder().encode(request),
            let again = try? JSONDecoder().decode(ChatRequest.self, from: encoded), again == request
        else { violated("a chat request re-encodes to an equal request") }
    }
    var choices = Choices(data)
    let flip = Int(choices.byte()) << 16 | Int(choices.byte()) << 8 | Int(choices.byte())
    let plaintext = Array(choices.rest)
    guard
        var (body, _) = try? ClientChatSession.seal(
            request: plaintext, to: AttestedChannelKey(channelKey.announcement), nowMilliseconds: requestNow)
    else { violated("a request seals to a valid key") }
    let altered = flip != 0 && (flip - 1) / 8 < body.count
    if altered { body[(flip - 1) / 8] ^= 1 << ((flip - 1) % 8) }
    let opened = try? ServerChatSession.open(
        body: body, keys: keys, replayGuard: ReplayGuard(), nowMilliseconds: requestNow)
    if altered {
        guard opened == nil else { violated("an altered request never opens") }
    } else {
        guard opened?.request == plaintext else { violated("a request opens to what was sealed") }
    }
}

/// Chat answers. The input as one event frame's plaintext (decoding then encoding is stable);
/// then as a script of events the server seals and the client reads back, fed in input-chosen
/// pieces and optionally altered: unaltered, the client reads exactly the events sent.
func fuzzChatAnswer(_ data: [UInt8]) {
    if let event = try? ChatEventCodec.decode(data) {
        guard let encoded = try? ChatEventCodec.encode(event), (try? ChatEventCodec.decode(encoded)) == event else {
            violated("an event re-encodes to an equal event")
        }
    }
    var choices = Choices(data)
    let flip = Int(choices.byte()) << 8 | Int(choices.byte())
    let piece = max(1, Int(choices.byte()))
    // The script: events from NUL-separated pieces of text, then an end.
    var events = choices.rest.split(separator: 0, omittingEmptySubsequences: false).prefix(16).map {
        ChatEvent.token(String(decoding: $0, as: UTF8.self))
    }
    events.insert(.start(model: "fuzz"), at: 0)
    events.append(.end(reason: .stop, promptTokens: data.count, completionTokens: events.count))
    guard
        let (body, client) = try? ClientChatSession.seal(
            request: [UInt8]([1]), to: AttestedChannelKey(channelKey.announcement), nowMilliseconds: requestNow),
        let (_, server) = try? ServerChatSession.open(
            body: body, keys: { _ in channelKey }, replayGuard: ReplayGuard(), nowMilliseconds: requestNow),
        var answer = try? server.start()
    else { violated("a request between our own two sides opens") }
    for event in events {
        guard let frame = try? server.seal(event) else { violated("an event of one frame seals") }
        answer += frame
    }
    let altered = flip != 0 && (flip - 1) / 8 < answer.count
    if altered { answer[(flip - 1) / 8] ^= 1 << ((flip - 1) % 8) }
    var received = [ChatEvent]()
    var failed = false
    var offset = 0
    while offset < answer.count {
        let end = min(answer.count, offset + piece)
        do {
            received += try client.receive(answer[offset..<end])
        } catch {
            failed = true
            break
        }
        offset = end
    }
    if !failed { failed = (try? client.finish()) == nil }
    if altered {
        guard failed else { violated("an altered answer is refused") }
    } else {
        guard !failed, received == events else { violated("an answer reads back as the events sent") }
    }
}
