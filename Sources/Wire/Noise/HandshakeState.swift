/// Which side of a handshake this state plays.
public enum NoiseRole: Sendable, Hashable {
    case initiator, responder
}

/// The two directions of an established Noise session.
public final class NoiseTransport {
    /// Encrypts what this side sends.
    public let send: CipherState
    /// Decrypts what this side receives. For one-way patterns the responder only receives
    /// and the initiator only sends; the unused direction is still present.
    public let receive: CipherState
    /// The handshake hash, for channel binding.
    public let handshakeHash: [UInt8]

    init(send: CipherState, receive: CipherState, handshakeHash: [UInt8]) {
        self.send = send
        self.receive = receive
        self.handshakeHash = handshakeHash
    }
}

/// Noise's HandshakeState (§5.3): runs any supported pattern as initiator or responder.
public final class HandshakeState {
    public let noiseProtocol: NoiseProtocol
    public let role: NoiseRole
    private let symmetric: SymmetricState
    private var s: X25519.KeyPair?
    private var e: X25519.KeyPair?
    /// The peer's static public key, once known (pre-message or received).
    public private(set) var remoteStaticKey: [UInt8]?
    /// The peer's ephemeral public key, once received.
    public private(set) var remoteEphemeralKey: [UInt8]?
    private var psks: [SecureBytes]
    private var pskIndex = 0
    private var messageIndex = 0
    private var failed = false

    /// Starts a handshake (Initialize, §5.3).
    /// - Parameters:
    ///   - prologue: data both sides must agree on, hashed but not sent.
    ///   - staticKey: this side's static key pair, when the pattern uses one.
    ///   - ephemeralKey: only for test vectors; normally generated fresh.
    ///   - remoteStaticKey / remoteEphemeralKey: the peer's keys known in advance (pre-messages).
    ///   - psks: 32-byte pre-shared keys, one per `psk` token, in order.
    /// - Throws: `NoiseError.missingKey` when a key the pattern needs is absent,
    ///   `.invalidPSK` for a wrong number or size of PSKs.
    public init(
        protocol noiseProtocol: NoiseProtocol, role: NoiseRole, prologue: some ByteView = [UInt8](),
        staticKey: X25519.KeyPair? = nil, ephemeralKey: X25519.KeyPair? = nil,
        remoteStaticKey: [UInt8]? = nil, remoteEphemeralKey: [UInt8]? = nil, psks: [SecureBytes] = []
    ) throws {
        self.noiseProtocol = noiseProtocol
        self.role = role
        self.s = staticKey
        self.e = ephemeralKey
        self.remoteStaticKey = remoteStaticKey
        self.remoteEphemeralKey = remoteEphemeralKey
        self.psks = psks
        let pattern = noiseProtocol.pattern
        guard psks.count == pattern.pskCount else {
            throw NoiseError(
                .invalidPSK, "\(pattern.name) needs \(pattern.pskCount) pre-shared keys, got \(psks.count)")
        }
        guard psks.allSatisfy({ $0.count == 32 }) else {
            throw NoiseError(.invalidPSK, "Noise pre-shared keys are 32 bytes")
        }
        for key in [remoteStaticKey, remoteEphemeralKey].compactMap({ $0 }) where key.count != 32 {
            throw NoiseError(.missingKey, "an X25519 public key is 32 bytes, got \(key.count)")
        }
        symmetric = SymmetricState(
            protocolName: noiseProtocol.name, cipher: noiseProtocol.cipher, hash: noiseProtocol.hash)
        prologue.withUnsafeBytes { symmetric.mixHash($0) }

        // Pre-messages: the initiator's keys first (§5.3), each side's own or the peer's.
        let mine = role == .initiator ? pattern.initiatorPreMessage : pattern.responderPreMessage
        let theirs = role == .initiator ? pattern.responderPreMessage : pattern.initiatorPreMessage
        let ordered = role == .initiator ? [(mine, true), (theirs, false)] : [(theirs, false), (mine, true)]
        for (tokens, local) in ordered {
            for token in tokens {
                let key: [UInt8]?
                switch (token, local) {
                case (.s, true): key = s?.publicKey
                case (.e, true): key = e?.publicKey
                case (.s, false): key = self.remoteStaticKey
                case (.e, false): key = self.remoteEphemeralKey
                default: throw NoiseError(.unknownProtocol, "pre-messages hold only e and s")
                }
                guard let key else {
                    let whose = local ? "this side's" : "the peer's"
                    throw NoiseError(
                        .missingKey,
                        "\(pattern.name) needs \(whose) \(token == .s ? "static" : "ephemeral") key in advance")
                }
                key.withUnsafeBytes { symmetric.mixHash($0) }
                if token == .e && pattern.usesPSK { key.withUnsafeBytes { symmetric.mixKey($0) } }
            }
        }
        // Fail early rather than halfway: a static key this side must send or use.
        let needsLocalStatic = pattern.messages.enumerated().contains { i, tokens in
            let sender: NoiseRole = i % 2 == 0 ? .initiator : .responder
            return tokens.contains { t in
                switch t {
                case .s: return sender == role
                case .ss: return true
                case .es: return role == .responder
                case .se: return role == .initiator
                default: return false
                }
            }
        }
        if needsLocalStatic && s == nil {
            throw NoiseError(.missingKey, "\(pattern.name) needs this side's static key")
        }
    }

    /// True once every handshake message has been written or read.
    public var isComplete: Bool { messageIndex >= noiseProtocol.pattern.messages.count }

    /// True when the next handshake message is this side's to write.
    public var isMyTurn: Bool {
        !isComplete && (messageIndex % 2 == 0) == (role == .initiator)
    }

    /// The handshake hash h so far.
    public var handshakeHash: [UInt8] { symmetric.h }

    private func checkUsable(writing: Bool) throws {
        guard !failed else {
            throw NoiseError(.outOfOrder, "this handshake already failed; start a new one")
        }
        guard !isComplete else {
            throw NoiseError(.outOfOrder, "the handshake is complete; use the transport")
        }
        guard isMyTurn == writing else {
            throw NoiseError(.outOfOrder, writing ? "it is the peer's turn to send" : "it is this side's turn to send")
        }
    }

    private func dh(_ token: NoiseToken) throws {
        // Which of our keys meets which of theirs, in canonical (initiator-relative) terms.
        let (localIsEphemeral, remoteIsEphemeral): (Bool, Bool)
        switch (token, role) {
        case (.ee, _): (localIsEphemeral, remoteIsEphemeral) = (true, true)
        case (.ss, _): (localIsEphemeral, remoteIsEphemeral) = (false, false)
        case (.es, .initiator): (localIsEphemeral, remoteIsEphemeral) = (true, false)
        case (.es, .responder): (localIsEphemeral, remoteIsEphemeral) = (false, true)
        case (.se, .initiator): (localIsEphemeral, remoteIsEphemeral) = (false, true)
        case (.se, .responder): (localIsEphemeral, remoteIsEphemeral) = (true, false)
        default: preconditionFailure("not a DH token")
        }
        guard let local = localIsEphemeral ? e : s else {
            throw NoiseError(
                .missingKey, "\(token.rawValue) needs this side's \(localIsEphemeral ? "ephemeral" : "static") key")
        }
        guard let remote = remoteIsEphemeral ? remoteEphemeralKey : remoteStaticKey else {
            throw NoiseError(
                .missingKey, "\(token.rawValue) needs the peer's \(remoteIsEphemeral ? "ephemeral" : "static") key")
        }
        // The shared secret never leaves locked memory.
        var shared = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        defer { withUnsafeMutableBytes(of: &shared) { ConstantTime.wipe($0) } }
        try withUnsafeMutableBytes(of: &shared) { out in
            try local.privateKey.withUnsafeBytes { priv in
                try remote.withUnsafeBytes { pub in
                    do {
                        try X25519.sharedSecret(privateKey: priv, publicKey: pub, into: out)
                    } catch {
                        throw NoiseError(.weakKey, "the peer sent a low-order X25519 key; handshake refused")
                    }
                }
            }
            symmetric.mixKey(UnsafeRawBufferPointer(out))
        }
    }

    /// WriteMessage(payload): the next handshake message of this side.
    /// - Throws: `NoiseError.outOfOrder` when it is not this side's turn,
    ///   `.messageTooLong` past 65535 bytes.
    public func writeMessage(payload: some ByteView = [UInt8]()) throws -> [UInt8] {
        try checkUsable(writing: true)
        do {
            let message = try payload.withUnsafeBytes { try write(payload: $0) }
            messageIndex += 1
            return message
        } catch {
            failed = true
            throw error
        }
    }

    private func write(payload: UnsafeRawBufferPointer) throws -> [UInt8] {
        let tokens = noiseProtocol.pattern.messages[messageIndex]
        // Upper bound of the message: keys, their tags, the payload and its tag.
        let capacity = tokens.count * (32 + CipherState.tagByteCount) + payload.count + CipherState.tagByteCount
        var buffer = [UInt8](repeating: 0, count: capacity)
        var length = 0
        try buffer.withUnsafeMutableBytes { out in
            for token in tokens {
                switch token {
                case .e:
                    if e == nil { e = X25519.KeyPair.generate() }
                    let pub = e!.publicKey
                    pub.withUnsafeBytes { p in
                        UnsafeMutableRawBufferPointer(rebasing: out[length..<(length + 32)]).copyMemory(from: p)
                        symmetric.mixHash(p)
                        if noiseProtocol.pattern.usesPSK { symmetric.mixKey(p) }
                    }
                    length += 32
                case .s:
                    guard let s else { throw NoiseError(.missingKey, "this side has no static key to send") }
                    length += try s.publicKey.withUnsafeBytes {
                        try symmetric.encryptAndHash($0, into: UnsafeMutableRawBufferPointer(rebasing: out[length...]))
                    }
                case .ee, .es, .se, .ss:
                    try dh(token)
                case .psk:
                    psks[pskIndex].withUnsafeBytes { symmetric.mixKeyAndHash($0) }
                    pskIndex += 1
                }
            }
            length += try symmetric.encryptAndHash(
                payload, into: UnsafeMutableRawBufferPointer(rebasing: out[length...]))
        }
        guard length <= noiseMaxMessageLength else {
            throw NoiseError(
                .messageTooLong,
                "a Noise handshake message is at most \(noiseMaxMessageLength) bytes; the payload is too large")
        }
        buffer.removeLast(capacity - length)
        return buffer
    }

    /// ReadMessage(message): processes the peer's next handshake message, returning its payload.
    /// - Throws: `NoiseError.decryptFailed` for a message not made for this handshake,
    ///   `.messageTooShort` / `.messageTooLong` for bad sizes, `.outOfOrder`.
    public func readMessage(_ message: some ByteView) throws -> [UInt8] {
        try checkUsable(writing: false)
        do {
            let payload = try message.withUnsafeBytes { try read(message: $0) }
            messageIndex += 1
            return payload
        } catch {
            failed = true
            throw error
        }
    }

    private func read(message: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard message.count <= noiseMaxMessageLength else {
            throw NoiseError(
                .messageTooLong,
                "a Noise handshake message is at most \(noiseMaxMessageLength) bytes, got \(message.count)")
        }
        let tokens = noiseProtocol.pattern.messages[messageIndex]
        var offset = 0
        func take(_ n: Int) throws -> UnsafeRawBufferPointer {
            guard message.count - offset >= n else {
                throw NoiseError(.messageTooShort, "the handshake message is truncated")
            }
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: message[offset..<(offset + n)])
        }
        for token in tokens {
            switch token {
            case .e:
                let re = try take(32)
                remoteEphemeralKey = Array(re)
                symmetric.mixHash(re)
                if noiseProtocol.pattern.usesPSK { symmetric.mixKey(re) }
            case .s:
                let sealed = try take(symmetric.cipherState.hasKey ? 32 + CipherState.tagByteCount : 32)
                var rs = [UInt8](repeating: 0, count: 32)
                _ = try rs.withUnsafeMutableBytes { try symmetric.decryptAndHash(sealed, into: $0) }
                remoteStaticKey = rs
            case .ee, .es, .se, .ss:
                try dh(token)
            case .psk:
                psks[pskIndex].withUnsafeBytes { symmetric.mixKeyAndHash($0) }
                pskIndex += 1
            }
        }
        let rest = UnsafeRawBufferPointer(rebasing: message[offset...])
        if symmetric.cipherState.hasKey && rest.count < CipherState.tagByteCount {
            throw NoiseError(.messageTooShort, "the handshake message is truncated")
        }
        var payload = [UInt8](
            repeating: 0, count: symmetric.cipherState.hasKey ? rest.count - CipherState.tagByteCount : rest.count)
        _ = try payload.withUnsafeMutableBytes { try symmetric.decryptAndHash(rest, into: $0) }
        return payload
    }

    /// Split(): the transport once the handshake is complete.
    /// - Throws: `NoiseError.handshakeIncomplete` before the last message.
    public func split() throws -> NoiseTransport {
        guard isComplete, !failed else {
            throw NoiseError(.handshakeIncomplete, "the handshake is not finished; no transport keys yet")
        }
        let (c1, c2) = symmetric.split()
        return role == .initiator
            ? NoiseTransport(send: c1, receive: c2, handshakeHash: symmetric.h)
            : NoiseTransport(send: c2, receive: c1, handshakeHash: symmetric.h)
    }
}
