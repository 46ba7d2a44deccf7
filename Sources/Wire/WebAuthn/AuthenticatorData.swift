/// The authenticator data flags (WebAuthn L3 §6.1).
public struct AuthenticatorFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// User Present.
    public static let userPresent = AuthenticatorFlags(rawValue: 0x01)
    /// User Verified.
    public static let userVerified = AuthenticatorFlags(rawValue: 0x04)
    /// Backup Eligibility: the credential may be synced (a multi-device passkey).
    public static let backupEligible = AuthenticatorFlags(rawValue: 0x08)
    /// Backup State: the credential is backed up now.
    public static let backedUp = AuthenticatorFlags(rawValue: 0x10)
    /// Attested credential data follows.
    public static let attestedCredentialData = AuthenticatorFlags(rawValue: 0x40)
    /// Extension data follows.
    public static let extensionData = AuthenticatorFlags(rawValue: 0x80)

    /// The set flags by their short names: "UP UV BE BS AT ED".
    public var description: String {
        let names: [(AuthenticatorFlags, String)] = [
            (.userPresent, "UP"), (.userVerified, "UV"), (.backupEligible, "BE"), (.backedUp, "BS"),
            (.attestedCredentialData, "AT"), (.extensionData, "ED"),
        ]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "none" : set.joined(separator: " ")
    }
}

/// A credential the authenticator created, as registration reports it.
public struct AttestedCredentialData: Hashable, Sendable {
    /// The authenticator model's AAGUID (16 bytes; zeros when withheld).
    public let aaguid: [UInt8]
    /// The credential id.
    public let credentialID: [UInt8]
    /// The credential public key.
    public let publicKey: COSEKey
}

/// Authenticator data (WebAuthn L3 §6.1): RP ID hash, flags, signature counter, and the
/// attested credential data and extensions that the flags announce. Every byte is accounted
/// for: data beyond what the flags announce is refused.
public struct AuthenticatorData: Hashable, Sendable {
    /// The bytes as signed.
    public let bytes: [UInt8]
    /// SHA-256 of the RP ID the credential is scoped to.
    public let rpIDHash: [UInt8]
    /// The flags byte.
    public let flags: AuthenticatorFlags
    /// The signature counter (0 when the authenticator keeps none).
    public let signCount: UInt32
    /// Present when `flags` has AT.
    public let attestedCredentialData: AttestedCredentialData?
    /// The extension outputs map, present when `flags` has ED.
    public let extensions: CBORValue?

    /// Parses `bytes`.
    /// - Throws: `WebAuthnError` `.authenticatorDataMalformed` when the data is shorter or
    ///   longer than its flags say; a `cbor…` or `coseKey…` code for a bad embedded key or
    ///   extensions map.
    public init(bytes: [UInt8]) throws(WebAuthnError) {
        self.bytes = bytes
        guard bytes.count >= 37 else {
            throw WebAuthnError(
                .authenticatorDataMalformed, "authenticator data is \(bytes.count) bytes; it has at least 37")
        }
        rpIDHash = Array(bytes[0..<32])
        flags = AuthenticatorFlags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        var offset = 37
        if flags.contains(.attestedCredentialData) {
            guard bytes.count >= offset + 18 else {
                throw WebAuthnError(
                    .authenticatorDataMalformed, "authenticator data ends inside the attested credential data header")
            }
            let aaguid = Array(bytes[offset..<offset + 16])
            let idLength = Int(bytes[offset + 16]) << 8 | Int(bytes[offset + 17])
            offset += 18
            guard bytes.count >= offset + idLength else {
                throw WebAuthnError(
                    .authenticatorDataMalformed,
                    "authenticator data declares a \(idLength)-byte credential id and has \(bytes.count - offset) bytes left"
                )
            }
            let credentialID = Array(bytes[offset..<offset + idLength])
            offset += idLength
            let (keyValue, keyEnd) = try CBORDecoder(mode: .lenient).decodePrefix(bytes, from: offset)
            let key = try COSEKey(keyValue, encoded: Array(bytes[offset..<keyEnd]))
            offset = keyEnd
            attestedCredentialData = AttestedCredentialData(aaguid: aaguid, credentialID: credentialID, publicKey: key)
        } else {
            attestedCredentialData = nil
        }
        if flags.contains(.extensionData) {
            let (value, end) = try CBORDecoder(mode: .lenient).decodePrefix(bytes, from: offset)
            guard value.mapValue != nil else {
                throw WebAuthnError(
                    .authenticatorDataMalformed, "the extensions in authenticator data are not a CBOR map")
            }
            extensions = value
            offset = end
        } else {
            extensions = nil
        }
        guard offset == bytes.count else {
            throw WebAuthnError(
                .authenticatorDataMalformed,
                "authenticator data has \(bytes.count - offset) bytes beyond what its flags (\(flags)) announce")
        }
    }
}
