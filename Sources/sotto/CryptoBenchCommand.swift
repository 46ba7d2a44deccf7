import ArgumentParser
import CSodium
import Foundation
import Wire

/// `sotto dev bench crypto`: the Noise layer against the same work written directly on
/// libsodium, in one run. The ratio is ours ÷ raw time per operation (1.00 = no overhead).
struct CryptoBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "Noise NK handshakes and ChaChaPoly transport throughput, beside raw libsodium calls.",
        discussion: """
            Build in release mode for meaningful figures: swift build -c release. Each figure is \
            the median of several interleaved rounds.
            """
    )

    @Option(help: "Timed rounds per case (the median is reported).")
    var rounds = 9

    @Option(help: "Length of one round in milliseconds.")
    var roundMilliseconds = 300

    func run() throws {
        #if DEBUG
            print("warning: debug build; figures are meaningless. Use: swift build -c release")
        #endif
        let timer = BenchmarkTimer(rounds: rounds, roundDuration: .milliseconds(roundMilliseconds))
        let server = X25519.KeyPair.generate()
        let raw = RawNoiseNK(serverPrivate: server.privateKey.unsafeCopyToArray(), serverPublic: server.publicKey)
        let nk = try NoiseProtocol(name: RawNoiseNK.protocolName)

        try checkEquivalence(nk: nk, server: server, raw: raw)

        print("Noise_NK_25519_ChaChaPoly_BLAKE2b, both sides, empty payloads; median of \(rounds) rounds")
        let m1 = UnsafeMutablePointer<UInt8>.allocate(capacity: 48)
        let m2 = UnsafeMutablePointer<UInt8>.allocate(capacity: 48)
        defer { m1.deallocate(); m2.deallocate() }
        let handshake = try timer.compare([
            { _ = try Self.ourHandshake(nk, server: server) },
            { precondition(raw.handshake(m1: m1, m2: m2)) },
        ])
        report("handshake", unit: "handshakes/s", ours: handshake[0], raw: handshake[1]) { 1e9 / $0 }
        print(
            "\("".padded(24)) (\(fixed(handshake[0] / 1000, 1)) µs vs \(fixed(handshake[1] / 1000, 1)) µs per handshake)"
        )

        for (label, size) in [("1 KiB", 1024), ("64 KiB", noiseMaxMessageLength - CipherState.tagByteCount)] {
            try transport(label: label, size: size, timer: timer)
        }
    }

    /// One NK handshake through the Wire API, as the client and server will run it.
    static func ourHandshake(
        _ nk: NoiseProtocol, server: X25519.KeyPair, ephemerals: (X25519.KeyPair, X25519.KeyPair)? = nil
    )
        throws -> (NoiseTransport, NoiseTransport)
    {
        let initiator = try HandshakeState(
            protocol: nk, role: .initiator, ephemeralKey: ephemerals?.0, remoteStaticKey: server.publicKey)
        let responder = try HandshakeState(
            protocol: nk, role: .responder, staticKey: server, ephemeralKey: ephemerals?.1)
        _ = try responder.readMessage(try initiator.writeMessage())
        _ = try initiator.readMessage(try responder.writeMessage())
        return (try initiator.split(), try responder.split())
    }

    /// Both implementations must do the same work: same keys in, same bytes out.
    private func checkEquivalence(nk: NoiseProtocol, server: X25519.KeyPair, raw: RawNoiseNK) throws {
        let ei = X25519.KeyPair.generate()
        let er = X25519.KeyPair.generate()
        let (ti, _) = try Self.ourHandshake(nk, server: server, ephemerals: (ei, er))
        let m1 = UnsafeMutablePointer<UInt8>.allocate(capacity: 48)
        let m2 = UnsafeMutablePointer<UInt8>.allocate(capacity: 48)
        defer { m1.deallocate(); m2.deallocate() }
        let ok = raw.handshake(
            m1: m1, m2: m2,
            fixedEphemerals: (ei.privateKey.unsafeCopyToArray(), er.privateKey.unsafeCopyToArray()))
        guard ok, raw.lastHandshakeHash == ti.handshakeHash else {
            throw ValidationError(
                "the raw libsodium baseline and the Noise engine disagree; the benchmark would be meaningless")
        }
        // Same transport key: encrypting the same block gives the same bytes.
        let probe = [UInt8](repeating: 7, count: 64)
        let ours = try ti.send.encrypt(probe)
        let theirs = try raw.lastInitiatorSendKey.withUnsafeBytes { k in
            try AEAD.chaCha20Poly1305.seal(key: Array(k), nonce: [UInt8](repeating: 0, count: 12), plaintext: probe)
        }
        guard ours == theirs else {
            throw ValidationError("transport keys differ between the baseline and the Noise engine")
        }
    }

    private func transport(label: String, size: Int, timer: BenchmarkTimer) throws {
        let key = SecureBytes.random(count: 32)
        let cipher = key.withUnsafeBytes { CipherState(cipher: .chaChaPoly, key: $0) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size + 16, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0x61)
        let plaintext = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        let rawKey = key.unsafeCopyToArray()
        let nonce = UnsafeMutablePointer<UInt8>.allocate(capacity: 12)
        defer { nonce.deallocate() }
        var rawCounter: UInt64 = 0
        let input = [UInt8](repeating: 0x61, count: size)
        let arrayCipher = key.withUnsafeBytes { CipherState(cipher: .chaChaPoly, key: $0) }
        let times = try timer.compare([
            // Ours: CipherState encrypting in place into a caller buffer (the transport's path).
            { _ = try cipher.encrypt(ad: empty, plaintext: plaintext, into: buffer) },
            // Raw: the AEAD call with a hand-built nonce, same buffer.
            {
                nonce.initialize(repeating: 0, count: 12)
                var le = rawCounter.littleEndian
                withUnsafeBytes(of: &le) {
                    UnsafeMutableRawPointer(nonce + 4).copyMemory(from: $0.baseAddress!, byteCount: 8)
                }
                rawCounter += 1
                rawKey.withUnsafeBufferPointer { k in
                    _ = crypto_aead_chacha20poly1305_ietf_encrypt(
                        buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
                        buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(size), nil, 0, nil, nonce,
                        k.baseAddress!)
                }
            },
            // Ours, convenience API returning a new array (allocates per message).
            { _ = try arrayCipher.encrypt(input) },
        ])
        let mbps: (Double) -> Double = { Double(size) / $0 * 1e9 / 1_048_576 }
        report("transport \(label)", unit: "MiB/s", ours: times[0], raw: times[1], rate: mbps)
        print(
            "\("  (array API)".padded(24)) ours \(fixed(mbps(times[2]), 1)) MiB/s   allocates a new array per message; ratio \(fixed(times[2] / times[1], 3))"
        )
    }

    private func report(_ name: String, unit: String, ours: Double, raw: Double, rate: (Double) -> Double) {
        let ratio = ours / raw
        let verdict = ratio <= 1.10 ? "within the 1.10 target" : "OVER the 1.10 target"
        print(
            "\(name.padded(24)) ours \(fixed(rate(ours), 1)) \(unit)   raw libsodium \(fixed(rate(raw), 1)) \(unit)   "
                + "ratio \(fixed(ratio, 3)) (\(verdict))")
    }
}

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
