import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// AMD's certificate revocation list for one product (KDS `/vcek/v1/{product}/crl`): an X.509
/// v2 CRL issued and signed by the ARK with RSASSA-PSS SHA-384, listing revoked ASKs, ASVKs
/// and endorsement keys by serial number. Decoded with SwiftASN1 for the reason
/// `AMDCertificate` is: swift-certificates refuses RSASSA-PSS.
///
/// Nothing in it counts until `check(issuedBy:at:)` has verified it under the trusted ARK.
public struct AMDRevocationList: Sendable, Hashable {
    /// The CRL's DER encoding.
    public let derRepresentation: [UInt8]
    /// When the list was issued.
    public let thisUpdate: Date
    /// When the next list is due; a list past it is stale.
    public let nextUpdate: Date?
    /// The serial numbers listed, each as big-endian bytes without leading zeros (zero is `[0]`).
    public let revokedSerials: Set<[UInt8]>

    let tbsCertList: [UInt8]
    let signature: [UInt8]
    let issuer: DistinguishedName

    /// Decodes a CRL given as DER or as a PEM "X509 CRL" block.
    /// - Throws: `AttestationError` `.revocationListParse` when it is not a v2 CRL,
    ///   `.certificateAlgorithm` when it is not signed with AMD's RSASSA-PSS parameters.
    public init(derOrPEM bytes: some Collection<UInt8>) throws(AttestationError) {
        var der = Array(bytes)
        if let text = String(validating: der, as: UTF8.self), text.contains("-----BEGIN") {
            guard let document = try? PEMDocument(pemString: text), document.discriminator == "X509 CRL" else {
                throw AttestationError(.revocationListParse, "the AMD revocation list is not a PEM \"X509 CRL\" block")
            }
            der = document.derBytes
        }
        let fields: RevocationListFields
        do {
            fields = try RevocationListFields(der: der)
        } catch {
            throw AttestationError(
                .revocationListParse,
                "the AMD revocation list is not a valid DER X.509 v2 CRL; supply the CRL AMD KDS serves")
        }
        guard fields.innerAlgorithm == fields.outerAlgorithm else {
            throw AttestationError(
                .revocationListParse, "the AMD revocation list's two signature algorithm fields differ")
        }
        try AMDCertificate.checkAMDSignatureAlgorithm(fields.outerAlgorithm, role: "AMD revocation list")
        derRepresentation = der
        thisUpdate = fields.thisUpdate
        nextUpdate = fields.nextUpdate
        revokedSerials = fields.serials
        tbsCertList = fields.tbs
        signature = fields.signature
        issuer = fields.issuer
    }

    /// Checks that `root` issued and signed this list and that it is current at `now`.
    /// - Throws: `AttestationError` `.revocationListSignature` or `.revocationListExpired`.
    public func check(issuedBy root: AMDCertificate, at now: Date) throws(AttestationError) {
        guard issuer == root.subject else {
            throw AttestationError(
                .revocationListSignature,
                "the AMD revocation list was issued by another authority than the ARK \"\(root.subjectCommonName)\"")
        }
        guard let key = _RSA.Signing.PublicKey(root.publicKey),
            key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA384.hash(data: tbsCertList),
                padding: .PSS)
        else {
            throw AttestationError(
                .revocationListSignature,
                "the AMD revocation list's signature does not verify under the ARK; the list was altered or forged")
        }
        let format = Date.ISO8601FormatStyle()
        if now < thisUpdate {
            throw AttestationError(
                .revocationListExpired,
                "the AMD revocation list is dated \(thisUpdate.formatted(format)), after the verification time "
                    + "\(now.formatted(format)); check the system clock")
        }
        if let nextUpdate, now > nextUpdate {
            throw AttestationError(
                .revocationListExpired,
                "the AMD revocation list was due for renewal at \(nextUpdate.formatted(format)); the server must "
                    + "fetch a current one from AMD KDS")
        }
    }

    /// True when the list names `certificate`'s serial number.
    public func revokes(_ certificate: AMDCertificate) -> Bool {
        revokedSerials.contains(certificate.serialNumber)
    }
}
