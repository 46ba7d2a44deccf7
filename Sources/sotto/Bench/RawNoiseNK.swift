import CSodium

/// The benchmark's baseline: Noise_NK_25519_ChaChaPoly_BLAKE2b written directly against
/// libsodium, the way a C program would: fixed buffers allocated once, no abstraction.
/// It must produce the same bytes as the Wire implementation; the bench checks that first.
final class RawNoiseNK {
    static let protocolName = "Noise_NK_25519_ChaChaPoly_BLAKE2b"

    /// One side's handshake state in flat buffers.
    struct Side {
        var ck: UnsafeMutablePointer<UInt8>  // 64
        var h: UnsafeMutablePointer<UInt8>  // 64
        var k: UnsafeMutablePointer<UInt8>  // 32
        var n: UInt64 = 0
        var hasKey = false
        var ePriv: UnsafeMutablePointer<UInt8>  // 32
        var ePub: UnsafeMutablePointer<UInt8>  // 32
        var re: UnsafeMutablePointer<UInt8>  // 32
        var k1: UnsafeMutablePointer<UInt8>  // 32, transport keys after split
        var k2: UnsafeMutablePointer<UInt8>  // 32

        init() {
            func buf(_ n: Int) -> UnsafeMutablePointer<UInt8> {
                let p = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
                p.initialize(repeating: 0, count: n)
                return p
            }
            ck = buf(64); h = buf(64); k = buf(32); ePriv = buf(32); ePub = buf(32); re = buf(32)
            k1 = buf(32); k2 = buf(32)
        }

        func free() {
            for p in [ck, h, k, ePriv, ePub, re, k1, k2] { p.deallocate() }
        }
    }

    private let state = UnsafeMutableRawPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
    private let pad = UnsafeMutablePointer<UInt8>.allocate(capacity: 128)
    private let temp = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
    private let out = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * 64)
    private let dh = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
    private let prk = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
    private let counter = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    private let nonce = UnsafeMutablePointer<UInt8>.allocate(capacity: 12)
    private let initialH = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
    var initiator = Side()
    var responder = Side()
    let serverPublic: UnsafeMutablePointer<UInt8>
    let serverPrivate: UnsafeMutablePointer<UInt8>

    init(serverPrivate priv: [UInt8], serverPublic pub: [UInt8]) {
        serverPrivate = .allocate(capacity: 32)
        serverPublic = .allocate(capacity: 32)
        serverPrivate.update(from: priv, count: 32)
        serverPublic.update(from: pub, count: 32)
        initialH.initialize(repeating: 0, count: 64)
        let name = Array(Self.protocolName.utf8)
        initialH.update(from: name, count: name.count)
    }

    deinit {
        initiator.free(); responder.free()
        sodium_memzero(serverPrivate, 32)
        for p in [pad, temp, out, dh, prk, counter, nonce, initialH, serverPublic, serverPrivate] { p.deallocate() }
        state.deallocate()
    }

    private func blake2b(
        _ a: UnsafePointer<UInt8>, _ aLength: Int, _ b: UnsafePointer<UInt8>?, _ bLength: Int,
        into o: UnsafeMutablePointer<UInt8>
    ) {
        let st = OpaquePointer(state)
        crypto_generichash_init(st, nil, 0, 64)
        crypto_generichash_update(st, a, UInt64(aLength))
        if let b { crypto_generichash_update(st, b, UInt64(bLength)) }
        crypto_generichash_final(st, o, 64)
    }

    /// HMAC-BLAKE2b with a 64-byte key over up to two message parts.
    private func hmac(
        key: UnsafePointer<UInt8>, _ a: UnsafePointer<UInt8>?, _ aLength: Int, _ b: UnsafePointer<UInt8>?,
        _ bLength: Int, into o: UnsafeMutablePointer<UInt8>
    ) {
        let st = OpaquePointer(state)
        pad.update(repeating: 0, count: 128)
        pad.update(from: key, count: 64)
        for i in 0..<128 { pad[i] ^= 0x36 }
        crypto_generichash_init(st, nil, 0, 64)
        crypto_generichash_update(st, pad, 128)
        if let a { crypto_generichash_update(st, a, UInt64(aLength)) }
        if let b { crypto_generichash_update(st, b, UInt64(bLength)) }
        crypto_generichash_final(st, temp, 64)
        for i in 0..<128 { pad[i] ^= 0x36 ^ 0x5c }
        crypto_generichash_init(st, nil, 0, 64)
        crypto_generichash_update(st, pad, 128)
        crypto_generichash_update(st, temp, 64)
        crypto_generichash_final(st, o, 64)
    }

    /// Noise HKDF into `out` (2 outputs); ck := output 1.
    private func hkdf2(_ side: inout Side, ikm: UnsafePointer<UInt8>?, ikmLength: Int) {
        defer { sodium_memzero(prk, 64) }
        hmac(key: side.ck, ikm, ikmLength, nil, 0, into: prk)
        counter.pointee = 1
        hmac(key: prk, counter, 1, nil, 0, into: out)
        counter.pointee = 2
        hmac(key: prk, out, 64, counter, 1, into: out + 64)
        side.ck.update(from: out, count: 64)
    }

    private func mixHash(_ side: inout Side, _ p: UnsafePointer<UInt8>, _ n: Int) {
        blake2b(side.h, 64, p, n, into: side.h)
    }

    private func mixKey(_ side: inout Side, _ ikm: UnsafePointer<UInt8>) {
        hkdf2(&side, ikm: ikm, ikmLength: 32)
        side.k.update(from: out + 64, count: 32)
        side.n = 0
        side.hasKey = true
        sodium_memzero(out, 128)
    }

    private func setNonce(_ n: UInt64) {
        nonce.initialize(repeating: 0, count: 12)
        var le = n.littleEndian
        withUnsafeBytes(of: &le) { UnsafeMutableRawPointer(nonce + 4).copyMemory(from: $0.baseAddress!, byteCount: 8) }
    }

    /// EncryptAndHash of an empty payload: writes the 16-byte tag at `o`.
    private func encryptEmptyAndHash(_ side: inout Side, into o: UnsafeMutablePointer<UInt8>) {
        setNonce(side.n)
        crypto_aead_chacha20poly1305_ietf_encrypt(o, nil, nil, 0, side.h, 64, nil, nonce, side.k)
        side.n += 1
        mixHash(&side, o, 16)
    }

    private func decryptEmptyAndHash(_ side: inout Side, _ c: UnsafePointer<UInt8>) -> Bool {
        setNonce(side.n)
        var sink: UInt8 = 0
        let rc = crypto_aead_chacha20poly1305_ietf_decrypt(&sink, nil, nil, c, 16, side.h, 64, nonce, side.k)
        guard rc == 0 else { return false }
        side.n += 1
        mixHash(&side, c, 16)
        return true
    }

    private func start(_ side: inout Side) {
        side.h.update(from: initialH, count: 64)
        side.ck.update(from: initialH, count: 64)
        side.hasKey = false
        side.n = 0
        blake2b(side.h, 64, nil, 0, into: side.h)  // MixHash(empty prologue)
        mixHash(&side, serverPublic, 32)  // pre-message <- s
    }

    private func split(_ side: inout Side) {
        hkdf2(&side, ikm: nil, ikmLength: 0)
        side.k1.update(from: out, count: 32)
        side.k2.update(from: out + 64, count: 32)
        sodium_memzero(out, 128)
    }

    /// One complete handshake, both sides, empty payloads. `m1` holds 48 bytes, `m2` 48.
    /// Returns false if any step fails.
    /// Fixed ephemeral private keys make the run reproducible for the equivalence check.
    func handshake(
        m1: UnsafeMutablePointer<UInt8>, m2: UnsafeMutablePointer<UInt8>,
        fixedEphemerals: (initiator: [UInt8], responder: [UInt8])? = nil
    ) -> Bool {
        // Initiator: -> e, es
        start(&initiator)
        if let fixed = fixedEphemerals {
            initiator.ePriv.update(from: fixed.initiator, count: 32)
        } else {
            randombytes_buf(initiator.ePriv, 32)
        }
        crypto_scalarmult_base(initiator.ePub, initiator.ePriv)
        m1.update(from: initiator.ePub, count: 32)
        mixHash(&initiator, initiator.ePub, 32)
        guard crypto_scalarmult(dh, initiator.ePriv, serverPublic) == 0 else { return false }
        mixKey(&initiator, dh)
        encryptEmptyAndHash(&initiator, into: m1 + 32)

        // Responder reads
        start(&responder)
        responder.re.update(from: m1, count: 32)
        mixHash(&responder, responder.re, 32)
        guard crypto_scalarmult(dh, serverPrivate, responder.re) == 0 else { return false }
        mixKey(&responder, dh)
        guard decryptEmptyAndHash(&responder, m1 + 32) else { return false }

        // Responder: <- e, ee
        if let fixed = fixedEphemerals {
            responder.ePriv.update(from: fixed.responder, count: 32)
        } else {
            randombytes_buf(responder.ePriv, 32)
        }
        crypto_scalarmult_base(responder.ePub, responder.ePriv)
        m2.update(from: responder.ePub, count: 32)
        mixHash(&responder, responder.ePub, 32)
        guard crypto_scalarmult(dh, responder.ePriv, responder.re) == 0 else { return false }
        mixKey(&responder, dh)
        encryptEmptyAndHash(&responder, into: m2 + 32)

        // Initiator reads
        initiator.re.update(from: m2, count: 32)
        mixHash(&initiator, initiator.re, 32)
        guard crypto_scalarmult(dh, initiator.ePriv, initiator.re) == 0 else { return false }
        mixKey(&initiator, dh)
        guard decryptEmptyAndHash(&initiator, m2 + 32) else { return false }

        split(&initiator)
        split(&responder)
        sodium_memzero(dh, 32)
        sodium_memzero(initiator.ePriv, 32)
        sodium_memzero(responder.ePriv, 32)
        return true
    }

    /// Handshake hash of the last handshake (initiator side), for the equivalence check.
    var lastHandshakeHash: [UInt8] { Array(UnsafeBufferPointer(start: initiator.h, count: 64)) }
    /// The initiator's sending transport key of the last handshake.
    var lastInitiatorSendKey: [UInt8] { Array(UnsafeBufferPointer(start: initiator.k1, count: 32)) }
}
