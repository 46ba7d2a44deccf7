import Crypto
import Foundation
import SwiftASN1
import Wire
import X509

/// A stand-in for Intel's PCK hierarchy whose keys the tests hold: certificates with Intel's
/// names under a root that is not Intel's, and quotes assembled field by field and signed with
/// keys the tests control. It is trusted only by `TDXVerifier(trustedRoot:)`, never by default.
struct SyntheticTDX: Sendable {
    let rootKey = P256.Signing.PrivateKey()
    let caKey = P256.Signing.PrivateKey()
    let pckKey = P256.Signing.PrivateKey()
    let attestationKey = P256.Signing.PrivateKey()
    let root: Certificate
    let ca: Certificate
    let pck: Certificate

    /// The validity of every synthetic certificate: 2020 to 2040, around both samples' dates.
    static let notValidBefore = Date(timeIntervalSince1970: 1_577_836_800)
    static let notValidAfter = Date(timeIntervalSince1970: 2_208_988_800)

    init() throws {
        root = try Self.certificate(
            "Intel SGX Root CA", key: rootKey.publicKey, issuer: "Intel SGX Root CA", signer: rootKey, isCA: true)
        ca = try Self.certificate(
            "Intel SGX PCK Platform CA", key: caKey.publicKey, issuer: "Intel SGX Root CA", signer: rootKey, isCA: true)
        pck = try Self.certificate(
            "Intel SGX PCK Certificate", key: pckKey.publicKey, issuer: "Intel SGX PCK Platform CA", signer: caKey,
            isCA: false)
    }

    /// A verifier that trusts this PKI's root and nothing else.
    var verifier: TDXVerifier { TDXVerifier(trustedRoot: root) }

    /// The PCK chain as PEM: PCK, CA, root.
    func chainPEM(_ certificates: [Certificate]? = nil) throws -> String {
        try (certificates ?? [pck, ca, root]).map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
    }

    static func name(_ commonName: String) throws -> DistinguishedName {
        try DistinguishedName {
            CommonName(commonName)
            OrganizationName("Intel Corporation")
            CountryName("US")
        }
    }

    static func certificate(
        _ subject: String, key: P256.Signing.PublicKey, issuer: String, signer: P256.Signing.PrivateKey, isCA: Bool
    ) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key),
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: name(issuer), subject: name(subject),
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions {
                Critical(isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority)
            },
            issuerPrivateKey: Certificate.PrivateKey(signer))
    }

    /// A quote of `version` with a body of `kind` (version 4 only takes TD 1.0), every signature
    /// made with this PKI's keys; `reportData` goes into the TD report.
    /// - Parameters:
    ///   - chain: the PEM chain to embed instead of this PKI's.
    ///   - attestationKeyBytes: the attestation key field to write (and bind) instead of the real key.
    ///   - qeReportData: the QE report's REPORT_DATA instead of the binding of the attestation key.
    func quote(
        version: UInt16, kind: TDReportBody.Kind, reportData: [UInt8] = Array(repeating: 0xAB, count: 64),
        chain: String? = nil, attestationKeyBytes: [UInt8]? = nil, qeReportData: [UInt8]? = nil
    ) throws -> [UInt8] {
        var header: [UInt8] = Self.le16(version) + Self.le16(2)
        header += Self.le32(0x81)
        header += [0, 0, 0, 0]
        header += TDXQuote.intelQEVendorID
        header += [UInt8](repeating: 0x11, count: 20)
        var body = (0..<kind.size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        body.replaceSubrange(520..<584, with: reportData)
        // TD attributes: DEBUG off.
        body.replaceSubrange(120..<128, with: Array(repeating: 0, count: 8))
        let descriptor = version == 5 ? Self.le16(kind == .td10 ? 2 : 3) + Self.le32(UInt32(kind.size)) : []
        let signed = header + descriptor + body
        let quoteSignature = Array(try attestationKey.signature(for: SHA256.hash(data: signed)).rawRepresentation)
        let key = attestationKeyBytes ?? Array(attestationKey.publicKey.rawRepresentation)
        let auth = Array(0..<32 as Range<UInt8>)
        var qeReport = (0..<SGXEnclaveReport.size).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        qeReport.replaceSubrange(
            320..<384, with: qeReportData ?? Array(SHA256.hash(data: key + auth)) + Array(repeating: 0, count: 32))
        let qeSignature = Array(try pckKey.signature(for: SHA256.hash(data: qeReport)).rawRepresentation)
        let pem = Array(try (chain ?? chainPEM()).utf8) + [0]
        let inner = Self.le16(5) + Self.le32(UInt32(pem.count)) + pem
        let certification = qeReport + qeSignature + Self.le16(UInt16(auth.count)) + auth + inner
        let signatureData =
            quoteSignature + key + Self.le16(6) + Self.le32(UInt32(certification.count)) + certification
        return signed + Self.le32(UInt32(signatureData.count)) + signatureData
    }

    /// A DER X.509 v2 CRL issued by `issuer`, signed by `signer` (ECDSA P-256, SHA-256), listing
    /// `revoked`, current from 2020 to 2039.
    static func revocationList(
        issuer: String, signer: P256.Signing.PrivateKey, revoked: [Certificate] = []
    ) throws -> [UInt8] {
        let algorithm: [UInt8] = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            coder.serializeRawBytes(algorithm)
            try coder.serialize(name(issuer))
            try coder.serialize(UTCTime(year: 2020, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0))
            try coder.serialize(UTCTime(year: 2039, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0))
            if !revoked.isEmpty {
                try coder.appendConstructedNode(identifier: .sequence) { entries in
                    for certificate in revoked {
                        try entries.appendConstructedNode(identifier: .sequence) { entry in
                            try entry.serialize(certificate.serialNumber.bytes)
                            try entry.serialize(UTCTime(year: 2021, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0))
                        }
                    }
                }
            }
        }
        let tbsBytes = tbs.serializedBytes
        let signature = Array(try signer.signature(for: SHA256.hash(data: tbsBytes)).derRepresentation)
        var outer = DER.Serializer()
        try outer.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbsBytes)
            coder.serializeRawBytes(algorithm)
            try coder.serialize(ASN1BitString(bytes: signature[...]))
        }
        return outer.serializedBytes
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
}
