import Crypto
import DevelopmentPKI
import Foundation
import Wire

/// A stand-in for AMD's PKI whose keys the tests hold: certificates shaped like AMD's (RSASSA-PSS
/// SHA-384, salt 48; KDS extensions) and reports the tests can edit and re-sign, all made by the
/// production `AMDCertificateBuilder`. It is trusted only by a verifier built with
/// `SEVSNPVerifier(trustedRoots:)`, never by the default one.
struct SyntheticAMD: Sendable {
    let product: SEVSNPProduct
    let ark: AMDCertificate
    let ask: AMDCertificate
    let asvk: AMDCertificate
    private let askName: AMDCertificateBuilder.Name
    private let asvkName: AMDCertificateBuilder.Name

    /// One RSA key shared by every synthetic CA and product: generating keys is slow in a debug
    /// build, and the chain's cryptography is exercised by AMD's real certificates elsewhere.
    private static let caKey: AMDCertificateBuilder.AuthorityKey = {
        do {
            return try AMDCertificateBuilder.AuthorityKey.generate(bits: 2048)
        } catch {
            fatalError("RSA key generation failed: \(error)")
        }
    }()

    /// The validity of every synthetic certificate, around `SEVSNPVectors.now`.
    static let notValidBefore = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01
    static let notValidAfter = Date(timeIntervalSince1970: 2_208_988_800)  // 2040-01-01

    static let milan = make(.milan)
    static let genoa = make(.genoa)
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
        let arkName = Self.name("ARK-\(product.name)")
        askName = Self.name("SEV-\(product.name)")
        asvkName = Self.name("SEV-VLEK-\(product.name)")
        func authority(_ serial: UInt8, _ subject: AMDCertificateBuilder.Name) throws -> AMDCertificate {
            try AMDCertificate(
                derEncoded: AMDCertificateBuilder.authorityCertificate(
                    serialNumber: [serial], issuer: arkName, subject: subject, publicKey: Self.caKey,
                    notValidBefore: Self.notValidBefore, notValidAfter: Self.notValidAfter, signer: Self.caKey))
        }
        ark = try authority(1, arkName)
        ask = try authority(2, askName)
        asvk = try authority(3, asvkName)
    }

    /// A verifier that trusts this PKI's root (and nothing else).
    var verifier: SEVSNPVerifier { SEVSNPVerifier(trustedRoots: [product: ark]) }
    var vcekChain: AMDCertificates.Chain { AMDCertificates.Chain(intermediate: ask, root: ark) }
    var vlekChain: AMDCertificates.Chain { AMDCertificates.Chain(intermediate: asvk, root: ark) }

    /// A VCEK for `key`, issued by the ASK for `tcb` and the chip `hardwareID`.
    func vcek(
        _ key: P384.Signing.PrivateKey, tcb: SEVSNPReport.TCBVersion, hardwareID: [UInt8], productName: String? = nil
    ) throws -> [UInt8] {
        try endorsementKey(
            key, issuer: askName, subject: "SEV-VCEK", productName: productName ?? "\(product.name)-B0", tcb: tcb,
            hardwareID: hardwareID, cspID: nil)
    }

    /// A VLEK for `key`, issued by the ASVK for `tcb` and the cloud provider `cspID`.
    func vlek(_ key: P384.Signing.PrivateKey, tcb: SEVSNPReport.TCBVersion, cspID: String) throws -> [UInt8] {
        try endorsementKey(
            key, issuer: asvkName, subject: "SEV-VLEK", productName: product.name, tcb: tcb, hardwareID: nil,
            cspID: cspID)
    }

    private func endorsementKey(
        _ key: P384.Signing.PrivateKey, issuer: AMDCertificateBuilder.Name, subject: String, productName: String,
        tcb: SEVSNPReport.TCBVersion, hardwareID: [UInt8]?, cspID: String?
    ) throws -> [UInt8] {
        let extensions = AMDEndorsementExtensions(
            productName: productName, bootloader: tcb.bootloader, tee: tcb.tee, snp: tcb.snp,
            microcode: tcb.microcode, fmc: tcb.fmc, hardwareID: hardwareID, cspID: cspID)
        return try AMDCertificateBuilder.endorsementKeyCertificate(
            issuer: issuer, subject: Self.name(subject), publicKey: AMDCertificateBuilder.EndorsementKey(key),
            extensions: extensions, notValidBefore: Self.notValidBefore, notValidAfter: Self.notValidAfter,
            signer: Self.caKey)
    }

    /// A revocation list issued by this PKI's ARK, naming `serials`, current around `SEVSNPVectors.now`.
    func revocationList(
        revoking serials: [[UInt8]], thisUpdate: Date = notValidBefore, nextUpdate: Date = notValidAfter
    ) throws -> [UInt8] {
        try AMDCertificateBuilder.revocationList(
            issuer: Self.name("ARK-\(product.name)"), revokedSerials: serials, thisUpdate: thisUpdate,
            nextUpdate: nextUpdate, signer: Self.caKey)
    }

    private static func name(_ commonName: String) -> AMDCertificateBuilder.Name {
        AMDCertificateBuilder.Name(commonName: commonName, organization: "Sotto test PKI (not AMD)")
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
        try AMDCertificateBuilder.EndorsementKey(key).sign(report: bytes)
    }
}
