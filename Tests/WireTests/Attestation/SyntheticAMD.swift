import Crypto
import Foundation
import SwiftASN1
import Wire
import X509
import _CryptoExtras

/// A stand-in for AMD's PKI whose keys the tests hold: certificates shaped like AMD's (RSASSA-PSS
/// SHA-384, salt 48; KDS extensions) and reports the tests can edit and re-sign. It is trusted
/// only by a verifier built with `SEVSNPVerifier(trustedRoots:)`, never by the default one.
struct SyntheticAMD: Sendable {
    let product: SEVSNPProduct
    let ark: AMDCertificate
    let ask: AMDCertificate
    let asvk: AMDCertificate
    private let askName: DistinguishedName
    private let asvkName: DistinguishedName
    private let caKey: _RSA.Signing.PrivateKey

    /// One RSA key shared by every synthetic CA and product: generating keys is slow in a debug
    /// build, and the chain's cryptography is exercised by AMD's real certificates elsewhere.
    private static let sharedCAKey: _RSA.Signing.PrivateKey = {
        do {
            return try _RSA.Signing.PrivateKey(keySize: .bits2048)
        } catch {
            fatalError("RSA key generation failed: \(error)")
        }
    }()

    static let milan = make(.milan)
    static let turin = make(.turin)

    private static func make(_ product: SEVSNPProduct) -> SyntheticAMD {
        do {
            return try SyntheticAMD(product: product)
        } catch {
            fatalError("synthetic \(product) PKI: \(error)")
        }
    }

    private init(product: SEVSNPProduct) throws {
        self.product = product
        self.caKey = Self.sharedCAKey
        let arkName = try Self.name("ARK-\(product.name)")
        let caKey = Certificate.PublicKey(Self.sharedCAKey.publicKey)
        let ca = try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true)
        ark = try AMDCertificate(
            derEncoded: Self.certificate(
                serial: [1], issuer: arkName, subject: arkName, publicKey: caKey, extensions: [ca],
                signer: Self.sharedCAKey))
        askName = try Self.name("SEV-\(product.name)")
        asvkName = try Self.name("SEV-VLEK-\(product.name)")
        ask = try AMDCertificate(
            derEncoded: Self.certificate(
                serial: [2], issuer: arkName, subject: askName, publicKey: caKey, extensions: [ca],
                signer: Self.sharedCAKey))
        asvk = try AMDCertificate(
            derEncoded: Self.certificate(
                serial: [3], issuer: arkName, subject: asvkName, publicKey: caKey, extensions: [ca],
                signer: Self.sharedCAKey))
    }

    /// A verifier that trusts this PKI's root (and nothing else).
    var verifier: SEVSNPVerifier { SEVSNPVerifier(trustedRoots: [product: ark]) }
    var vcekChain: AMDCertificates.Chain { AMDCertificates.Chain(intermediate: ask, root: ark) }
    var vlekChain: AMDCertificates.Chain { AMDCertificates.Chain(intermediate: asvk, root: ark) }

    /// A VCEK for `key`, issued by the ASK for `tcb` and the chip `hardwareID`.
    func vcek(
        _ key: P384.Signing.PrivateKey, tcb: SEVSNPReport.TCBVersion, hardwareID: [UInt8], productName: String? = nil
    ) throws -> [UInt8] {
        var extensions = try Self.kdsExtensions(productName: productName ?? "\(product.name)-B0", tcb: tcb)
        extensions.append(
            Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 3704, 1, 4], critical: false, value: hardwareID[...]))
        return try Self.certificate(
            serial: [0], issuer: askName, subject: Self.name("SEV-VCEK"),
            publicKey: Certificate.PublicKey(key.publicKey),
            extensions: extensions, signer: caKey)
    }

    /// A VLEK for `key`, issued by the ASVK for `tcb` and the cloud provider `cspID`.
    func vlek(_ key: P384.Signing.PrivateKey, tcb: SEVSNPReport.TCBVersion, cspID: String) throws -> [UInt8] {
        var extensions = try Self.kdsExtensions(productName: product.name, tcb: tcb)
        extensions.append(
            Certificate.Extension(
                oid: [1, 3, 6, 1, 4, 1, 3704, 1, 5], critical: false, value: Self.ia5String(cspID)[...]))
        return try Self.certificate(
            serial: [0], issuer: asvkName, subject: Self.name("SEV-VLEK"),
            publicKey: Certificate.PublicKey(key.publicKey),
            extensions: extensions, signer: caKey)
    }

    private static func kdsExtensions(
        productName: String, tcb: SEVSNPReport.TCBVersion
    ) throws -> [Certificate.Extension] {
        func spl(_ minor: UInt, _ value: UInt8) throws -> Certificate.Extension {
            var coder = DER.Serializer()
            try coder.serialize(Int(value))
            return Certificate.Extension(
                oid: [1, 3, 6, 1, 4, 1, 3704, 1, 3, minor], critical: false, value: coder.serializedBytes[...])
        }
        var extensions = [
            Certificate.Extension(
                oid: [1, 3, 6, 1, 4, 1, 3704, 1, 2], critical: false, value: ia5String(productName)[...]),
            try spl(1, tcb.bootloader), try spl(2, tcb.tee), try spl(3, tcb.snp), try spl(8, tcb.microcode),
        ]
        if let fmc = tcb.fmc { extensions.append(try spl(9, fmc)) }
        return extensions
    }

    private static func ia5String(_ text: String) -> [UInt8] {
        [0x16, UInt8(text.utf8.count)] + Array(text.utf8)
    }

    private static func name(_ commonName: String) throws -> DistinguishedName {
        try DistinguishedName {
            OrganizationName("Sotto test PKI (not AMD)")
            CommonName(commonName)
        }
    }

    /// AMD's exact AlgorithmIdentifier: RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48, trailer 1.
    static let pssSHA384: [UInt8] = [
        0x30, 0x46, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A, 0x30, 0x39, 0xA0, 0x0F, 0x30,
        0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xA1, 0x1C, 0x30, 0x1A,
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48,
        0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xA2, 0x03, 0x02, 0x01, 0x30, 0xA3, 0x03, 0x02, 0x01, 0x01,
    ]

    /// A DER certificate valid 2020-01-01 to 2040-01-01, signed with RSASSA-PSS SHA-384.
    static func certificate(
        serial: [UInt8], issuer: DistinguishedName, subject: DistinguishedName, publicKey: Certificate.PublicKey,
        extensions: [Certificate.Extension], signer: _RSA.Signing.PrivateKey
    ) throws -> [UInt8] {
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(2, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            try coder.serialize(serial[...])
            coder.serializeRawBytes(pssSHA384)
            try coder.serialize(issuer)
            try coder.appendConstructedNode(identifier: .sequence) { validity in
                try validity.serialize(UTCTime(year: 2020, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0))
                try validity.serialize(UTCTime(year: 2040, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0))
            }
            try coder.serialize(subject)
            try coder.serialize(publicKey)
            try coder.serialize(explicitlyTaggedWithTagNumber: 3, tagClass: .contextSpecific) { coder in
                try coder.serializeSequenceOf(extensions)
            }
        }
        let signature = try signer.signature(for: SHA384.hash(data: tbs.serializedBytes), padding: .PSS)
        var certificate = DER.Serializer()
        try certificate.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbs.serializedBytes)
            coder.serializeRawBytes(pssSHA384)
            try coder.serialize(ASN1BitString(bytes: Array(signature.rawRepresentation)[...]))
        }
        return certificate.serializedBytes
    }
}

/// An editable attestation report that the tests sign with their own key.
struct ReportBuilder {
    var bytes: [UInt8]

    /// Starts from virtee's real Milan report (version 2, VMPL 0, policy 0x30000).
    init() throws {
        bytes = try SEVSNPVectors.virteeReport().bytes
    }

    mutating func set32(_ offset: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    mutating func set64(_ offset: Int, _ value: UInt64) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    mutating func set(_ offset: Int, _ value: [UInt8]) {
        bytes.replaceSubrange(offset..<(offset + value.count), with: value)
    }

    /// Sets REPORTED_TCB, and CURRENT/COMMITTED/LAUNCH TCB to the same, as a fresh platform would.
    mutating func setTCB(_ tcb: SEVSNPReport.TCBVersion) {
        for offset in [0x38, 0x180, 0x1E0, 0x1F0] { set64(offset, tcb.rawValue) }
    }

    mutating func setChipID(_ id: [UInt8]) {
        set(0x1A0, id + [UInt8](repeating: 0, count: 64 - id.count))
    }

    /// The bytes signed with `key` (ECDSA P-384, SHA-384, r and s little-endian in 72 bytes).
    func signed(with key: P384.Signing.PrivateKey) throws -> SEVSNPReport {
        var out = bytes
        let signature = try key.signature(for: SHA384.hash(data: out[SEVSNPReport.signedRange])).rawRepresentation
        let r = Array(signature.prefix(48).reversed())
        let s = Array(signature.suffix(48).reversed())
        out.replaceSubrange(0x2A0..<0x2E8, with: r + [UInt8](repeating: 0, count: 24))
        out.replaceSubrange(0x2E8..<0x330, with: s + [UInt8](repeating: 0, count: 24))
        return try SEVSNPReport(bytes: out)
    }
}
