import Testing
import Wire

/// Behaviour beyond the vectors: failures, limits, misuse.
@Suite struct HandshakeStateTests {
    let nk = try! NoiseProtocol(name: "Noise_NK_25519_ChaChaPoly_BLAKE2b")
    let xx = try! NoiseProtocol(name: "Noise_XX_25519_ChaChaPoly_SHA256")

    func nkPair() throws -> (HandshakeState, HandshakeState, X25519.KeyPair) {
        let server = X25519.KeyPair.generate()
        let i = try HandshakeState(
            protocol: nk, role: .initiator, prologue: Array("p".utf8), remoteStaticKey: server.publicKey)
        let r = try HandshakeState(protocol: nk, role: .responder, prologue: Array("p".utf8), staticKey: server)
        return (i, r, server)
    }

    func established() throws -> (NoiseTransport, NoiseTransport) {
        let (i, r, _) = try nkPair()
        _ = try r.readMessage(try i.writeMessage(payload: Array("hello".utf8)))
        _ = try i.readMessage(try r.writeMessage())
        return (try i.split(), try r.split())
    }

    @Test func completesAndCarriesPayloads() throws {
        let (i, r, _) = try nkPair()
        let m1 = try i.writeMessage(payload: Array("request".utf8))
        #expect(m1.count == 32 + 7 + 16)
        #expect(try r.readMessage(m1) == Array("request".utf8))
        #expect(try i.readMessage(try r.writeMessage(payload: Array("ok".utf8))) == Array("ok".utf8))
        #expect(i.isComplete && r.isComplete)
        #expect(i.handshakeHash == r.handshakeHash)
        let (ti, tr) = (try i.split(), try r.split())
        #expect(try tr.receive.decrypt(try ti.send.encrypt(Array("up".utf8))) == Array("up".utf8))
        #expect(try ti.receive.decrypt(try tr.send.encrypt(Array("down".utf8))) == Array("down".utf8))
    }

    @Test func everyTamperedByteOfAHandshakeMessageIsRejected() throws {
        let server = X25519.KeyPair.generate()
        let i = try HandshakeState(protocol: nk, role: .initiator, remoteStaticKey: server.publicKey)
        let m1 = try i.writeMessage(payload: Array("x".utf8))
        for index in m1.indices {
            var bad = m1
            bad[index] ^= 0x01
            let r = try HandshakeState(protocol: nk, role: .responder, staticKey: server)
            #expect(throws: NoiseError.self, "byte \(index)") { try r.readMessage(bad) }
            // A failed handshake is dead: no retry on the same state.
            let again = #expect(throws: NoiseError.self) { try r.readMessage(m1) }
            #expect(again?.code == .outOfOrder)
        }
    }

    @Test func wrongPrologueOrServerKeyFails() throws {
        let server = X25519.KeyPair.generate()
        let other = X25519.KeyPair.generate()
        let i = try HandshakeState(protocol: nk, role: .initiator, prologue: [1], remoteStaticKey: server.publicKey)
        let m1 = try i.writeMessage()
        let r1 = try HandshakeState(protocol: nk, role: .responder, prologue: [2], staticKey: server)
        let prologueError = #expect(throws: NoiseError.self) { try r1.readMessage(m1) }
        #expect(prologueError?.code == .decryptFailed)
        let r2 = try HandshakeState(protocol: nk, role: .responder, prologue: [1], staticKey: other)
        let error = #expect(throws: NoiseError.self) { try r2.readMessage(m1) }
        #expect(error?.code == .decryptFailed)
    }

    @Test func truncatedMessagesAreRejected() throws {
        let (i, _, server) = try nkPair()
        let m1 = try i.writeMessage()
        for length in [0, 1, 31, 32, 47] {
            let r = try HandshakeState(protocol: nk, role: .responder, prologue: Array("p".utf8), staticKey: server)
            let error = #expect(throws: NoiseError.self) { try r.readMessage(Array(m1.prefix(length))) }
            #expect(error?.code == .messageTooShort || error?.code == .decryptFailed)
        }
    }

    @Test func turnsAreEnforced() throws {
        let (i, r, _) = try nkPair()
        #expect(i.isMyTurn && !r.isMyTurn)
        #expect(throws: NoiseError.self) { try r.writeMessage() }
        let (i2, _, _) = try nkPair()
        #expect(throws: NoiseError.self) { try i2.readMessage([UInt8](repeating: 0, count: 48)) }
        let error = #expect(throws: NoiseError.self) { try i.split() }
        #expect(error?.code == .handshakeIncomplete)
    }

    @Test func missingKeysAndPSKsAreReportedUpFront() throws {
        let noRemote = #expect(throws: NoiseError.self) { try HandshakeState(protocol: nk, role: .initiator) }
        #expect(noRemote?.code == .missingKey)
        let noStatic = #expect(throws: NoiseError.self) { try HandshakeState(protocol: nk, role: .responder) }
        #expect(noStatic?.code == .missingKey)
        let xxNoStatic = #expect(throws: NoiseError.self) { try HandshakeState(protocol: xx, role: .initiator) }
        #expect(xxNoStatic?.code == .missingKey)
        let psk = try NoiseProtocol(name: "Noise_NNpsk0_25519_ChaChaPoly_SHA256")
        let none = #expect(throws: NoiseError.self) { try HandshakeState(protocol: psk, role: .initiator) }
        #expect(none?.code == .invalidPSK)
        let short = #expect(throws: NoiseError.self) {
            try HandshakeState(protocol: psk, role: .initiator, psks: [SecureBytes(zeroed: 16)])
        }
        #expect(short?.code == .invalidPSK)
    }

    @Test func mismatchedPSKFails() throws {
        let psk = try NoiseProtocol(name: "Noise_NNpsk0_25519_ChaChaPoly_SHA256")
        let i = try HandshakeState(protocol: psk, role: .initiator, psks: [SecureBytes.random(count: 32)])
        let r = try HandshakeState(protocol: psk, role: .responder, psks: [SecureBytes.random(count: 32)])
        let error = #expect(throws: NoiseError.self) { try r.readMessage(try i.writeMessage()) }
        #expect(error?.code == .decryptFailed)
    }

    @Test func lowOrderEphemeralIsRefused() throws {
        let (_, r, _) = try nkPair()
        // The all-zero point has order 1: DH with it yields zeros.
        var m1 = [UInt8](repeating: 0, count: 48)
        m1[0] = 0
        let error = #expect(throws: NoiseError.self) { try r.readMessage(m1) }
        #expect(error?.code == .weakKey)
    }

    @Test func handshakeMessagesAreCappedAt65535Bytes() throws {
        let (i, _, _) = try nkPair()
        // 32 (e) + payload + 16 (tag) must fit in 65535.
        let error = #expect(throws: NoiseError.self) {
            try i.writeMessage(payload: [UInt8](repeating: 0, count: 65535 - 48 + 1))
        }
        #expect(error?.code == .messageTooLong)
        let (i2, r2, _) = try nkPair()
        let fits = try i2.writeMessage(payload: [UInt8](repeating: 0, count: 65535 - 48))
        #expect(fits.count == 65535)
        #expect(try r2.readMessage(fits).count == 65535 - 48)
        let (_, r3, _) = try nkPair()
        let tooBig = #expect(throws: NoiseError.self) { try r3.readMessage([UInt8](repeating: 0, count: 65536)) }
        #expect(tooBig?.code == .messageTooLong)
    }

    @Test func transportDetectsReplayReorderAndTamper() throws {
        let (a, b) = try established()
        let c1 = try a.send.encrypt(Array("one".utf8))
        let c2 = try a.send.encrypt(Array("two".utf8))
        // Reordered: the second message first fails, and the state is unharmed.
        #expect(throws: NoiseError.self) { try b.receive.decrypt(c2) }
        #expect(try b.receive.decrypt(c1) == Array("one".utf8))
        // Replayed.
        #expect(throws: NoiseError.self) { try b.receive.decrypt(c1) }
        var bad = c2
        bad[0] ^= 0x80
        #expect(throws: NoiseError.self) { try b.receive.decrypt(bad) }
        #expect(try b.receive.decrypt(c2) == Array("two".utf8))
        // Wrong direction: the sender's own key does not open the peer's messages.
        #expect(throws: NoiseError.self) { try a.receive.decrypt(try a.send.encrypt([1])) }
    }

    @Test func transportLengthLimits() throws {
        let (a, b) = try established()
        let max = try a.send.encrypt([UInt8](repeating: 1, count: 65535 - 16))
        #expect(max.count == 65535)
        #expect(try b.receive.decrypt(max).count == 65519)
        let over = #expect(throws: NoiseError.self) { try a.send.encrypt([UInt8](repeating: 1, count: 65535 - 15)) }
        #expect(over?.code == .messageTooLong)
        let big = #expect(throws: NoiseError.self) { try b.receive.decrypt([UInt8](repeating: 0, count: 65536)) }
        #expect(big?.code == .messageTooLong)
        let short = #expect(throws: NoiseError.self) { try b.receive.decrypt([UInt8](repeating: 0, count: 15)) }
        #expect(short?.code == .messageTooShort)
    }

    @Test func nonceExhaustionIsAnError() throws {
        let (a, b) = try established()
        a.send.setNonce(UInt64.max - 1)
        b.receive.setNonce(UInt64.max - 1)
        #expect(try b.receive.decrypt(try a.send.encrypt([9])) == [9])
        // 2^64-1 is reserved: neither side may use it.
        let error = #expect(throws: NoiseError.self) { try a.send.encrypt([9]) }
        #expect(error?.code == .nonceExhausted)
        let error2 = #expect(throws: NoiseError.self) { try b.receive.decrypt([UInt8](repeating: 0, count: 17)) }
        #expect(error2?.code == .nonceExhausted)
    }

    @Test func rekeyFollowsTheSpecification() throws {
        let (a, b) = try established()
        try a.send.rekey()
        let c = try a.send.encrypt([1, 2, 3])
        #expect(throws: NoiseError.self) { try b.receive.decrypt(c) }
        try b.receive.rekey()
        #expect(try b.receive.decrypt(c) == [1, 2, 3])

        // REKEY(k) = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes), checked directly.
        let key = SecureBytes.random(count: 32)
        let state = key.withUnsafeBytes { CipherState(cipher: .chaChaPoly, key: $0) }
        try state.rekey()
        var maxNonce = [UInt8](repeating: 0xff, count: 12)
        for i in 0..<4 { maxNonce[i] = 0 }
        let expectedKey = Array(
            try AEAD.chaCha20Poly1305.seal(key: key, nonce: maxNonce, plaintext: [UInt8](repeating: 0, count: 32))
                .prefix(32))
        let reference = expectedKey.withUnsafeBytes { CipherState(cipher: .chaChaPoly, key: $0) }
        #expect(try state.encrypt([7, 7]) == (try reference.encrypt([7, 7])))
        #expect(state.nonce == 1)
    }

    @Test func aesgcmUsesBigEndianNonces() throws {
        guard AEAD.aes256GCM.isAvailable else { return }
        let key = SecureBytes.random(count: 32)
        let state = key.withUnsafeBytes { CipherState(cipher: .aesGCM, key: $0) }
        state.setNonce(0x0102_0304_0506_0708)
        let c = try state.encrypt([1])
        let nonce: [UInt8] = [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]
        #expect(try AEAD.aes256GCM.open(key: key, nonce: nonce, ciphertext: c) == [1])
    }

    @Test func errorsCarryStableCodesAndNoSecrets() throws {
        let psk = SecureBytes(copying: [UInt8](repeating: 0x41, count: 32))
        let p = try NoiseProtocol(name: "Noise_NNpsk0_25519_ChaChaPoly_SHA256")
        let i = try HandshakeState(protocol: p, role: .initiator, psks: [psk])
        let r = try HandshakeState(protocol: p, role: .responder, psks: [SecureBytes.random(count: 32)])
        let error = #expect(throws: NoiseError.self) { try r.readMessage(try i.writeMessage()) }
        let text = "\(String(describing: error))"
        #expect(text.contains("SOTTO-NOISE-DECRYPT"))
        #expect(!text.contains("AAAA") && !text.contains("4141"))
        #expect(Set(NoiseErrorCode.allCases.map(\.rawValue)).count == NoiseErrorCode.allCases.count)
    }
}
