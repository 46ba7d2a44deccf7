/// The cipher functions of a Noise suite.
public enum NoiseCipher: String, Sendable, CaseIterable {
    case chaChaPoly = "ChaChaPoly"
    case aesGCM = "AESGCM"

    var aead: AEAD { self == .chaChaPoly ? .chaCha20Poly1305 : .aes256GCM }
}

/// The DH functions of a Noise suite. Only Curve25519: libsodium has no X448.
public enum NoiseDH: String, Sendable, CaseIterable {
    case x25519 = "25519"

    /// DHLEN.
    public var publicKeyByteCount: Int { 32 }
}

/// A full Noise protocol: `Noise_<pattern>_<dh>_<cipher>_<hash>`.
public struct NoiseProtocol: Sendable, Hashable, CustomStringConvertible {
    public let pattern: HandshakePattern
    public let dh: NoiseDH
    public let cipher: NoiseCipher
    public let hash: HashFunction

    /// The protocol name, hashed into the initial state.
    public var name: String { "Noise_\(pattern.name)_\(dh.rawValue)_\(cipher.rawValue)_\(hash.rawValue)" }
    public var description: String { name }

    public init(pattern: HandshakePattern, dh: NoiseDH = .x25519, cipher: NoiseCipher, hash: HashFunction) {
        self.pattern = pattern
        self.dh = dh
        self.cipher = cipher
        self.hash = hash
    }

    /// Parses a protocol name such as `Noise_NKpsk0_25519_ChaChaPoly_BLAKE2b`.
    /// - Throws: `NoiseError.unknownProtocol` for a malformed name or unknown pattern,
    ///   `.unsupported` (naming the primitive) for a DH, cipher or hash this build lacks.
    public init(name: String) throws {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "Noise" else {
            throw NoiseError(
                .unknownProtocol, "\"\(name)\" is not a Noise protocol name (Noise_PATTERN_DH_CIPHER_HASH)")
        }
        try self.init(pattern: String(parts[1]), dh: String(parts[2]), cipher: String(parts[3]), hash: String(parts[4]))
    }

    /// Builds a protocol from its four named parts.
    public init(pattern: String, dh: String, cipher: String, hash: String) throws {
        guard let d = NoiseDH(rawValue: dh) else {
            throw NoiseError(.unsupported, "DH function \(dh) is not supported (only 25519)")
        }
        guard let c = NoiseCipher(rawValue: cipher) else {
            throw NoiseError(.unsupported, "cipher \(cipher) is not supported (ChaChaPoly, AESGCM)")
        }
        guard c.aead.isAvailable else {
            throw NoiseError(.unsupported, "cipher \(cipher) needs AES-NI and CLMUL, which this CPU lacks")
        }
        guard let h = HashFunction(rawValue: hash) else {
            throw NoiseError(.unsupported, "hash function \(hash) is not supported (SHA256, SHA512, BLAKE2b, BLAKE2s)")
        }
        self.init(pattern: try HandshakePattern.named(pattern), dh: d, cipher: c, hash: h)
    }
}
