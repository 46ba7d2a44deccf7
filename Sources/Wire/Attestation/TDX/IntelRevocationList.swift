import Crypto
import Foundation
import SwiftASN1
import X509

/// One of Intel's certificate revocation lists, as the collateral carries it (hexadecimal DER):
/// the root CA's list of revoked CAs and signing certificates, or a PCK CA's list of revoked PCK
/// certificates. An X.509 v2 CRL signed with ECDSA P-256 and SHA-256, like every certificate
/// under Intel's SGX Root CA.
///
/// Nothing in it counts until `check(issuedBy:name:at:)` has verified it under its CA.
public struct IntelRevocationList: Sendable, Hashable {
    /// When the list was issued.
    public let thisUpdate: Date
    /// When the next list is due; a list past it is stale.
    public let nextUpdate: Date?
    /// The serial numbers listed, big-endian without leading zeros (zero is `[0]`).
    public let revokedSerials: Set<[UInt8]>

    let tbsCertList: [UInt8]
    let signature: [UInt8]
    let issuer: DistinguishedName

    /// The DER of AlgorithmIdentifier ecdsa-with-SHA256 (1.2.840.10045.4.3.2), without parameters.
    package static let ecdsaWithSHA256: [UInt8] = [
        0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02,
    ]

    /// Decodes the DER of a list; `name` says which list it is ("root CA CRL"), for messages.
    /// - Throws: `TDXError` `.revocationListParse` when it is not an ECDSA P-256 SHA-256 v2 CRL.
    public init(der: [UInt8], name: String) throws(TDXError) {
        let fields: RevocationListFields
        do {
            fields = try RevocationListFields(der: der)
        } catch {
            throw TDXError(.revocationListParse, "the \(name) is not a valid DER X.509 v2 CRL")
        }
        guard fields.innerAlgorithm == Self.ecdsaWithSHA256, fields.outerAlgorithm == Self.ecdsaWithSHA256 else {
            throw TDXError(
                .revocationListParse, "the \(name) is not signed with ECDSA and SHA-256, as Intel's lists are")
        }
        thisUpdate = fields.thisUpdate
        nextUpdate = fields.nextUpdate
        revokedSerials = Set(fields.serials.map(Self.normalized))
        tbsCertList = fields.tbs
        signature = fields.signature
        issuer = fields.issuer
    }

    /// Checks that `authority` issued and signed this list and that it is current at `now`.
    /// - Throws: `TDXError` `.revocationListSignature` or `.revocationListExpired`.
    public func check(issuedBy authority: Certificate, name: String, at now: Date) throws(TDXError) {
        let authorityName = IntelCertificateChain.commonName(authority)
        guard issuer == authority.subject else {
            throw TDXError(
                .revocationListSignature,
                "the \(name) was issued by \"\(IntelCertificateChain.commonName(issuer))\", not by "
                    + "\"\(authorityName)\" whose list it must be")
        }
        guard let key = P256.Signing.PublicKey(authority.publicKey),
            let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature),
            key.isValidSignature(parsed, for: SHA256.hash(data: tbsCertList))
        else {
            throw TDXError(
                .revocationListSignature,
                "the \(name)'s signature does not verify under \"\(authorityName)\"'s key; the list was altered")
        }
        let format = Date.ISO8601FormatStyle()
        if now < thisUpdate {
            throw TDXError(
                .revocationListExpired,
                "the \(name) is dated \(thisUpdate.formatted(format)), after the verification time "
                    + "\(now.formatted(format)); check the system clock")
        }
        if let nextUpdate, now > nextUpdate {
            throw TDXError(
                .revocationListExpired,
                "the \(name) was due for renewal at \(nextUpdate.formatted(format)) (checked at "
                    + "\(now.formatted(format))); the server must fetch a current one from Intel")
        }
    }

    /// True when the list names `certificate`'s serial number.
    public func revokes(_ certificate: Certificate) -> Bool {
        revokedSerials.contains(Self.normalized(Array(certificate.serialNumber.bytes)))
    }

    /// `serial` without the leading zero bytes DER adds to keep a number positive.
    static func normalized(_ serial: [UInt8]) -> [UInt8] {
        let trimmed = Array(serial.drop { $0 == 0 })
        return trimmed.isEmpty ? [0] : trimmed
    }
}
