import Crypto
import Foundation
import SwiftASN1
import Wire
import X509

/// Makes Intel-style TDX evidence with keys its holder controls: a root, PCK CA, PCK and TCB
/// signing certificate in Intel's profile (ECDSA P-256, Intel's common names, the SGX extension
/// of a PCK certificate), quotes laid out as Intel's quoting enclave lays them out, and
/// collateral (TCB info v3, QE identity v2, revocation lists) in dcap-qvl's JSON, signed as
/// Intel's PCS signs it.
///
/// What it makes passes the production `TDXVerifier` only for a verifier that trusts its root
/// (`TDXVerifier(trustedRoot:)`): `sotto-server serve --dev --platform tdx` uses it to simulate
/// TDX, and tests use it to exercise every rule. It proves nothing: whoever holds the keys can
/// make such evidence. Every certificate's organization says it is not Intel's.
public struct TDXEvidenceBuilder: Sendable {
    /// The private keys of the hierarchy, and the quoting enclave's attestation key.
    public struct Keys: Sendable {
        public let root: P256.Signing.PrivateKey
        public let pckCA: P256.Signing.PrivateKey
        public let pck: P256.Signing.PrivateKey
        public let tcbSigning: P256.Signing.PrivateKey
        public let attestation: P256.Signing.PrivateKey

        public init(
            root: P256.Signing.PrivateKey, pckCA: P256.Signing.PrivateKey, pck: P256.Signing.PrivateKey,
            tcbSigning: P256.Signing.PrivateKey, attestation: P256.Signing.PrivateKey
        ) {
            self.root = root
            self.pckCA = pckCA
            self.pck = pck
            self.tcbSigning = tcbSigning
            self.attestation = attestation
        }

        /// Fresh random keys.
        public static func random() -> Keys {
            Keys(
                root: P256.Signing.PrivateKey(), pckCA: P256.Signing.PrivateKey(), pck: P256.Signing.PrivateKey(),
                tcbSigning: P256.Signing.PrivateKey(), attestation: P256.Signing.PrivateKey())
        }
    }

    /// What the platform reports about itself: the PCK certificate's SGX TCB and the quote's
    /// TEE_TCB_SVN and quoting enclave.
    public struct Platform: Sendable, Hashable {
        public var fmspc: [UInt8] = [0x00, 0x5D, 0x07, 0x00, 0x00, 0x00]
        public var pceID: [UInt8] = [0, 0]
        public var sgxTCBComponents: [UInt8] = [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0]
        public var pceSVN = 13
        /// TDX module SVN 6, major version 1 (TDX_01), SEAM loader SVN 3.
        public var teeTCBSVN: [UInt8] = [6, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        /// The quoting enclave's MRSIGNER, ISVPRODID and ISVSVN.
        public var qeMRSigner: [UInt8] = Array(SHA256.hash(data: Array("Sotto development TD quoting enclave".utf8)))
        public var qeISVProdID: UInt16 = 2
        public var qeISVSVN: UInt16 = 4

        public init() {}
    }

    /// The TD report fields a quote carries.
    public struct TDFields: Sendable, Hashable {
        public var mrTD: [UInt8]
        public var rtmrs: [[UInt8]]
        public var reportData: [UInt8]
        /// TDATTRIBUTES: SEPT_VE_DISABLE (bit 28) as TDs usually run, DEBUG (bit 0) off.
        public var tdAttributes: UInt64 = 0x1000_0000

        public init(mrTD: [UInt8], rtmrs: [[UInt8]], reportData: [UInt8], tdAttributes: UInt64 = 0x1000_0000) {
            self.mrTD = mrTD
            self.rtmrs = rtmrs
            self.reportData = reportData
            self.tdAttributes = tdAttributes
        }
    }

    public let keys: Keys
    public let platform: Platform
    /// The root, standing in for Intel's SGX Root CA.
    public let root: Certificate
    /// The PCK Platform CA.
    public let pckCA: Certificate
    /// The platform's PCK certificate, with its SGX extension.
    public let pck: Certificate
    /// The certificate whose key signs TCB info and QE identity.
    public let tcbSigning: Certificate

    /// The hierarchy's certificates, issued to `organization` and valid over `validity`.
    /// - Throws: when a certificate cannot be made (it cannot with valid keys).
    public init(
        keys: Keys, platform: Platform = Platform(), organization: String, validity: ClosedRange<Date>
    ) throws {
        self.keys = keys
        self.platform = platform
        func name(_ commonName: String) throws -> DistinguishedName {
            try DistinguishedName {
                CommonName(commonName)
                OrganizationName(organization)
                OrganizationalUnitName("Development only, not a hardware root of trust")
            }
        }
        func certificate(
            _ subject: String, key: P256.Signing.PrivateKey, issuer: String, signer: P256.Signing.PrivateKey,
            extensions: Certificate.Extensions
        ) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey), notValidBefore: validity.lowerBound,
                notValidAfter: validity.upperBound, issuer: name(issuer), subject: name(subject),
                signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
                issuerPrivateKey: Certificate.PrivateKey(signer))
        }
        let authority = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
        }
        let leaf = try Certificate.Extensions { Critical(BasicConstraints.notCertificateAuthority) }
        root = try certificate(
            "Intel SGX Root CA", key: keys.root, issuer: "Intel SGX Root CA", signer: keys.root, extensions: authority)
        pckCA = try certificate(
            "Intel SGX PCK Platform CA", key: keys.pckCA, issuer: "Intel SGX Root CA", signer: keys.root,
            extensions: authority)
        var pckExtensions = leaf
        try pckExtensions.append(
            Certificate.Extension(
                oid: PCKCertificateExtensions.sgxExtensions, critical: false,
                value: Self.sgxExtension(platform)[...]))
        pck = try certificate(
            "Intel SGX PCK Certificate", key: keys.pck, issuer: "Intel SGX PCK Platform CA", signer: keys.pckCA,
            extensions: pckExtensions)
        tcbSigning = try certificate(
            "Intel SGX TCB Signing", key: keys.tcbSigning, issuer: "Intel SGX Root CA", signer: keys.root,
            extensions: leaf)
    }

    /// A verifier that trusts this hierarchy's root and nothing else.
    public var verifier: TDXVerifier { TDXVerifier(trustedRoot: root) }

    // MARK: Quotes

    /// A version 4 quote (TD 1.0 body) carrying `fields`, signed by the attestation key, whose QE
    /// report is signed by the PCK key and binds that key.
    public func quote(_ fields: TDFields) throws -> [UInt8] {
        precondition(fields.mrTD.count == 48 && fields.rtmrs.count == 4 && fields.reportData.count == 64)
        var header: [UInt8] = Self.le16(4) + Self.le16(2) + Self.le32(0x81) + [0, 0, 0, 0]
        header += TDXQuote.intelQEVendorID
        header += [UInt8](repeating: 0, count: 20)
        var body = [UInt8](repeating: 0, count: TDReportBody.Kind.td10.size)
        func put(_ offset: Int, _ value: [UInt8]) { body.replaceSubrange(offset..<(offset + value.count), with: value) }
        put(0, platform.teeTCBSVN)
        put(16, Array(SHA384.hash(data: Array("Sotto development TDX module".utf8))))  // MRSEAM
        // MRSIGNERSEAM and SEAMATTRIBUTES: zero, as for Intel's own module.
        put(120, Self.le64(fields.tdAttributes))
        put(128, Self.le64(0x61AE7))  // XFAM: x87, SSE, AVX, AVX-512, PKRU, as a typical TD.
        put(136, fields.mrTD)
        for (index, rtmr) in fields.rtmrs.enumerated() { put(328 + 48 * index, rtmr) }
        put(520, fields.reportData)
        let signed = header + body
        let signature = Array(try keys.attestation.signature(for: SHA256.hash(data: signed)).rawRepresentation)
        let attestationKey = Array(keys.attestation.publicKey.rawRepresentation)
        let auth = Array(SHA256.hash(data: Array("Sotto development QE auth data".utf8)))
        var qeReport = [UInt8](repeating: 0, count: SGXEnclaveReport.size)
        func putQE(_ offset: Int, _ value: [UInt8]) {
            qeReport.replaceSubrange(offset..<(offset + value.count), with: value)
        }
        putQE(0, platform.sgxTCBComponents)  // CPUSVN
        putQE(48, [0x11] + [UInt8](repeating: 0, count: 15))  // ATTRIBUTES: INIT, MODE64BIT
        putQE(64, Array(SHA256.hash(data: Array("Sotto development TD QE".utf8))))  // MRENCLAVE
        putQE(128, platform.qeMRSigner)
        putQE(256, Self.le16(platform.qeISVProdID))
        putQE(258, Self.le16(platform.qeISVSVN))
        putQE(320, Array(SHA256.hash(data: attestationKey + auth)) + [UInt8](repeating: 0, count: 32))
        let qeSignature = Array(try keys.pck.signature(for: SHA256.hash(data: qeReport)).rawRepresentation)
        let pem =
            Array(try [pck, pckCA, root].map { try $0.serializeAsPEM().pemString }.joined(separator: "\n").utf8)
            + [0x0A, 0]
        let inner = Self.le16(5) + Self.le32(UInt32(pem.count)) + pem
        let certification = qeReport + qeSignature + Self.le16(UInt16(auth.count)) + auth + inner
        let signatureData =
            signature + attestationKey + Self.le16(6) + Self.le32(UInt32(certification.count)) + certification
        return signed + Self.le32(UInt32(signatureData.count)) + signatureData
    }

    // MARK: Collateral

    /// What the collateral says of the platform and when it was issued.
    public struct CollateralTerms: Sendable {
        /// The status of the platform's TCB level, and its advisories.
        public var tcbStatus = "UpToDate"
        public var advisoryIDs: [String] = []
        public var issueDate: Date
        public var nextUpdate: Date
        /// Certificates the root CA's and the PCK CA's revocation lists name.
        public var revokedByRoot: [Certificate] = []
        public var revokedByPCKCA: [Certificate] = []

        public init(issueDate: Date, nextUpdate: Date) {
            self.issueDate = issueDate
            self.nextUpdate = nextUpdate
        }
    }

    /// The collateral for this platform as dcap-qvl's JSON object, every part signed.
    public func collateral(_ terms: CollateralTerms) throws -> [UInt8] {
        let format = Date.ISO8601FormatStyle()
        let issued = terms.issueDate.formatted(format)
        let next = terms.nextUpdate.formatted(format)
        let tcbDate = issued
        let module: [String: Any] = [
            "mrsigner": String(repeating: "00", count: 48), "attributes": "0000000000000000",
            "attributesMask": "FFFFFFFFFFFFFFFF",
        ]
        var identity = module
        identity["id"] = String(format: "TDX_%02X", platform.teeTCBSVN[1])
        identity["tcbLevels"] = [
            ["tcb": ["isvsvn": Int(platform.teeTCBSVN[0])], "tcbDate": tcbDate, "tcbStatus": "UpToDate"]
        ]
        var level: [String: Any] = [
            "tcb": [
                "sgxtcbcomponents": platform.sgxTCBComponents.map { ["svn": Int($0)] },
                "pcesvn": platform.pceSVN,
                "tdxtcbcomponents": platform.teeTCBSVN.map { ["svn": Int($0)] },
            ],
            "tcbDate": tcbDate, "tcbStatus": terms.tcbStatus,
        ]
        if !terms.advisoryIDs.isEmpty { level["advisoryIDs"] = terms.advisoryIDs }
        let tcbInfo: [String: Any] = [
            "id": "TDX", "version": 3, "issueDate": issued, "nextUpdate": next,
            "fmspc": Hex.encode(platform.fmspc).uppercased(), "pceId": Hex.encode(platform.pceID).uppercased(),
            "tcbType": 0, "tcbEvaluationDataNumber": 1, "tdxModule": module, "tdxModuleIdentities": [identity],
            "tcbLevels": [level],
        ]
        let qeIdentity: [String: Any] = [
            "id": "TD_QE", "version": 2, "issueDate": issued, "nextUpdate": next, "tcbEvaluationDataNumber": 1,
            "miscselect": "00000000", "miscselectMask": "FFFFFFFF",
            "attributes": "11000000000000000000000000000000", "attributesMask": "FBFFFFFFFFFFFFFF0000000000000000",
            "mrsigner": Hex.encode(platform.qeMRSigner).uppercased(), "isvprodid": Int(platform.qeISVProdID),
            "tcbLevels": [
                ["tcb": ["isvsvn": Int(platform.qeISVSVN)], "tcbDate": tcbDate, "tcbStatus": "UpToDate"]
            ],
        ]
        let tcbInfoText = try Self.json(tcbInfo)
        let qeIdentityText = try Self.json(qeIdentity)
        let signingChain = try [tcbSigning, root].map { try $0.serializeAsPEM().pemString }.joined(separator: "\n")
        let object: [String: String] = [
            "tcb_info_issuer_chain": signingChain, "tcb_info": tcbInfoText,
            "tcb_info_signature": Hex.encode(
                try keys.tcbSigning.signature(for: SHA256.hash(data: Array(tcbInfoText.utf8))).rawRepresentation),
            "qe_identity_issuer_chain": signingChain, "qe_identity": qeIdentityText,
            "qe_identity_signature": Hex.encode(
                try keys.tcbSigning.signature(for: SHA256.hash(data: Array(qeIdentityText.utf8))).rawRepresentation),
            "pck_crl_issuer_chain": try [pckCA, root].map { try $0.serializeAsPEM().pemString }.joined(separator: "\n"),
            "root_ca_crl": Hex.encode(
                try Self.revocationList(
                    issuer: root, signer: keys.root, revoked: terms.revokedByRoot, thisUpdate: terms.issueDate,
                    nextUpdate: terms.nextUpdate)),
            "pck_crl": Hex.encode(
                try Self.revocationList(
                    issuer: pckCA, signer: keys.pckCA, revoked: terms.revokedByPCKCA, thisUpdate: terms.issueDate,
                    nextUpdate: terms.nextUpdate)),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(object))
    }

    /// A DER X.509 v2 CRL issued by `issuer`, signed by `signer` with ECDSA P-256 and SHA-256.
    public static func revocationList(
        issuer: Certificate, signer: P256.Signing.PrivateKey, revoked: [Certificate], thisUpdate: Date,
        nextUpdate: Date
    ) throws -> [UInt8] {
        let algorithm = IntelRevocationList.ecdsaWithSHA256
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            coder.serializeRawBytes(algorithm)
            try coder.serialize(issuer.subject)
            try coder.serialize(utcTime(thisUpdate))
            try coder.serialize(utcTime(nextUpdate))
            if !revoked.isEmpty {
                try coder.appendConstructedNode(identifier: .sequence) { entries in
                    for certificate in revoked {
                        try entries.appendConstructedNode(identifier: .sequence) { entry in
                            try entry.serialize(certificate.serialNumber.bytes)
                            try entry.serialize(utcTime(thisUpdate))
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

    // MARK: Encoding

    /// The SGX extension of a PCK certificate: PPID, TCB (16 SVNs, PCESVN, CPUSVN), PCE-ID, FMSPC.
    static func sgxExtension(_ platform: Platform) throws -> [UInt8] {
        let base = PCKCertificateExtensions.sgxExtensions.oidComponents
        func oid(_ arcs: UInt...) throws -> ASN1ObjectIdentifier {
            try ASN1ObjectIdentifier(elements: Array(base) + arcs)
        }
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { entries in
            try entries.appendConstructedNode(identifier: .sequence) { entry in
                try entry.serialize(oid(1))
                try entry.serialize(ASN1OctetString(contentBytes: [UInt8](repeating: 0x5D, count: 16)[...]))
            }
            try entries.appendConstructedNode(identifier: .sequence) { entry in
                try entry.serialize(oid(2))
                try entry.appendConstructedNode(identifier: .sequence) { tcb in
                    for (index, svn) in platform.sgxTCBComponents.enumerated() {
                        try tcb.appendConstructedNode(identifier: .sequence) { component in
                            try component.serialize(oid(2, UInt(index + 1)))
                            try component.serialize(Int(svn))
                        }
                    }
                    try tcb.appendConstructedNode(identifier: .sequence) { component in
                        try component.serialize(oid(2, 17))
                        try component.serialize(platform.pceSVN)
                    }
                    try tcb.appendConstructedNode(identifier: .sequence) { component in
                        try component.serialize(oid(2, 18))
                        try component.serialize(ASN1OctetString(contentBytes: platform.sgxTCBComponents[...]))
                    }
                }
            }
            try entries.appendConstructedNode(identifier: .sequence) { entry in
                try entry.serialize(oid(3))
                try entry.serialize(ASN1OctetString(contentBytes: platform.pceID[...]))
            }
            try entries.appendConstructedNode(identifier: .sequence) { entry in
                try entry.serialize(oid(4))
                try entry.serialize(ASN1OctetString(contentBytes: platform.fmspc[...]))
            }
        }
        return coder.serializedBytes
    }

    static func utcTime(_ date: Date) throws -> UTCTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return try UTCTime(
            year: parts.year!, month: parts.month!, day: parts.day!, hours: parts.hour!, minutes: parts.minute!,
            seconds: parts.second!)
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
    static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (8 * $0)) & 0xFF) } }
}
