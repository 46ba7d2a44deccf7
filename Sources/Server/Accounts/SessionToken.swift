import Wire

/// Bearer tokens: 32 random bytes as base64url; the server keeps only their SHA-256.
enum SessionToken {
    static let byteCount = 32

    /// The token a header `Authorization: Bearer <token>` carries, as bytes; nil when the
    /// header is absent or is not a bearer token of the right size.
    static func bytes(fromAuthorization header: String?) -> [UInt8]? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            let bytes = try? Base64URL.decode(parts[1]), bytes.count == byteCount
        else { return nil }
        return bytes
    }

    /// What the store keeps for a token.
    static func hash(_ token: [UInt8]) -> [UInt8] { HashFunction.sha256.hash(token) }
}
