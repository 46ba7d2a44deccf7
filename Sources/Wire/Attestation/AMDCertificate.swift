import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// An X.509 certificate of AMD's SEV key hierarchy (ARK, ASK, ASVK, VCEK or VLEK), decoded with
/// SwiftASN1.
///
/// `X509.Certificate` cannot hold these: AMD signs every one of them with RSASSA-PSS, which
/// swift-certificates does not support and refuses while decoding. So the outer structure is
/// decoded here, keeping the exact TBSCertificate bytes the signature covers, while
/// swift-certificates still decodes the parts it handles: names, the public key, extensions.
/// The serial number is kept as raw bytes, so the zero serial of every VCEK (which strict X.509
/// parsers reject) is accepted.
public struct AMDCertificate: Sendable, Hashable {
    /// The certificate's DER encoding.
    public let derRepresentation: [UInt8]
    /// The serial number's big-endian bytes (a single zero for VCEKs).
    public let serialNumber: [UInt8]
    /// Start of the validity period.
    public let notValidBefore: Date
    /// End of the validity period.
    public let notValidAfter: Date

    let tbsCertificate: [UInt8]
    let signature: [UInt8]
    /// The DER SubjectPublicKeyInfo exactly as encoded, for comparing keys.
    let subjectPublicKeyInfo: [UInt8]
    let issuer: DistinguishedName
    let subject: DistinguishedName
    package let publicKey: Certificate.PublicKey
    let extensions: Certificate.Extensions

    /// The subject's common name ("ARK-Milan", "SEV-Milan", "SEV-VCEK", ...).
    public var subjectCommonName: String { Self.commonName(subject) }
    /// The issuer's common name.
    public var issuerCommonName: String { Self.commonName(issuer) }

    /// Decodes one DER certificate.
    /// - Throws: `AttestationError` `.certificateParse` when it is not a well-formed X.509 v3
    ///   certificate, `.certificateAlgorithm` when it is not signed with RSASSA-PSS SHA-384
    ///   (MGF1 SHA-384, salt 48) as AMD signs.
    public init(derEncoded der: some Collection<UInt8>, role: String = "certificate") throws(AttestationError) {
        let der = Array(der)
        let fields: Fields
        do {
            fields = try Self.decode(der)
        } catch {
            throw AttestationError(
                .certificateParse,
                "the \(role) is not a valid DER X.509 certificate; supply the certificate AMD KDS issued")
        }
        guard fields.innerAlgorithm == fields.outerAlgorithm else {
            throw AttestationError(
                .certificateParse, "the \(role)'s two signature algorithm fields differ; the certificate is malformed")
        }
        try Self.checkAMDSignatureAlgorithm(fields.outerAlgorithm, role: role)
        // RFC 5280: a certificate with a critical extension the verifier does not understand must
        // be refused. AMD marks only BasicConstraints and KeyUsage critical.
        let understood: [ASN1ObjectIdentifier] = [.X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage]
        if let unknown = fields.extensions.first(where: { $0.critical && !understood.contains($0.oid) }) {
            throw AttestationError(
                .certificateParse,
                "the \(role) has a critical extension \(unknown.oid) this verifier does not understand")
        }
        self.derRepresentation = der
        self.serialNumber = fields.serial
        self.notValidBefore = fields.notBefore
        self.notValidAfter = fields.notAfter
        self.tbsCertificate = fields.tbs
        self.signature = fields.signature
        self.subjectPublicKeyInfo = fields.subjectPublicKeyInfo
        self.issuer = fields.issuer
        self.subject = fields.subject
        self.publicKey = fields.publicKey
        self.extensions = fields.extensions
    }

    /// Decodes a certificate given as DER or as a PEM "CERTIFICATE" block.
    public init(derOrPEM bytes: some Collection<UInt8>, role: String = "certificate") throws(AttestationError) {
        if let text = String(validating: Array(bytes), as: UTF8.self), text.contains("-----BEGIN") {
            let all = try Self.certificates(pem: text, role: role)
            guard all.count == 1 else {
                throw AttestationError(
                    .certificateParse, "the \(role) file holds \(all.count) certificates; expected exactly one")
            }
            self = all[0]
        } else {
            try self.init(derEncoded: bytes, role: role)
        }
    }

    /// Every certificate of a PEM text, in order (a KDS `cert_chain` is the ASK, then the ARK).
    public static func certificates(
        pem text: String, role: String = "certificate chain"
    ) throws(AttestationError)
        -> [AMDCertificate]
    {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            // The parser's own error can quote the input; the message stays short and input-free.
            throw AttestationError(.certificateParse, "the \(role) is not valid PEM")
        }
        var result = [AMDCertificate]()
        for (index, document) in documents.enumerated() {
            guard document.discriminator == "CERTIFICATE" else {
                throw AttestationError(
                    .certificateParse,
                    "the \(role) holds a \"\(document.discriminator)\" block; expected only CERTIFICATE blocks")
            }
            result.append(try AMDCertificate(derEncoded: document.derBytes, role: "\(role) entry \(index + 1)"))
        }
        return result
    }

    /// True when `issuer`'s RSA key made this certificate's RSASSA-PSS signature over its
    /// TBSCertificate bytes.
    public func isSigned(by issuer: AMDCertificate) -> Bool {
        guard let key = _RSA.Signing.PublicKey(issuer.publicKey) else { return false }
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signature)
        // .PSS is MGF1 with the digest's own hash and a salt as long as the digest: with SHA-384
        // that is exactly the parameters `checkAMDSignatureAlgorithm` required.
        return key.isValidSignature(signature, for: SHA384.hash(data: tbsCertificate), padding: .PSS)
    }

    /// True when `other` is this certificate, or the same subject with the same key (a re-encoded or
    /// re-issued copy of a root still chains to the same key).
    public func isSameAuthority(as other: AMDCertificate) -> Bool {
        derRepresentation == other.derRepresentation
            || (subject == other.subject && subjectPublicKeyInfo == other.subjectPublicKeyInfo)
    }

    /// True when `issuer`'s subject is this certificate's issuer name.
    func isNamed(by issuer: AMDCertificate) -> Bool { self.issuer == issuer.subject }

    /// The key of a VCEK or VLEK, when it is a P-384 ECDSA key.
    var p384PublicKey: P384.Signing.PublicKey? { P384.Signing.PublicKey(publicKey) }

    /// Whether the BasicConstraints extension marks the certificate as a CA.
    var isCertificateAuthority: Bool {
        guard let constraints = try? extensions.basicConstraints else { return false }
        if case .isCertificateAuthority = constraints { return true }
        return false
    }

    /// The value of the extension with `oid`, if present.
    func extensionValue(_ oid: ASN1ObjectIdentifier) -> ArraySlice<UInt8>? {
        extensions.first { $0.oid == oid }?.value
    }

    private static func commonName(_ name: DistinguishedName) -> String {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return ""
    }
}

// MARK: - Decoding

extension AMDCertificate {
    private struct Fields {
        var tbs: [UInt8]
        var outerAlgorithm: [UInt8]
        var innerAlgorithm: [UInt8]
        var signature: [UInt8]
        var serial: [UInt8]
        var issuer: DistinguishedName
        var subject: DistinguishedName
        var notBefore: Date
        var notAfter: Date
        var publicKey: Certificate.PublicKey
        var subjectPublicKeyInfo: [UInt8]
        var extensions: Certificate.Extensions
    }

    private static func decode(_ der: [UInt8]) throws -> Fields {
        let parts = try SignedDERObject.decode(der, kind: "certificate", tbs: decodeTBS)
        var fields = parts.fields
        fields.outerAlgorithm = parts.outerAlgorithm
        fields.signature = parts.signature
        return fields
    }

    private static func decodeTBS(_ node: ASN1Node) throws -> Fields {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let version = try DER.decodeDefaultExplicitlyTagged(
                &nodes, tagNumber: 0, tagClass: .contextSpecific, defaultValue: Int(0))
            guard version == 2 else {
                throw ASN1Error.invalidASN1Object(reason: "not an X.509 v3 certificate")
            }
            // Decoded as raw bytes, so a zero serial (every VCEK) is fine; SwiftASN1 strips
            // leading zeros, leaving zero as no bytes at all.
            let serial = try ArraySlice<UInt8>(derEncoded: &nodes)
            guard let innerAlgorithm = nodes.next(), let issuerNode = nodes.next(), let validityNode = nodes.next(),
                let subjectNode = nodes.next(), let keyNode = nodes.next()
            else {
                throw ASN1Error.invalidASN1Object(reason: "the TBSCertificate is missing fields")
            }
            let (notBefore, notAfter) = try DER.sequence(validityNode, identifier: .sequence) { times in
                guard let start = times.next(), let end = times.next() else {
                    throw ASN1Error.invalidASN1Object(reason: "validity needs two times")
                }
                return (try date(start), try date(end))
            }
            // issuerUniqueID and subjectUniqueID: obsolete, skipped when present.
            for tag in [UInt(1), 2] {
                let _: ASN1BitString? = try DER.optionalImplicitlyTagged(
                    &nodes, tag: ASN1Identifier(tagWithNumber: tag, tagClass: .contextSpecific))
            }
            let extensions = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 3, tagClass: .contextSpecific) {
                try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: $0)
            }
            return Fields(
                tbs: Array(node.encodedBytes), outerAlgorithm: [], innerAlgorithm: Array(innerAlgorithm.encodedBytes),
                signature: [], serial: serial.isEmpty ? [0] : Array(serial),
                issuer: try DistinguishedName(derEncoded: issuerNode),
                subject: try DistinguishedName(derEncoded: subjectNode), notBefore: notBefore, notAfter: notAfter,
                publicKey: try Certificate.PublicKey(derEncoded: keyNode),
                subjectPublicKeyInfo: Array(keyNode.encodedBytes),
                extensions: try Certificate.Extensions(extensions ?? []))
        }
    }

    /// A UTCTime or GeneralizedTime as a `Date` (UTC).
    static func date(_ node: ASN1Node) throws -> Date {
        let parts: (year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int)
        switch node.identifier {
        case .utcTime:
            let t = try UTCTime(derEncoded: node)
            parts = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        case .generalizedTime:
            let t = try GeneralizedTime(derEncoded: node)
            parts = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        default:
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
        // Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
        // days_from_civil): no Calendar or time zone database involved.
        let y = parts.month <= 2 ? parts.year - 1 : parts.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (parts.month + (parts.month > 2 ? -3 : 9)) + 2) / 5 + parts.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + parts.hours * 3_600 + parts.minutes * 60 + parts.seconds
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

// MARK: - The signature algorithm AMD uses

extension AMDCertificate {
    static let rsassaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 10]
    static let mgf1: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 8]
    static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]

    /// Requires RSASSA-PSS with SHA-384, MGF1 with SHA-384, a 48-byte salt and trailer field 1:
    /// the parameters are read from the certificate rather than assumed, since `.PSS` verifies
    /// with exactly these and any other choice would be checked against the wrong parameters.
    static func checkAMDSignatureAlgorithm(_ encoded: [UInt8], role: String) throws(AttestationError) {
        let parameters:
            (
                hash: ASN1ObjectIdentifier?, mgf: ASN1ObjectIdentifier?, mgfHash: ASN1ObjectIdentifier?,
                salt: Int?, trailer: Int?
            )
        do {
            parameters = try DER.sequence(try DER.parse(encoded), identifier: .sequence) { nodes in
                let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
                guard oid == rsassaPSS, let parametersNode = nodes.next() else {
                    throw ASN1Error.invalidASN1Object(reason: "not RSASSA-PSS")
                }
                return try DER.sequence(parametersNode, identifier: .sequence) { fields in
                    // Each field has a DEFAULT (SHA-1, MGF1-SHA-1, salt 20, trailer 1). DER omits
                    // defaults but AMD writes the trailer field out, so decode each as optional.
                    let hash = try DER.optionalExplicitlyTagged(&fields, tagNumber: 0, tagClass: .contextSpecific) {
                        try hashAlgorithm($0)
                    }
                    let mgf = try DER.optionalExplicitlyTagged(&fields, tagNumber: 1, tagClass: .contextSpecific) {
                        try DER.sequence($0, identifier: .sequence) { mgfFields in
                            let mgfOID = try ASN1ObjectIdentifier(derEncoded: &mgfFields)
                            guard let hashNode = mgfFields.next() else {
                                throw ASN1Error.invalidASN1Object(reason: "MGF without a hash")
                            }
                            return (mgfOID, try hashAlgorithm(hashNode))
                        }
                    }
                    let salt = try DER.optionalExplicitlyTagged(&fields, tagNumber: 2, tagClass: .contextSpecific) {
                        try Int(derEncoded: $0)
                    }
                    let trailer = try DER.optionalExplicitlyTagged(&fields, tagNumber: 3, tagClass: .contextSpecific) {
                        try Int(derEncoded: $0)
                    }
                    return (hash, mgf?.0, mgf?.1, salt, trailer)
                }
            }
        } catch {
            throw AttestationError(
                .certificateAlgorithm,
                "the \(role) is not signed with RSASSA-PSS as AMD signs its certificates; it is not an AMD certificate")
        }
        guard parameters.hash == sha384, parameters.mgf == mgf1, parameters.mgfHash == sha384,
            parameters.salt == 48, parameters.trailer ?? 1 == 1
        else {
            throw AttestationError(
                .certificateAlgorithm,
                "the \(role) uses RSASSA-PSS parameters other than SHA-384, MGF1-SHA-384, salt 48; "
                    + "it is not an AMD certificate")
        }
    }

    /// The OID of a hash AlgorithmIdentifier, whose parameters must be absent or NULL.
    private static func hashAlgorithm(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            if let parameters = nodes.next() {
                _ = try ASN1Null(derEncoded: parameters)
            }
            return oid
        }
    }
}
