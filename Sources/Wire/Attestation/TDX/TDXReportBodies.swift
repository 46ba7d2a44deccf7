/// The TD report a TDX quote carries (the quote's body): what the TDX module measured about the
/// trust domain. TD 1.0 (584 bytes) is the report of TDX module 1.0; TD 1.5 (648 bytes) adds a
/// second TEE_TCB_SVN and MRSERVICETD. Offsets from Intel's quote format ("TD Quote Body").
public struct TDReportBody: Sendable, Hashable {
    /// Which report layout the body has.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// TD report 1.0, quote body type 2 (and every version 4 quote).
        case td10
        /// TD report 1.5, quote body type 3.
        case td15

        /// The body's size in bytes.
        public var size: Int {
            switch self {
            case .td10: 584
            case .td15: 648
            }
        }

        /// "TD 1.0" or "TD 1.5".
        public var description: String { self == .td10 ? "TD 1.0" : "TD 1.5" }

        /// The kind a version 5 quote's body type names (1, an SGX enclave report, is not TDX).
        init?(quoteBodyType: UInt16) {
            switch quoteBodyType {
            case 2: self = .td10
            case 3: self = .td15
            default: return nil
            }
        }
    }

    /// The layout.
    public let kind: Kind
    /// The body exactly as in the quote.
    public let bytes: [UInt8]

    /// TEE_TCB_SVN (0, 16 bytes): the TDX module's security versions, compared with TCB info.
    public var teeTCBSVN: [UInt8] { Array(bytes[0..<16]) }
    /// MRSEAM (16, 48 bytes): the measurement of the TDX module.
    public var mrSEAM: [UInt8] { Array(bytes[16..<64]) }
    /// MRSIGNERSEAM (64, 48 bytes): the TDX module's signer (zero for Intel's module).
    public var mrSignerSEAM: [UInt8] { Array(bytes[64..<112]) }
    /// SEAMATTRIBUTES (112, 8 bytes): the TDX module's attributes.
    public var seamAttributes: UInt64 { TDXQuoteReader.u64(bytes[...], 112) }
    /// TDATTRIBUTES (120, 8 bytes): bit 0 is DEBUG.
    public var tdAttributes: UInt64 { TDXQuoteReader.u64(bytes[...], 120) }
    /// XFAM (128, 8 bytes): the extended features the TD may use.
    public var xfam: UInt64 { TDXQuoteReader.u64(bytes[...], 128) }
    /// MRTD (136, 48 bytes): the measurement of the TD's initial contents.
    public var mrTD: [UInt8] { Array(bytes[136..<184]) }
    /// MRCONFIGID (184, 48 bytes): software-defined configuration id set at launch.
    public var mrConfigID: [UInt8] { Array(bytes[184..<232]) }
    /// MROWNER (232, 48 bytes).
    public var mrOwner: [UInt8] { Array(bytes[232..<280]) }
    /// MROWNERCONFIG (280, 48 bytes).
    public var mrOwnerConfig: [UInt8] { Array(bytes[280..<328]) }
    /// RTMR0–RTMR3 (328, 4 × 48 bytes): the runtime measurement registers.
    public var rtmrs: [[UInt8]] { (0..<4).map { Array(bytes[(328 + 48 * $0)..<(376 + 48 * $0)]) } }
    /// REPORTDATA (520, 64 bytes): what the TD asked to be bound into the quote.
    public var reportData: [UInt8] { Array(bytes[520..<584]) }
    /// TEE_TCB_SVN2 (584, 16 bytes), TD 1.5 only.
    public var teeTCBSVN2: [UInt8]? { kind == .td15 ? Array(bytes[584..<600]) : nil }
    /// MRSERVICETD (600, 48 bytes), TD 1.5 only: the measurement of bound service TDs.
    public var mrServiceTD: [UInt8]? { kind == .td15 ? Array(bytes[600..<648]) : nil }
}

/// An SGX enclave report (384 bytes): in a TDX quote, the quoting enclave's own report, signed by
/// the PCK key. Offsets from Intel's quote format ("Enclave Report").
public struct SGXEnclaveReport: Sendable, Hashable {
    /// Always 384 bytes.
    public static let size = 384

    /// The report exactly as in the quote; the PCK key's signature covers these bytes.
    public let bytes: [UInt8]

    /// CPUSVN (0, 16 bytes).
    public var cpuSVN: [UInt8] { Array(bytes[0..<16]) }
    /// MISCSELECT (16, 4 bytes).
    public var miscSelect: UInt32 { TDXQuoteReader.u32(bytes[...], 16) }
    /// ATTRIBUTES (48, 16 bytes).
    public var attributes: [UInt8] { Array(bytes[48..<64]) }
    /// MRENCLAVE (64, 32 bytes).
    public var mrEnclave: [UInt8] { Array(bytes[64..<96]) }
    /// MRSIGNER (128, 32 bytes): the hash of the enclave signer's key.
    public var mrSigner: [UInt8] { Array(bytes[128..<160]) }
    /// ISVPRODID (256).
    public var isvProdID: UInt16 { TDXQuoteReader.u16(bytes[...], 256) }
    /// ISVSVN (258): the quoting enclave's security version.
    public var isvSVN: UInt16 { TDXQuoteReader.u16(bytes[...], 258) }
    /// REPORTDATA (320, 64 bytes): binds the attestation key and the QE auth data.
    public var reportData: [UInt8] { Array(bytes[320..<384]) }
}
