/// How local mode's server proves it is the child a `sotto` on this device started
/// (docs/PROTOCOL.md, "Local mode"): it holds the device's local-server secret, handed to it
/// at spawn on standard input, and answers a client nonce with an HMAC under it. Anything
/// else on the port, another user's server included, cannot answer.
public enum LocalServerProof {
    /// Length of the secret.
    public static let secretByteCount = 32
    /// Length of the client's nonce.
    public static let nonceByteCount = 32
    /// The route the child answers on (POST).
    public static let path = "/v1/local/proof"
    /// Domain separation: this HMAC means "I am the local server of the device that holds the secret".
    static let label = Array("sotto/local-server-proof/v1".utf8)

    /// `POST /v1/local/proof` request: a fresh nonce.
    public struct Request: Codable, Hashable, Sendable {
        public var nonce: Base64Bytes
        public init(nonce: [UInt8]) { self.nonce = Base64Bytes(nonce) }
    }

    /// The answer: HMAC-SHA-256(secret, label ‖ nonce).
    public struct Response: Codable, Hashable, Sendable {
        public var proof: Base64Bytes
        public init(proof: [UInt8]) { self.proof = Base64Bytes(proof) }
    }

    /// The proof for `nonce` under `secret`.
    public static func proof(secret: SecureBytes, nonce: [UInt8]) -> [UInt8] {
        HMAC.authenticate(.sha256, key: secret, message: label + nonce)
    }

    /// Whether `proof` answers `nonce` under `secret` (constant time).
    public static func verify(_ proof: [UInt8], secret: SecureBytes, nonce: [UInt8]) -> Bool {
        proof.count == HashFunction.sha256.outputByteCount
            && HMAC.verify(.sha256, key: secret, message: label + nonce, tag: proof)
    }
}
