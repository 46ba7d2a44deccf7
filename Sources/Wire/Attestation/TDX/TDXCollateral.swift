import Foundation

/// The collateral a TDX quote is judged with, in the JSON form open DCAP verifiers such as
/// Phala's dcap-qvl read and write: Intel's TCB info and QE identity, each as the exact JSON text
/// Intel signed, with its signature (hex, r ‖ s) and the PEM chain of the TCB signing key.
/// Parsed, not yet verified: `TDXVerifier.verify(_:collateral:policy:at:)` checks it. The optional
/// revocation lists (`root_ca_crl` and `pck_crl`, hexadecimal DER, and `pck_crl_issuer_chain`,
/// PEM) are checked when present.
public struct TDXCollateral: Sendable, Hashable {
    /// The TCB signing chain of the TCB info (TCB signing certificate, then root), PEM.
    public let tcbInfoIssuerChain: String
    /// The TCB info JSON text exactly as signed.
    public let tcbInfoText: String
    /// ECDSA P-256 signature over `tcbInfoText`, r ‖ s (64 bytes).
    public let tcbInfoSignature: [UInt8]
    /// The TCB signing chain of the QE identity, PEM.
    public let qeIdentityIssuerChain: String
    /// The QE identity JSON text exactly as signed.
    public let qeIdentityText: String
    /// ECDSA P-256 signature over `qeIdentityText`, r ‖ s (64 bytes).
    public let qeIdentitySignature: [UInt8]

    /// The TCB info, decoded from `tcbInfoText`.
    public let tcbInfo: TCBInfo
    /// The QE identity, decoded from `qeIdentityText`.
    public let qeIdentity: QEIdentity

    /// The root CA's revocation list (revoked PCK CAs and TCB signing certificates), if given.
    public let rootCACRL: IntelRevocationList?
    /// The PCK CA's revocation list (revoked PCK certificates), if given.
    public let pckCRL: IntelRevocationList?
    /// The PEM chain of the PCK CRL's issuer (PCK CA, then root), if given.
    public let pckCRLIssuerChain: String?

    private struct Fields: Decodable {
        let tcbInfoIssuerChain: String
        let tcbInfo: String
        let tcbInfoSignature: String
        let qeIdentityIssuerChain: String
        let qeIdentity: String
        let qeIdentitySignature: String
        let rootCACRL: String?
        let pckCRL: String?
        let pckCRLIssuerChain: String?

        enum CodingKeys: String, CodingKey {
            case tcbInfoIssuerChain = "tcb_info_issuer_chain"
            case tcbInfo = "tcb_info"
            case tcbInfoSignature = "tcb_info_signature"
            case qeIdentityIssuerChain = "qe_identity_issuer_chain"
            case qeIdentity = "qe_identity"
            case qeIdentitySignature = "qe_identity_signature"
            case rootCACRL = "root_ca_crl"
            case pckCRL = "pck_crl"
            case pckCRLIssuerChain = "pck_crl_issuer_chain"
        }
    }

    /// Reads the collateral JSON object.
    /// - Throws: `TDXError` `.collateralParse` naming the part that is missing or malformed.
    public init(json: some Collection<UInt8>) throws(TDXError) {
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(json))
        } catch {
            throw TDXError(
                .collateralParse,
                "the collateral is not a JSON object with tcb_info_issuer_chain, tcb_info, tcb_info_signature, "
                    + "qe_identity_issuer_chain, qe_identity and qe_identity_signature (as dcap-qvl writes it)")
        }
        tcbInfoIssuerChain = fields.tcbInfoIssuerChain
        tcbInfoText = fields.tcbInfo
        tcbInfoSignature = try Self.signature(fields.tcbInfoSignature, name: "tcb_info_signature")
        qeIdentityIssuerChain = fields.qeIdentityIssuerChain
        qeIdentityText = fields.qeIdentity
        qeIdentitySignature = try Self.signature(fields.qeIdentitySignature, name: "qe_identity_signature")
        tcbInfo = try Self.decode(TCBInfo.self, fields.tcbInfo, name: "tcb_info")
        qeIdentity = try Self.decode(QEIdentity.self, fields.qeIdentity, name: "qe_identity")
        rootCACRL = try fields.rootCACRL.map { text throws(TDXError) in
            try Self.revocationList(text, name: "root CA CRL (root_ca_crl)")
        }
        pckCRL = try fields.pckCRL.map { text throws(TDXError) in
            try Self.revocationList(text, name: "PCK CRL (pck_crl)")
        }
        pckCRLIssuerChain = fields.pckCRLIssuerChain
    }

    private static func revocationList(_ hex: String, name: String) throws(TDXError) -> IntelRevocationList {
        guard let der = try? Hex.decode(hex.lowercased()), !der.isEmpty else {
            throw TDXError(.revocationListParse, "the collateral's \(name) is not hexadecimal DER")
        }
        return try IntelRevocationList(der: der, name: name)
    }

    private static func signature(_ hex: String, name: String) throws(TDXError) -> [UInt8] {
        guard let bytes = try? Hex.decode(hex), bytes.count == 64 else {
            throw TDXError(.collateralParse, "the collateral's \(name) is not 64 bytes of hexadecimal (r ‖ s)")
        }
        return bytes
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String, name: String) throws(TDXError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw TDXError(
                .collateralParse,
                "the collateral's \(name) is not the JSON Intel's PCS serves (a field is missing or malformed)")
        }
    }
}

/// Intel's TDX TCB info, version 3: the TCB levels of one platform family (FMSPC) and the TDX
/// module identities, each level with its status.
public struct TCBInfo: Sendable, Hashable, Decodable {
    /// "TDX" for TDX TCB info.
    public let id: String
    /// 3 for TDX.
    public let version: Int
    /// When Intel issued it (RFC 3339).
    public let issueDate: String
    /// When Intel will issue the next one: after it, this one is stale.
    public let nextUpdate: String
    /// The FMSPC, hex.
    public let fmspc: String
    /// The PCE id, hex.
    public let pceId: String
    /// Intel's TCB evaluation data number.
    public let tcbEvaluationDataNumber: Int
    /// The TDX module's signer and attributes, for modules of major version 0.
    public let tdxModule: ModuleIdentity?
    /// The identities of TDX modules by major version ("TDX_01", "TDX_03", …).
    public let tdxModuleIdentities: [ModuleIdentity]?
    /// The platform TCB levels, highest first.
    public let tcbLevels: [Level]

    /// A TDX module's identity.
    public struct ModuleIdentity: Sendable, Hashable, Decodable {
        /// "TDX_01" and so on; absent in `tdxModule`.
        public let id: String?
        /// MRSIGNERSEAM, hex (48 bytes).
        public let mrsigner: String
        /// SEAMATTRIBUTES, hex (8 bytes).
        public let attributes: String
        /// The mask applied to SEAMATTRIBUTES, hex (8 bytes).
        public let attributesMask: String
        /// The module's TCB levels by ISV SVN, highest first.
        public let tcbLevels: [ModuleLevel]?
    }

    /// A TDX module TCB level.
    public struct ModuleLevel: Sendable, Hashable, Decodable {
        /// The level's minimum module ISV SVN.
        public struct TCB: Sendable, Hashable, Decodable {
            /// Minimum TEE_TCB_SVN[0].
            public let isvsvn: Int
        }
        /// The minimum.
        public let tcb: TCB
        /// The date of the level.
        public let tcbDate: String
        /// The level's status ("UpToDate", "OutOfDate", …).
        public let tcbStatus: String
        /// Intel security advisories that apply at this level.
        public let advisoryIDs: [String]?
    }

    /// A platform TCB level.
    public struct Level: Sendable, Hashable, Decodable {
        /// One SVN component.
        public struct Component: Sendable, Hashable, Decodable {
            /// The minimum SVN.
            public let svn: Int
        }
        /// The level's minimums.
        public struct TCB: Sendable, Hashable, Decodable {
            /// The 16 SGX TCB components (compared with the PCK certificate's).
            public let sgxtcbcomponents: [Component]
            /// Minimum PCESVN.
            public let pcesvn: Int
            /// The 16 TDX TCB components (compared with the quote's TEE_TCB_SVN).
            public let tdxtcbcomponents: [Component]
        }
        /// The minimums.
        public let tcb: TCB
        /// The date of the level.
        public let tcbDate: String
        /// The level's status.
        public let tcbStatus: String
        /// Intel security advisories that apply at this level.
        public let advisoryIDs: [String]?
    }
}

/// Intel's QE identity, version 2, of the TD quoting enclave ("TD_QE"): who may sign TD quotes,
/// and the TCB levels of its security version.
public struct QEIdentity: Sendable, Hashable, Decodable {
    /// "TD_QE".
    public let id: String
    /// 2.
    public let version: Int
    /// When Intel issued it.
    public let issueDate: String
    /// When Intel will issue the next one.
    public let nextUpdate: String
    /// MISCSELECT, hex (4 bytes), compared under `miscselectMask`.
    public let miscselect: String
    /// Mask for MISCSELECT.
    public let miscselectMask: String
    /// ATTRIBUTES, hex (16 bytes), compared under `attributesMask`.
    public let attributes: String
    /// Mask for ATTRIBUTES.
    public let attributesMask: String
    /// MRSIGNER, hex (32 bytes).
    public let mrsigner: String
    /// ISVPRODID.
    public let isvprodid: Int
    /// TCB levels by the QE's ISVSVN, highest first.
    public let tcbLevels: [TCBInfo.ModuleLevel]
}
