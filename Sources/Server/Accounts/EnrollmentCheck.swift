import Wire

/// The sizes and values an enrollment must have before anything is verified or stored.
enum EnrollmentCheck {
    /// A serialised `WrappedRootKey`: version ‖ source ‖ KEK id (16) ‖ nonce (24) ‖ sealed key (48).
    static let wrappedRootKeyByteCount = 90
    static let recoveryKeyIDByteCount = 16
    static let passkeyKinds: Set<String> = ["security-key", "software-passkey"]
    /// Longest passkey name, in UTF-8 bytes.
    static let maximumNameBytes = 100

    /// - Throws: `ServiceError` `SOTTO-AUTH-BAD-REQUEST` naming the field.
    static func check(_ passkey: PasskeyEnrollment) throws {
        guard passkeyKinds.contains(passkey.kind) else {
            throw ServiceError(.badRequest, "passkey.kind must be \"security-key\" or \"software-passkey\"")
        }
        guard (1...maximumNameBytes).contains(passkey.name.utf8.count),
            !passkey.name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ServiceError(
                .badRequest, "passkey.name must be 1 to \(maximumNameBytes) bytes of text without control characters")
        }
        try wrappedKey(passkey.wrappedRootKey, field: "passkey.wrapped_root_key")
        guard passkey.credential.type == "public-key" else {
            throw ServiceError(.badRequest, "passkey.credential.type must be \"public-key\"")
        }
    }

    /// - Throws: `ServiceError` `SOTTO-AUTH-BAD-REQUEST` naming the field.
    static func check(_ recovery: RecoveryEnrollment) throws {
        guard recovery.keyID.bytes.count == recoveryKeyIDByteCount else {
            throw ServiceError(.badRequest, "recovery.key_id must be \(recoveryKeyIDByteCount) bytes")
        }
        guard recovery.authPublicKey.bytes.count == Ed25519.publicKeyByteCount else {
            throw ServiceError(
                .badRequest, "recovery.auth_public_key must be a \(Ed25519.publicKeyByteCount)-byte Ed25519 key")
        }
        try wrappedKey(recovery.wrappedRootKey, field: "recovery.wrapped_root_key")
    }

    static func wrappedKey(_ key: Base64Bytes, field: String) throws {
        guard key.bytes.count == wrappedRootKeyByteCount, key.bytes.first == 1 else {
            throw ServiceError(
                .badRequest,
                "\(field) must be a serialised wrapped root key (version 1, \(wrappedRootKeyByteCount) bytes)")
        }
    }

    /// The version every request carries.
    static func version(_ version: Int) throws {
        guard version == Wire.protocolVersion else {
            throw ServiceError(
                .badRequest, "unsupported protocol version \(version); this server speaks \(Wire.protocolVersion)")
        }
    }
}
