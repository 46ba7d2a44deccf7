import Foundation

/// Runs test vectors in the Noise wiki JSON format (`{"vectors": [...]}`), as published by
/// cacophony and noise-c: handshake messages, transport messages, handshake hash, PSKs and
/// the fallback (Noise Pipes) flow. Used by `sotto dev noise-vectors` and the tests.
public enum NoiseTestVectors {
    /// What happened to one vector.
    public enum Outcome: Sendable, Hashable {
        case passed
        case failed(String)
        /// Only for a primitive or scheme this build does not implement; names it.
        case skipped(String)
    }

    /// One vector's name and outcome.
    public struct Result: Sendable, Hashable {
        public let index: Int
        public let name: String
        public let outcome: Outcome
    }

    /// Totals over a file.
    public struct Summary: Sendable, Hashable, CustomStringConvertible {
        public var passed = 0
        public var failed = 0
        public var skipped = 0
        public var description: String { "\(passed) passed, \(failed) failed, \(skipped) skipped" }
    }

    struct File: Decodable {
        let vectors: [Vector]
    }

    struct Message: Decodable {
        let payload: String
        let ciphertext: String
    }

    struct Vector: Decodable {
        let protocol_name: String?
        let name: String?
        let pattern: String?
        let dh: String?
        let cipher: String?
        let hash: String?
        let fallback: Bool?
        let init_prologue: String?
        let init_static: String?
        let init_ephemeral: String?
        let init_remote_static: String?
        let init_remote_ephemeral: String?
        let init_psks: [String]?
        let init_psk: String?
        let resp_prologue: String?
        let resp_static: String?
        let resp_ephemeral: String?
        let resp_remote_static: String?
        let resp_remote_ephemeral: String?
        let resp_psks: [String]?
        let resp_psk: String?
        let handshake_hash: String?
        let messages: [Message]
    }

    struct VectorFailure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Parses `data` and runs every vector.
    /// - Throws: an error when the file is not JSON of the expected shape.
    public static func run(_ data: Data) throws -> [Result] {
        let file = try JSONDecoder().decode(File.self, from: data)
        return file.vectors.enumerated().map { index, vector in
            let name = vector.protocol_name ?? vector.name ?? "vector \(index)"
            return Result(index: index, name: name, outcome: outcome(of: vector, name: name))
        }
    }

    /// Counts outcomes.
    public static func summarize(_ results: [Result]) -> Summary {
        var summary = Summary()
        for r in results {
            switch r.outcome {
            case .passed: summary.passed += 1
            case .failed: summary.failed += 1
            case .skipped: summary.skipped += 1
            }
        }
        return summary
    }

    private static func outcome(of vector: Vector, name: String) -> Outcome {
        if name.hasPrefix("NoisePSK_") || vector.init_psk != nil || vector.resp_psk != nil {
            return .skipped("obsolete pre-rev-31 PSK scheme (NoisePSK_)")
        }
        let noiseProtocol: NoiseProtocol
        do {
            noiseProtocol = try protocolOf(vector, name: name)
        } catch let error as NoiseError where error.code == .unsupported {
            return .skipped(error.message)
        } catch {
            return .failed("cannot parse the protocol: \(error)")
        }
        do {
            if vector.fallback == true {
                try runFallback(vector, final: noiseProtocol)
            } else {
                try runStandard(vector, noiseProtocol: noiseProtocol)
            }
            return .passed
        } catch let failure as VectorFailure {
            return .failed(failure.reason)
        } catch {
            return .failed("\(error)")
        }
    }

    private static func protocolOf(_ v: Vector, name: String) throws -> NoiseProtocol {
        if let pattern = v.pattern, let dh = v.dh, let cipher = v.cipher, let hash = v.hash {
            // With `fallback`, `pattern` is the first (failing) pattern; the name gives the second.
            let parsed = try NoiseProtocol(name: name)
            if v.fallback == true { return parsed }
            return try NoiseProtocol(pattern: pattern, dh: dh, cipher: cipher, hash: hash)
        }
        return try NoiseProtocol(name: name)
    }

    private static func bytes(_ hex: String?) throws -> [UInt8]? {
        guard let hex else { return nil }
        return try Hex.decode(hex)
    }

    private static func keyPair(_ hex: String?) throws -> X25519.KeyPair? {
        guard let raw = try bytes(hex) else { return nil }
        return try X25519.KeyPair(privateKey: SecureBytes(copying: raw))
    }

    private static func psks(_ list: [String]?) throws -> [SecureBytes] {
        try (list ?? []).map { SecureBytes(copying: try Hex.decode($0)) }
    }

    private static func initiator(_ v: Vector, _ p: NoiseProtocol) throws -> HandshakeState {
        try HandshakeState(
            protocol: p, role: .initiator, prologue: try bytes(v.init_prologue) ?? [],
            staticKey: try keyPair(v.init_static), ephemeralKey: try keyPair(v.init_ephemeral),
            remoteStaticKey: try bytes(v.init_remote_static), remoteEphemeralKey: try bytes(v.init_remote_ephemeral),
            psks: try psks(v.init_psks))
    }

    private static func responder(_ v: Vector, _ p: NoiseProtocol) throws -> HandshakeState {
        try HandshakeState(
            protocol: p, role: .responder, prologue: try bytes(v.resp_prologue) ?? [],
            staticKey: try keyPair(v.resp_static), ephemeralKey: try keyPair(v.resp_ephemeral),
            remoteStaticKey: try bytes(v.resp_remote_static), remoteEphemeralKey: try bytes(v.resp_remote_ephemeral),
            psks: try psks(v.resp_psks))
    }

    /// One message: the sender's output must equal the vector's ciphertext and the receiver
    /// must recover the payload.
    private static func exchange(
        _ index: Int, _ message: Message, write: ([UInt8]) throws -> [UInt8], read: ([UInt8]) throws -> [UInt8]
    ) throws {
        let payload = try Hex.decode(message.payload)
        let expected = try Hex.decode(message.ciphertext)
        let produced = try write(payload)
        guard produced == expected else {
            throw VectorFailure(
                "message \(index): ciphertext differs (\(produced.count) bytes produced, \(expected.count) expected)")
        }
        let received = try read(produced)
        guard received == payload else { throw VectorFailure("message \(index): decrypted payload differs") }
    }

    private static func runStandard(_ v: Vector, noiseProtocol p: NoiseProtocol) throws {
        let alice = try initiator(v, p)
        let bob = try responder(v, p)
        var transports: (NoiseTransport, NoiseTransport)?
        for (i, message) in v.messages.enumerated() {
            if let (a, b) = transports {
                // Transport phase: one-way patterns only ever send from the initiator.
                let fromAlice = p.pattern.isOneWay || i % 2 == 0
                let (sender, receiver) = fromAlice ? (a, b) : (b, a)
                try exchange(
                    i, message, write: { try sender.send.encrypt($0) }, read: { try receiver.receive.decrypt($0) })
                continue
            }
            let (writer, reader) = alice.isMyTurn ? (alice, bob) : (bob, alice)
            try exchange(
                i, message, write: { try writer.writeMessage(payload: $0) }, read: { try reader.readMessage($0) })
            if alice.isComplete && bob.isComplete {
                try checkHash(v, alice.handshakeHash, bob.handshakeHash)
                transports = (try alice.split(), try bob.split())
            }
        }
    }

    private static func checkHash(_ v: Vector, _ a: [UInt8], _ b: [UInt8]) throws {
        guard a == b else { throw VectorFailure("the two sides disagree on the handshake hash") }
        if let expected = try bytes(v.handshake_hash), expected != a {
            throw VectorFailure("handshake hash differs from the vector")
        }
    }

    /// Noise Pipes: Alice's IK message fails at Bob, who falls back to XXfallback, using
    /// Alice's ephemeral key as a pre-message and initiating the new handshake himself.
    private static func runFallback(_ v: Vector, final: NoiseProtocol) throws {
        guard let first = v.messages.first else { throw VectorFailure("a fallback vector needs messages") }
        let ik = try NoiseProtocol(
            pattern: v.pattern ?? "IK", dh: final.dh.rawValue, cipher: final.cipher.rawValue, hash: final.hash.rawValue)
        let alice = try initiator(v, ik)
        let bob = try HandshakeState(
            protocol: ik, role: .responder, prologue: try bytes(v.resp_prologue) ?? [],
            staticKey: try keyPair(v.resp_static))
        let produced = try alice.writeMessage(payload: try Hex.decode(first.payload))
        guard produced == (try Hex.decode(first.ciphertext)) else {
            throw VectorFailure("message 0: initial IK ciphertext differs")
        }
        do {
            _ = try bob.readMessage(produced)
            throw VectorFailure("message 0: the responder accepted an IK message meant to fail")
        } catch let error as NoiseError where error.code == .decryptFailed {
            // Expected: Alice encrypted to a stale static key.
        }
        guard let aliceEphemeral = bob.remoteEphemeralKey else {
            throw VectorFailure("message 0: the responder did not learn the initiator's ephemeral key")
        }
        // Bob initiates XXfallback; Alice responds with the same ephemeral she already sent.
        let newBob = try HandshakeState(
            protocol: final, role: .initiator, prologue: try bytes(v.resp_prologue) ?? [],
            staticKey: try keyPair(v.resp_static), ephemeralKey: try keyPair(v.resp_ephemeral),
            remoteEphemeralKey: aliceEphemeral)
        let newAlice = try HandshakeState(
            protocol: final, role: .responder, prologue: try bytes(v.init_prologue) ?? [],
            staticKey: try keyPair(v.init_static), ephemeralKey: try keyPair(v.init_ephemeral))
        var transports: (alice: NoiseTransport, bob: NoiseTransport)?
        for (i, message) in v.messages.enumerated().dropFirst() {
            // Messages keep alternating Alice, Bob, Alice… through the fallback.
            let fromAlice = i % 2 == 0
            if let t = transports {
                let (sender, receiver) = fromAlice ? (t.alice, t.bob) : (t.bob, t.alice)
                try exchange(
                    i, message, write: { try sender.send.encrypt($0) }, read: { try receiver.receive.decrypt($0) })
                continue
            }
            let (writer, reader) = fromAlice ? (newAlice, newBob) : (newBob, newAlice)
            guard writer.isMyTurn else { throw VectorFailure("message \(i): out of turn in the fallback handshake") }
            try exchange(
                i, message, write: { try writer.writeMessage(payload: $0) }, read: { try reader.readMessage($0) })
            if newAlice.isComplete && newBob.isComplete {
                try checkHash(v, newAlice.handshakeHash, newBob.handshakeHash)
                transports = (try newAlice.split(), try newBob.split())
            }
        }
        guard transports != nil else { throw VectorFailure("the fallback handshake did not complete") }
    }
}
