import Crypto
import Foundation
import SwiftASN1
import Wire
import X509
import _CryptoExtras

/// Issues certificates in AMD's SEV certificate profile and signs SEV-SNP reports, for a
/// certificate authority whose keys the caller holds: the development authority of
/// `sotto-server serve --dev` and the tests' stand-in PKI.
///
/// The output goes through exactly the checks `AMDCertificate` and `SEVSNPVerifier` apply to
/// AMD's own certificates (RSASSA-PSS SHA-384 / MGF1-SHA-384 / salt 48, KDS extensions, an
/// ECDSA P-384 endorsement key); only the root differs, so it is trusted solely by a verifier
/// built with `SEVSNPVerifier(trustedRoots:)`.
///
/// It lives apart from Wire so that the client, which only verifies, ships no issuer.
public enum AMDCertificateBuilder {
    /// A subject or issuer name: organisation, organisational unit and common name.
    public struct Name: Sendable, Hashable {
        /// The common name (CN), e.g. "ARK-Milan".
        public var commonName: String
        /// The organisation (O), e.g. "Advanced Micro Devices".
        public var organization: String
        /// The organisational unit (OU), if any.
        public var organizationalUnit: String?

        /// A name with these attributes.
        public init(commonName: String, organization: String, organizationalUnit: String? = nil) {
            self.commonName = commonName
            self.organization = organization
            self.organizationalUnit = organizationalUnit
        }

        func distinguishedName() throws -> DistinguishedName {
            let unit = organizationalUnit
            return try DistinguishedName {
                OrganizationName(organization)
                if let unit { OrganizationalUnitName(unit) }
                CommonName(commonName)
            }
        }
    }

    /// The RSA key of a certificate authority (ARK, ASK or ASVK).
    public struct AuthorityKey: Sendable {
        let key: _RSA.Signing.PrivateKey

        /// Wraps a swift-crypto RSA key (tests that bring their own).
        public init(_ key: _RSA.Signing.PrivateKey) {
            self.key = key
        }

        /// A new random key; AMD's ARKs and ASKs are 4096 bits. Takes seconds at that size.
        public static func generate(bits: Int = 4096) throws -> AuthorityKey {
            let size: _RSA.Signing.KeySize
            switch bits {
            case 2048: size = .bits2048
            case 3072: size = .bits3072
            case 4096: size = .bits4096
            default: throw CryptoError(.unsupported, "an authority key is 2048, 3072 or 4096 bits, not \(bits)")
            }
            return AuthorityKey(try _RSA.Signing.PrivateKey(keySize: size))
        }

        /// Reads a PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY").
        public init(pemRepresentation: String) throws {
            self.key = try _RSA.Signing.PrivateKey(pemRepresentation: pemRepresentation)
        }

        /// The private key as PKCS#1 PEM. Secret: only for a file of mode 0600.
        public var pemRepresentation: String { key.pemRepresentation }

        /// The key's size in bits.
        public var bits: Int { key.keySizeInBits }

        /// True when `certificate` certifies this key's public half.
        public func isKey(of certificate: AMDCertificate) -> Bool {
            Certificate.PublicKey(key.publicKey) == certificate.publicKey
        }
    }

    /// The ECDSA P-384 key of a VCEK or VLEK: the key that signs attestation reports.
    public struct EndorsementKey: Sendable {
        let key: P384.Signing.PrivateKey

        /// Wraps a swift-crypto P-384 key (tests that bring their own).
        public init(_ key: P384.Signing.PrivateKey) {
            self.key = key
        }

        /// A new random key.
        public init() {
            self.key = P384.Signing.PrivateKey()
        }

        /// Reads a PEM private key (PKCS#8 "PRIVATE KEY" or SEC 1 "EC PRIVATE KEY").
        public init(pemRepresentation: String) throws {
            self.key = try P384.Signing.PrivateKey(pemRepresentation: pemRepresentation)
        }

        /// The private key as PKCS#8 PEM. Secret: only for a file of mode 0600.
        public var pemRepresentation: String { key.pemRepresentation }

        /// True when `certificate` certifies this key's public half.
        public func isKey(of certificate: AMDCertificate) -> Bool {
            Certificate.PublicKey(key.publicKey) == certificate.publicKey
        }

        /// Signs a complete report as the firmware does: ECDSA P-384 with SHA-384 over bytes
        /// 0x000–0x29F, r and s little-endian in 72-byte fields at 0x2A0 and 0x2E8. Whatever
        /// the signature fields held before is replaced.
        /// - Throws: `AttestationError` when `bytes` is not a readable report.
        public func sign(report bytes: [UInt8]) throws -> SEVSNPReport {
            guard bytes.count == SEVSNPReport.size else {
                throw AttestationError(
                    .reportSize, "a report to sign is \(SEVSNPReport.size) bytes; this one is \(bytes.count)")
            }
            var out = bytes
            let digest = SHA384.hash(data: out[SEVSNPReport.signedRange])
            let signature = try key.signature(for: digest).rawRepresentation
            let padding = [UInt8](repeating: 0, count: 24)
            out.replaceSubrange(0x2A0..<0x2E8, with: Array(signature.prefix(48).reversed()) + padding)
            out.replaceSubrange(0x2E8..<0x330, with: Array(signature.suffix(48).reversed()) + padding)
            return try SEVSNPReport(bytes: out)
        }
    }

    /// SHA-384, which libsodium (Wire's hash layer) lacks; SEV-SNP measurements are 48 bytes.
    public static func sha384(_ data: some DataProtocol) -> [UInt8] {
        Array(SHA384.hash(data: data))
    }

    // MARK: Certificates

    /// A CA certificate (ARK, ASK or ASVK) for `publicKey`, signed by `signer`: self-signed
    /// when they are the same key and `issuer == subject`. BasicConstraints CA and KeyUsage
    /// (certificate and CRL signing) are critical, as in AMD's.
    public static func authorityCertificate(
        serialNumber: [UInt8], issuer: Name, subject: Name, publicKey: AuthorityKey, notValidBefore: Date,
        notValidAfter: Date, signer: AuthorityKey
    ) throws -> [UInt8] {
        let extensions = [
            try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
            try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
        ]
        return try certificate(
            serialNumber: serialNumber, issuer: issuer.distinguishedName(), subject: subject.distinguishedName(),
            publicKey: Certificate.PublicKey(publicKey.key.publicKey), notValidBefore: notValidBefore,
            notValidAfter: notValidAfter, extensions: extensions, signer: signer)
    }

    /// A VCEK (when `extensions` has a hardware id) or VLEK (when it has a cloud provider id)
    /// for `publicKey`, carrying AMD's KDS extensions, signed by the ASK or ASVK `signer`. The
    /// serial number is zero, as in every VCEK AMD issues.
    public static func endorsementKeyCertificate(
        issuer: Name, subject: Name, publicKey: EndorsementKey, extensions: AMDEndorsementExtensions,
        notValidBefore: Date, notValidAfter: Date, signer: AuthorityKey
    ) throws -> [UInt8] {
        try certificate(
            serialNumber: [0], issuer: issuer.distinguishedName(), subject: subject.distinguishedName(),
            publicKey: Certificate.PublicKey(publicKey.key.publicKey), notValidBefore: notValidBefore,
            notValidAfter: notValidAfter, extensions: kdsExtensions(extensions), signer: signer)
    }

    /// AMD's KDS extensions, encoded as KDS encodes them: the SPLs as DER INTEGERs, the
    /// product name and csp_id as IA5Strings, hwID as the raw chip id with no tag.
    static func kdsExtensions(_ values: AMDEndorsementExtensions) throws -> [Certificate.Extension] {
        typealias Ext = AMDEndorsementExtensions
        func integer(_ oid: ASN1ObjectIdentifier, _ value: UInt8) throws -> Certificate.Extension {
            var coder = DER.Serializer()
            try coder.serialize(Int(value))
            return Certificate.Extension(oid: oid, critical: false, value: coder.serializedBytes[...])
        }
        func ia5(_ oid: ASN1ObjectIdentifier, _ text: String) throws -> Certificate.Extension {
            var coder = DER.Serializer()
            try coder.serialize(ASN1IA5String(text))
            return Certificate.Extension(oid: oid, critical: false, value: coder.serializedBytes[...])
        }
        var extensions = [
            try integer(structVersionOID, 1), try ia5(Ext.productNameOID, values.productName),
            try integer(Ext.bootloaderOID, values.bootloader), try integer(Ext.teeOID, values.tee),
            try integer(Ext.snpOID, values.snp), try integer(Ext.microcodeOID, values.microcode),
        ]
        if let fmc = values.fmc { extensions.append(try integer(Ext.fmcOID, fmc)) }
        if let hardwareID = values.hardwareID {
            extensions.append(Certificate.Extension(oid: Ext.hardwareIDOID, critical: false, value: hardwareID[...]))
        }
        if let cspID = values.cspID { extensions.append(try ia5(Ext.cspIDOID, cspID)) }
        return extensions
    }

    /// structVersion (1.3.6.1.4.1.3704.1.1), which KDS writes as 1; the verifier ignores it.
    static let structVersionOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 3704, 1, 1]

    /// AMD's exact AlgorithmIdentifier: RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48, trailer 1
    /// (AMD writes the default trailer field out, so it is kept byte for byte).
    static let pssSHA384: [UInt8] = [
        0x30, 0x46, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A, 0x30, 0x39, 0xA0, 0x0F, 0x30,
        0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xA1, 0x1C, 0x30, 0x1A,
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48,
        0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xA2, 0x03, 0x02, 0x01, 0x30, 0xA3, 0x03, 0x02, 0x01, 0x01,
    ]

    /// A DER X.509 v3 certificate signed with RSASSA-PSS SHA-384 under AMD's AlgorithmIdentifier.
    static func certificate(
        serialNumber: [UInt8], issuer: DistinguishedName, subject: DistinguishedName,
        publicKey: Certificate.PublicKey, notValidBefore: Date, notValidAfter: Date,
        extensions: [Certificate.Extension], signer: AuthorityKey
    ) throws -> [UInt8] {
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(2, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            try coder.serialize(serialNumber[...])
            coder.serializeRawBytes(pssSHA384)
            try coder.serialize(issuer)
            try coder.appendConstructedNode(identifier: .sequence) { validity in
                try serializeTime(notValidBefore, into: &validity)
                try serializeTime(notValidAfter, into: &validity)
            }
            try coder.serialize(subject)
            try coder.serialize(publicKey)
            try coder.serialize(explicitlyTaggedWithTagNumber: 3, tagClass: .contextSpecific) { coder in
                try coder.serializeSequenceOf(extensions)
            }
        }
        // .PSS is MGF1 with the digest's hash and a digest-long salt: SHA-384, salt 48.
        let signature = try signer.key.signature(for: SHA384.hash(data: tbs.serializedBytes), padding: .PSS)
        var certificate = DER.Serializer()
        try certificate.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbs.serializedBytes)
            coder.serializeRawBytes(pssSHA384)
            try coder.serialize(ASN1BitString(bytes: Array(signature.rawRepresentation)[...]))
        }
        return certificate.serializedBytes
    }

    /// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (a 25-year ARK made
    /// today ends after 2049). Whole seconds, UTC.
    private static func serializeTime(_ date: Date, into coder: inout DER.Serializer) throws {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days, the inverse of the decoder's days_from_civil.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let (hours, minutes, secs) = (secondOfDay / 3_600, secondOfDay % 3_600 / 60, secondOfDay % 60)
        if (1950...2049).contains(year) {
            try coder.serialize(
                UTCTime(year: year, month: month, day: day, hours: hours, minutes: minutes, seconds: secs))
        } else {
            try coder.serialize(
                GeneralizedTime(
                    year: year, month: month, day: day, hours: hours, minutes: minutes, seconds: secs,
                    fractionalSeconds: 0))
        }
    }
}

extension AMDCertificateBuilder {
    /// An X.509 v2 CRL in AMD's profile: issued by `issuer` (the ARK), listing `revokedSerials`,
    /// signed by `signer` with RSASSA-PSS SHA-384. Tests and the development authority use it
    /// to stand in for the list AMD KDS serves.
    public static func revocationList(
        issuer: Name, revokedSerials: [[UInt8]], thisUpdate: Date, nextUpdate: Date, signer: AuthorityKey
    ) throws -> [UInt8] {
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)  // v2
            coder.serializeRawBytes(pssSHA384)
            try coder.serialize(try issuer.distinguishedName())
            try serializeTime(thisUpdate, into: &coder)
            try serializeTime(nextUpdate, into: &coder)
            if !revokedSerials.isEmpty {
                try coder.appendConstructedNode(identifier: .sequence) { entries in
                    for serial in revokedSerials {
                        try entries.appendConstructedNode(identifier: .sequence) { entry in
                            try entry.serialize(serial[...])
                            try serializeTime(thisUpdate, into: &entry)
                        }
                    }
                }
            }
        }
        let signature = try signer.key.signature(for: SHA384.hash(data: tbs.serializedBytes), padding: .PSS)
        var list = DER.Serializer()
        try list.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbs.serializedBytes)
            coder.serializeRawBytes(pssSHA384)
            try coder.serialize(ASN1BitString(bytes: Array(signature.rawRepresentation)[...]))
        }
        return list.serializedBytes
    }
}
